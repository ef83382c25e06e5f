/**
 * Parity with the contrib `clickhouseexporter`: the same OTLP requests, in protobuf and in OTLP
 * JSON, go to
 * Tracehouse's own receiver and to our collector distribution (OTLP receiver → processors that
 * leave this data alone → `clickhouseexporter` v0.161.0 → Tracehouse's ClickHouse HTTP endpoint).
 * Both paths write into the same tables, so every row must then appear exactly twice: a single
 * differing column anywhere (value formatting, map order, ids, timestamps, fingerprint) leaves
 * two rows that appear once each.
 */
import assert from "node:assert/strict";
import { requireTool } from "../collector/test_support.ts";
import { encodeLogs, encodeMetrics, encodeTraces } from "../testing/otlp_encode.ts";
import {
  type AnyValue,
  type Exemplar,
  type KeyValue,
  KvList,
  type LogRecord,
  type Metric,
  type ResourceGroup,
  type Scope,
  type Span,
} from "../otlp/model.ts";
import { query, startCollectorStack, waitFor } from "./collector_stack.ts";

const hasGo = await requireTool("go", ["version"]);

const NOW = BigInt(Date.now() - 60_000) * 1_000_000n + 123_456_789n;
const RUN = crypto.randomUUID().slice(0, 8);
const TRACE = "5b8efff798038103d269b633813fc60c";

/** Attribute values of every type, with the formatting edge cases. */
const VALUES: KeyValue[] = [
  ["str", 'plain <&> \u2028 "quoted" é ✓'],
  ["int", 42],
  ["int.negative", -7],
  ["int.big", 9007199254740993n],
  ["double", 0.1],
  ["double.integral", 3],
  ["double.tiny", 1.5e-7],
  ["double.huge", 1e21],
  ["double.negzero", -0],
  ["double.nan", NaN],
  ["double.inf", -Infinity],
  ["bool", true],
  ["bytes", new Uint8Array([0, 1, 2, 250, 255])],
  ["empty", null],
  ["array", ["a", 1, 2.5, false, null, new Uint8Array([9])]],
  ["array.nan", [1, NaN]],
  ["kvlist", new KvList([["z", 1], ["a", new KvList([["n", [true]]])], ["m", "x"]])],
  ["zz.unsorted", "last"],
  ["aa.unsorted", "first"],
];

const scope: Scope = {
  name: "parity-scope",
  version: "9.9.9",
  attributes: [["scope.b", 2], ["scope.a", "x"]],
  droppedAttributesCount: 3,
};

function resource(service: string): ResourceGroup<never>["resource"] {
  return {
    attributes: [["service.name", service], ["host.name", "h1"], ["process.pid", 77]],
    schemaUrl: "https://opentelemetry.io/schemas/1.26.0",
  };
}

function spans(service: string): ResourceGroup<Span>[] {
  const base = {
    traceId: TRACE,
    traceState: "",
    attributes: [] as KeyValue[],
    events: [],
    links: [],
    statusCode: 0,
    statusMessage: "",
  };
  const items: Span[] = [
    {
      ...base,
      spanId: "eee19b7ec3c1b174",
      parentSpanId: "0000000000000000",
      traceState: "vendor=a,other=b",
      name: "GET /cart",
      kind: 2,
      start: NOW,
      end: NOW + 250_000_000n,
      attributes: VALUES,
      events: [
        { time: NOW + 1000n, name: "cache.miss", attributes: [["k", 1], ["b", "v"]] },
        {
          time: NOW + 2000n,
          name: "exception",
          attributes: [
            ["exception.type", "TypeError"],
            ["exception.message", "x is undefined at 42"],
            ["exception.stacktrace", "TypeError: x\n    at f (/app/src/a.ts:1:2)"],
          ],
        },
      ],
      links: [
        {
          traceId: "00000000000000000000000000000001",
          spanId: "0000000000000002",
          traceState: "t=1",
          attributes: [["l", 1.5]],
        },
        { traceId: "", spanId: "", traceState: "", attributes: [] },
      ],
      statusCode: 2,
      statusMessage: "boom",
    },
    {
      ...base,
      spanId: "00000000000000aa",
      parentSpanId: "eee19b7ec3c1b174",
      name: "db",
      kind: 3,
      start: NOW + 10n,
      end: NOW + 5n,
      statusCode: 1,
    },
    {
      ...base,
      spanId: "00000000000000bb",
      parentSpanId: "eee19b7ec3c1b174",
      name: "odd kind",
      kind: 9,
      start: NOW,
      end: NOW,
      statusCode: 5,
    },
    {
      ...base,
      spanId: "00000000000000cc",
      parentSpanId: "",
      name: "err no message",
      kind: 0,
      start: NOW,
      end: NOW + 1n,
      statusCode: 2,
      attributes: [["error.type", "Timeout"]],
    },
  ];
  return [{
    resource: resource(service),
    scopes: [{ scope, schemaUrl: "https://scope/1", items }],
  }];
}

