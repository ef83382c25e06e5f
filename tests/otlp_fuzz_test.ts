/**
 * Fuzzing the OTLP receiver: thousands of random and mutated protobuf, JSON and gzip bodies.
 * The decoders only ever fail with a `SyntaxError` that says why; over HTTP every body
 * gets 200 or a 4xx, never a 5xx; valid requests sent alongside are all stored.
 */
import assert from "node:assert/strict";
import { random } from "../bench/span_rows.ts";
import { logRequest, spanRequest } from "../testing/otlp_payloads.ts";
import { createOtlpApp } from "../routes/otlp.ts";
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { encodeLogs, encodeMetrics, encodeTraces } from "../testing/otlp_encode.ts";
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from "../otlp/json.ts";
import { mapLogs } from "../testing/map_logs_oracle.ts";
import { mapMetrics } from "../otlp/map_metrics.ts";
import { mapTraces } from "../testing/map_traces_oracle.ts";
import { decodeLogsProto } from "../otlp/pb_logs.ts";
import { decodeMetricsProto } from "../otlp/pb_metrics.ts";
import { decodeTracesProto } from "../otlp/pb_traces.ts";
import type { Metric, ResourceGroup } from "../otlp/model.ts";

const rand = random(20261125);
const int = (n: number) => Math.floor(rand() * n);
const NOW = BigInt(Date.now()) * 1_000_000n;

function metricsRequest(): ResourceGroup<Metric>[] {
  const point = { attributes: [["k", "v"]] as [string, string][], start: NOW, time: NOW, flags: 0 };
  const exemplars = [{
    filteredAttributes: [],
    time: NOW,
    value: 1,
    traceId: "ab".repeat(16),
    spanId: "cd".repeat(8),
  }];
  return [{
    resource: { attributes: [["service.name", "fuzz-mutant"]], schemaUrl: "" },
    scopes: [{
      scope: { name: "s", version: "", attributes: [], droppedAttributesCount: 0 },
      schemaUrl: "",
      items: [
        {
          name: "g",
          description: "",
          unit: "",
          data: { type: "gauge", points: [{ ...point, value: 1, exemplars }] },
        },
        {
          name: "h",
          description: "",
          unit: "",
          data: {
            type: "histogram",
            temporality: 2,
            points: [{
              ...point,
              count: 2n,
              sum: 3,
              bucketCounts: [1, 1],
              explicitBounds: [1],
              exemplars,
              min: 1,
              max: 2,
            }],
          },
        },
        {
          name: "e",
          description: "",
          unit: "",
          data: {
            type: "exponential_histogram",
            temporality: 2,
            points: [{
              ...point,
              count: 2n,
              sum: 3,
              scale: 2,
              zeroCount: 0n,
              positive: { offset: 1, bucketCounts: [1, 1] },
              negative: { offset: 0, bucketCounts: [] },
              exemplars,
              min: 1,
              max: 2,
            }],
          },
        },
        {
          name: "q",
          description: "",
          unit: "",
          data: {
            type: "summary",
            points: [{ ...point, count: 1n, sum: 1, quantiles: [0.5], values: [1] }],
          },
        },
      ],
    }],
  }];
}

function mutant(service: string) {
  const spans = spanRequest(rand, 3, NOW);
  spans[0].resource.attributes = [["service.name", service]];
  const logs = logRequest(rand, 3, NOW);
  logs[0].resource.attributes = [["service.name", service]];
  return { traces: spans, logs, metrics: metricsRequest() };
}

/** Flips, deletes, inserts, truncates or duplicates bytes. */
function mutate(bytes: Uint8Array): Uint8Array {
  const out = [...bytes];
  const edits = 1 + int(4);
  for (let i = 0; i < edits && out.length > 0; i++) {
    const at = int(out.length);
    switch (int(5)) {
      case 0:
        out[at] ^= 1 << int(8);
        break;
      case 1:
        out.splice(at, 1 + int(8));
        break;
      case 2:
        out.splice(at, 0, ...Array.from({ length: 1 + int(8) }, () => int(256)));
        break;
      case 3:
        out.length = at;
        break;
      default:
        out[at] = [0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x22, 0x7b, 0x22][int(9)];
    }
  }
  return new Uint8Array(out);
}

const encoder = new TextEncoder();

function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? String(v) : v);
}