function logs(service: string): ResourceGroup<LogRecord>[] {
  const base: LogRecord = {
    time: NOW,
    observedTime: NOW + 5n,
    severityNumber: 9,
    severityText: "INFO",
    body: "hello",
    attributes: [],
    flags: 0,
    traceId: "",
    spanId: "",
    eventName: "",
  };
  const bodies: AnyValue[] = [
    "string body",
    17,
    2.5,
    false,
    new Uint8Array([1, 2]),
    ["a", 1],
    new KvList([["b", 2], ["a", new KvList([])]]),
    null,
  ];
  const items: LogRecord[] = bodies.map((body, i) => ({
    ...base,
    time: NOW + BigInt(i),
    body,
    attributes: [["i", i], ...VALUES.slice(0, 6)],
  }));
  items.push(
    { ...base, time: 0n, observedTime: NOW + 99n, body: "observed only" },
    {
      ...base,
      severityNumber: 17,
      severityText: "ERROR",
      body: "payment 1234 failed",
      attributes: [["exception.type", "PaymentError"]],
      flags: 257,
      traceId: TRACE,
      spanId: "eee19b7ec3c1b174",
      eventName: "payment.failed",
    },
    { ...base, severityNumber: 0, severityText: "FATAL", body: "fatal text only" },
  );
  return [{
    resource: resource(service),
    scopes: [{ scope, schemaUrl: "https://scope/1", items }],
  }];
}

function metrics(service: string): ResourceGroup<Metric>[] {
  const exemplars: Exemplar[] = [
    {
      filteredAttributes: [["user", "u1"], ["a", 1]],
      time: NOW,
      value: 7,
      traceId: TRACE,
      spanId: "eee19b7ec3c1b174",
    },
    { filteredAttributes: [], time: NOW + 1_500_000_000n, value: 0.25, traceId: "", spanId: "" },
  ];
  const point = {
    attributes: [["route", "/a"], ["code", 200]] as KeyValue[],
    start: NOW - 60_000_000_000n,
    time: NOW,
    flags: 1,
  };
  const items: Metric[] = [
    {
      name: "g",
      description: "gauge",
      unit: "1",
      data: {
        type: "gauge",
        points: [{ ...point, value: 1.5, exemplars }, {
          ...point,
          attributes: [],
          value: -3,
          exemplars: [],
        }],
      },
    },
    {
      name: "s",
      description: "sum",
      unit: "By",
      data: {
        type: "sum",
        temporality: 2,
        monotonic: true,
        points: [{ ...point, value: 42, exemplars }],
      },
    },
    {
      name: "s.delta",
      description: "",
      unit: "",
      data: {
        type: "sum",
        temporality: 1,
        monotonic: false,
        points: [{ ...point, value: -1.25, exemplars: [] }],
      },
    },
    {
      name: "h",
      description: "histogram",
      unit: "ms",
      data: {
        type: "histogram",
        temporality: 1,
        points: [{
          ...point,
          count: 6n,
          sum: 21.5,
          bucketCounts: [1, 2, 3],
          explicitBounds: [1, 5],
          exemplars,
          min: 0.5,
          max: 9,
        }],
      },
    },
    {
      name: "e",
      description: "exp",
      unit: "s",
      data: {
        type: "exponential_histogram",
        temporality: 2,
        points: [{
          ...point,
          count: 5n,
          sum: 10,
          scale: -2,
          zeroCount: 1n,
          positive: { offset: -1, bucketCounts: [1, 2] },
          negative: { offset: 3, bucketCounts: [1] },
          exemplars,
          min: -1,
          max: 4,
        }],
      },
    },
    {
      name: "q",
      description: "summary",
      unit: "s",
      data: {
        type: "summary",
        points: [{ ...point, count: 3n, sum: 6, quantiles: [0, 0.5, 1], values: [1, 2, 3] }],
      },
    },
  ];
  return [{
    resource: resource(service),
    scopes: [{ scope, schemaUrl: "https://scope/1", items }],
  }];
}

/** OTLP JSON of an attribute value (ids hex, 64-bit integers as strings, bytes base64). */
function jsonValue(v: AnyValue): unknown {
  if (v === null) return {};
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (
    typeof v === "bigint" || (typeof v === "number" && Number.isSafeInteger(v) && !Object.is(v, -0))
  ) {
    return { intValue: String(v) };
  }
  if (typeof v === "number") {
    return { doubleValue: Number.isFinite(v) ? v : String(v) };
  }
  if (v instanceof Uint8Array) return { bytesValue: btoa(String.fromCharCode(...v)) };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(jsonValue) } };
  return { kvlistValue: { values: jsonAttributes((v as KvList).entries) } };
}

function jsonAttributes(kvs: KeyValue[]): unknown[] {
  return kvs.map(([key, value]) => ({ key, value: jsonValue(value) }));
}

function jsonRequest<T>(
  groups: ResourceGroup<T>[],
  names: [string, string, string],
  item: (x: T) => unknown,
): string {
  return JSON.stringify({
    [names[0]]: groups.map((g) => ({
      resource: { attributes: jsonAttributes(g.resource.attributes) },
      schemaUrl: g.resource.schemaUrl,
      [names[1]]: g.scopes.map((sg) => ({
        scope: {
          name: sg.scope.name,
          version: sg.scope.version,
          attributes: jsonAttributes(sg.scope.attributes),
          droppedAttributesCount: sg.scope.droppedAttributesCount,
        },
        schemaUrl: sg.schemaUrl,
        [names[2]]: sg.items.map(item),
      })),
    })),
  });
}

const ns = (t: bigint) => String(t);

function jsonExemplars(list: Exemplar[]): unknown[] {
  return list.map((x) => ({
    filteredAttributes: jsonAttributes(x.filteredAttributes),
    timeUnixNano: ns(x.time),
    asDouble: x.value,
    traceId: x.traceId,
    spanId: x.spanId,
  }));
}

function jsonBodies(service: string): Record<string, string> {
  return {
    traces: jsonRequest(spans(service), ["resourceSpans", "scopeSpans", "spans"], (s) => ({
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      traceState: s.traceState,
      name: s.name,
      kind: s.kind,
      startTimeUnixNano: ns(s.start),
      endTimeUnixNano: ns(s.end),
      attributes: jsonAttributes(s.attributes),
      events: s.events.map((e) => ({
        timeUnixNano: ns(e.time),
        name: e.name,
        attributes: jsonAttributes(e.attributes),
      })),
      links: s.links.map((l) => ({
        traceId: l.traceId,
        spanId: l.spanId,
        traceState: l.traceState,
        attributes: jsonAttributes(l.attributes),
      })),
      status: { code: s.statusCode, message: s.statusMessage },
    })),
    logs: jsonRequest(logs(service), ["resourceLogs", "scopeLogs", "logRecords"], (l) => ({
      timeUnixNano: ns(l.time),
      observedTimeUnixNano: ns(l.observedTime),
      severityNumber: l.severityNumber,
      severityText: l.severityText,
      body: jsonValue(l.body),
      attributes: jsonAttributes(l.attributes),
      flags: l.flags,
      traceId: l.traceId,
      spanId: l.spanId,
      eventName: l.eventName,
    })),
    metrics: jsonRequest(metrics(service), ["resourceMetrics", "scopeMetrics", "metrics"], (m) => {
      const d = m.data;
      const base = (p: { attributes: KeyValue[]; start: bigint; time: bigint; flags: number }) => ({
        attributes: jsonAttributes(p.attributes),
        startTimeUnixNano: ns(p.start),
        timeUnixNano: ns(p.time),
        flags: p.flags,
      });
      const out: Record<string, unknown> = {
        name: m.name,
        description: m.description,
        unit: m.unit,
      };
      if (d.type === "gauge" || d.type === "sum") {
        const points = d.points.map((p) => ({
          ...base(p),
          asDouble: p.value,
          exemplars: jsonExemplars(p.exemplars),
        }));
        out[d.type] = d.type === "sum"
          ? { dataPoints: points, aggregationTemporality: d.temporality, isMonotonic: d.monotonic }
          : { dataPoints: points };
      } else if (d.type === "histogram") {
        out.histogram = {
          aggregationTemporality: d.temporality,
          dataPoints: d.points.map((p) => ({
            ...base(p),
            count: ns(p.count),
            sum: p.sum,
            bucketCounts: p.bucketCounts.map(String),
            explicitBounds: p.explicitBounds,
            exemplars: jsonExemplars(p.exemplars),
            min: p.min,
            max: p.max,
          })),
        };
      } else if (d.type === "exponential_histogram") {
        out.exponentialHistogram = {
          aggregationTemporality: d.temporality,
          dataPoints: d.points.map((p) => ({
            ...base(p),
            count: ns(p.count),
            sum: p.sum,
            scale: p.scale,
            zeroCount: ns(p.zeroCount),
            positive: {
              offset: p.positive.offset,
              bucketCounts: p.positive.bucketCounts.map(String),
            },
            negative: {
              offset: p.negative.offset,
              bucketCounts: p.negative.bucketCounts.map(String),
            },
            exemplars: jsonExemplars(p.exemplars),
            min: p.min,
            max: p.max,
          })),
        };
      } else if (d.type === "summary") {
        out.summary = {
          dataPoints: d.points.map((p) => ({
            ...base(p),
            count: ns(p.count),
            sum: p.sum,
            quantileValues: p.quantiles.map((q, i) => ({ quantile: q, value: p.values[i] })),
          })),
        };
      }
      return out;
    }),
  };
}