/** Random JSON values shaped like OTLP in places. */
function randomJson(depth = 0): unknown {
  const choices = [
    () => null,
    () => int(3) === 0 ? -1 : int(1e6),
    () => rand(),
    () => ["", "x", "0a0b", "NaN", "12345678901234567890", "SEVERITY_NUMBER_ERROR"][int(6)],
    () => rand() < 0.5,
    () => depth < 4 ? Array.from({ length: int(3) }, () => randomJson(depth + 1)) : [],
    () => {
      if (depth >= 4) return {};
      const keys = [
        "resourceSpans",
        "scopeSpans",
        "spans",
        "resourceLogs",
        "scopeLogs",
        "logRecords",
        "resourceMetrics",
        "scopeMetrics",
        "metrics",
        "traceId",
        "spanId",
        "attributes",
        "value",
        "stringValue",
        "intValue",
        "kvlistValue",
        "arrayValue",
        "values",
        "gauge",
        "dataPoints",
        "timeUnixNano",
        "body",
        "bytesValue",
        "asInt",
        "histogram",
        "bucketCounts",
        "status",
      ];
      return Object.fromEntries(
        Array.from({ length: 1 + int(3) }, () => [keys[int(keys.length)], randomJson(depth + 1)]),
      );
    },
  ];
  return choices[int(choices.length)]();
}

const DECODERS = {
  traces: { proto: decodeTracesProto, json: decodeTracesJson, map: mapTraces },
  logs: { proto: decodeLogsProto, json: decodeLogsJson, map: mapLogs },
  metrics: { proto: decodeMetricsProto, json: decodeMetricsJson, map: mapMetrics },
} as const;
type Signal = keyof typeof DECODERS;
const SIGNALS: Signal[] = ["traces", "logs", "metrics"];

function bodies(signal: Signal, service: string): { proto: Uint8Array; json: string } {
  const m = mutant(service);
  const proto = signal === "traces"
    ? encodeTraces(m.traces)
    : signal === "logs"
    ? encodeLogs(m.logs)
    : encodeMetrics(m.metrics);
  const decode = DECODERS[signal].proto as (b: Uint8Array) => unknown;
  return { proto, json: jsonOf(signal, decode(proto)) };
}

/** OTLP JSON of a decoded request (enough of the mapping for fuzz seeds). */
function jsonOf(signal: Signal, groups: unknown): string {
  const field = {
    traces: ["resourceSpans", "scopeSpans", "spans"],
    logs: ["resourceLogs", "scopeLogs", "logRecords"],
    metrics: ["resourceMetrics", "scopeMetrics", "metrics"],
  }[signal];
  const kv = (attrs: [string, unknown][]) =>
    attrs.map(([key, v]) => ({
      key,
      value: typeof v === "string"
        ? { stringValue: v }
        : typeof v === "boolean"
        ? { boolValue: v }
        : Number.isInteger(v)
        ? { intValue: String(v) }
        : { doubleValue: v },
    }));
  return toJson({
    [field[0]]: (groups as ResourceGroup<Record<string, unknown>>[]).map((g) => ({
      resource: { attributes: kv(g.resource.attributes as [string, unknown][]) },
      [field[1]]: g.scopes.map((s) => ({
        scope: { name: s.scope.name },
        [field[2]]: s.items.map((item) => ({
          ...item,
          attributes: kv((item.attributes ?? []) as [string, unknown][]),
          startTimeUnixNano: item.start,
          endTimeUnixNano: item.end,
          timeUnixNano: item.time,
          body: typeof item.body === "string" ? { stringValue: item.body } : undefined,
          events: undefined,
          data: undefined,
        })),
      })),
    })),
  });
}

function expectDecodeError(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof TypeError || error instanceof RangeError) {
      return;
    }
    throw new Error(`${what}: unexpected ${error}`);
  }
}

Deno.test("decoders fail only with a clear SyntaxError on mutated input; mapping never throws", () => {
  let decoded = 0;
  for (let i = 0; i < 3000; i++) {
    const signal = SIGNALS[i % 3];
    const { proto, json } = bodies(signal, "fuzz-mutant");
    const d = DECODERS[signal];
    const body = mutate(proto);
    expectDecodeError(() => {
      const req = (d.proto as (b: Uint8Array) => unknown)(body);
      decoded++;
      (d.map as (r: unknown) => unknown)(req);
    }, `protobuf ${signal} #${i}`);
    const text = i % 2 === 0
      ? new TextDecoder().decode(mutate(encoder.encode(json)))
      : toJson({ [["resourceSpans", "resourceLogs", "resourceMetrics"][i % 3]]: [randomJson()] });
    expectDecodeError(() => {
      (d.map as (r: unknown) => unknown)((d.json as (t: string) => unknown)(text));
    }, `JSON ${signal} #${i}`);
    const noise = Uint8Array.from({ length: int(64) }, () => int(256));
    expectDecodeError(
      () => (d.map as (r: unknown) => unknown)((d.proto as (b: Uint8Array) => unknown)(noise)),
      "noise",
    );
  }
  assert.ok(decoded > 0, "some mutations still decode");
});

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return await new Response(
    new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      new CompressionStream("gzip"),
    ),
  ).bytes();
}

Deno.test("HTTP fuzz: 2,000 bad or mutated bodies never get a 5xx; valid data alongside is all stored", async () => {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-fuzz-" });
  const store = await ChdbStore.open({ path });
  const otlp = createOtlpApp(store, { batch: { maxDelayMs: 20 }, maxBodyBytes: 64 * 1024 });
  try {
    await migrate(store, {
      database: "default",
      retentionDays: { traces: 7, logs: 7, metrics: 7 },
    });
    let validSpans = 0;
    let validLogs = 0;
    const statuses = new Map<number, number>();
    const jobs: (() => Promise<void>)[] = [];
    for (let i = 0; i < 2000; i++) {
      const signal = SIGNALS[i % 3];
      const url = `http://otlp/v1/${signal}`;
      if (i % 10 === 0) {
        const { proto, json } = bodies(signal, "fuzz-valid");
        const asJson = i % 20 === 0;
        if (signal === "traces") validSpans += 3;
        if (signal === "logs") validLogs += 3;
        const zipped = i % 30 === 0;
        jobs.push(async () => {
          const raw = asJson ? encoder.encode(json) : proto;
          const res = await otlp.app.request(url, {
            method: "POST",
            body: (zipped ? await gzip(raw) : raw) as Uint8Array<ArrayBuffer>,
            headers: {
              "content-type": asJson ? "application/json" : "application/x-protobuf",
              ...(zipped ? { "content-encoding": "gzip" } : {}),
            },
          });
          assert.equal(res.status, 200, await res.text());
        });
        continue;
      }
      const { proto, json } = bodies(signal, "fuzz-mutant");
      const kind = i % 7;
      jobs.push(async () => {
        let body: Uint8Array;
        let type = "application/x-protobuf";
        const headers: Record<string, string> = {};
        if (kind === 0) body = mutate(proto);
        else if (kind === 1) {
          body = mutate(encoder.encode(json));
          type = "application/json";
        } else if (kind === 2) {
          body = mutate(await gzip(proto));
          headers["content-encoding"] = "gzip";
        } else if (kind === 3) {
          body = await gzip(mutate(proto));
          headers["content-encoding"] = "gzip";
        } else if (kind === 4) {
          body = encoder.encode(toJson(randomJson()));
          type = "application/json";
        } else if (kind === 5) body = Uint8Array.from({ length: int(200) }, () => int(256));
        else {
          body = mutate(proto);
          type = ["text/plain", "application/xml", ""][int(3)];
        }
        const res = await otlp.app.request(url, {
          method: "POST",
          body: body as Uint8Array<ArrayBuffer>,
          headers: { "content-type": type, ...headers },
        });
        await res.body?.cancel();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(
          res.status === 200 || (res.status >= 400 && res.status < 500),
          `status ${res.status}`,
        );
      });
    }
    for (let i = 0; i < jobs.length; i += 100) {
      await Promise.all(jobs.slice(i, i + 100).map((job) => job()));
    }
    assert.ok((statuses.get(400) ?? 0) > 500, `many 400s: ${[...statuses]}`);
    assert.ok((statuses.get(415) ?? 0) > 50, `415s for bad content types: ${[...statuses]}`);
    const [{ spans }] = await store.query<{ spans: string }>(
      "SELECT count() AS spans FROM otel_traces WHERE ServiceName = 'fuzz-valid'",
    );
    const [{ logs }] = await store.query<{ logs: string }>(
      "SELECT count() AS logs FROM otel_logs WHERE ServiceName = 'fuzz-valid'",
    );
    assert.equal(Number(spans), validSpans);
    assert.equal(Number(logs), validLogs);
  } finally {
    await otlp.close();
    await store.close();
  }
});