const TABLES: [string, number][] = [
  ["otel_traces", 4],
  ["otel_logs", 11],
  ["otel_metrics_gauge", 2],
  ["otel_metrics_sum", 2],
  ["otel_metrics_histogram", 1],
  ["otel_metrics_exponential_histogram", 1],
  ["otel_metrics_summary", 1],
];

Deno.test({
  name: "parity: Tracehouse's receiver writes exactly the rows of the contrib clickhouseexporter",
  ignore: !hasGo,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const stack = await startCollectorStack({
      TAIL_SAMPLING_PERCENT: "100",
      FILTER_HEALTH_PATHS: "a^",
      FILTER_LOG_MIN_SEVERITY: "0",
    });
    try {
      const tracehouse = /tracehouse: otlp listening on (http:\/\/\S+)/.exec(
        stack.procs[0].output(),
      )?.[1];
      assert.ok(tracehouse, "Tracehouse's OTLP address");
      const rounds: { service: string; type: string; bodies: Record<string, BodyInit> }[] = [
        {
          service: `parity-pb-${RUN}`,
          type: "application/x-protobuf",
          bodies: {
            traces: encodeTraces(spans(`parity-pb-${RUN}`)),
            logs: encodeLogs(logs(`parity-pb-${RUN}`)),
            metrics: encodeMetrics(metrics(`parity-pb-${RUN}`)),
          },
        },
        {
          service: `parity-json-${RUN}`,
          type: "application/json",
          bodies: jsonBodies(`parity-json-${RUN}`),
        },
      ];
      for (const { type, bodies } of rounds) {
        for (const base of [tracehouse, stack.otlpHttp] as string[]) {
          for (const [signal, body] of Object.entries(bodies)) {
            const res: Response = await fetch(`${base}/v1/${signal}`, {
              method: "POST",
              body,
              headers: { "content-type": type },
            });
            assert.equal(res.status, 200, `${base} ${type} ${signal}: ${await res.text()}`);
          }
        }
      }
      const where = `ServiceName IN ('parity-pb-${RUN}', 'parity-json-${RUN}')`;
      await waitFor("both paths' rows", async () => {
        for (const [table, n] of TABLES) {
          const [{ c }] = await query<{ c: string }>(
            stack.endpoint,
            `SELECT count() AS c FROM ${table} WHERE ${where}`,
          );
          if (Number(c) < 4 * n) return undefined;
        }
        return true;
      }, { timeoutMs: 60_000, procs: stack.procs });
      for (const [table, n] of TABLES) {
        const rows = await query<{ c: string }>(
          stack.endpoint,
          `SELECT count() AS c FROM ${table} WHERE ${where}`,
        );
        assert.equal(Number(rows[0].c), 4 * n, `${table}: rows from both paths, both encodings`);
        const unpaired = await query<{ row: string; c: string }>(
          stack.endpoint,
          `SELECT formatRowNoNewline('JSONEachRow', *) AS row, count() AS c FROM ${table}
           WHERE ${where} GROUP BY row HAVING c != 2 ORDER BY row`,
        );
        assert.deepEqual(
          unpaired.map((u) => u.row),
          [],
          `${table}: rows that differ between Tracehouse and the exporter`,
        );
      }
    } finally {
      await stack.stop();
    }
  },
});
