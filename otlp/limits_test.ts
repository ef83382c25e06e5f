import assert from "node:assert/strict";
import { encodeLogs, encodeMetrics, encodeTraces } from "../testing/otlp_encode.ts";
import { OtlpIngest } from "./ingest.ts";
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from "./json.ts";
import {
  DROPPED_ATTRIBUTES_KEY,
  DROPPED_EVENTS_KEY,
  DROPPED_LINKS_KEY,
  type IngestLimits,
  limitAttributes,
  truncateString,
} from "./limits.ts";
import { KvList } from "./model.ts";
import { RecordingStore } from "../testing/recording_store.ts";

Deno.test("truncateString counts code points and never splits a surrogate pair", () => {
  assert.equal(truncateString("abcdef", 3), "abc");
  assert.equal(truncateString("abc", 3), "abc");
  assert.equal(truncateString("😀😀😀", 2), "😀😀");
  assert.equal(truncateString("é😀x", 2), "é😀");
  assert.equal(truncateString("abc", 0), "");
  // A lone surrogate counts as one character.
  assert.equal(truncateString("\ud800abc", 2), "\ud800a");
});

Deno.test("limitAttributes keeps the first attributes, truncates values, counts drops", () => {
  const counts = { dropped: 0, truncated: 0 };
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);
  const out = limitAttributes(
    [
      ["s", "abcdefgh"],
      ["arr", ["abcdefgh", "ab", 7]],
      ["kv", new KvList([["k", "abcdefgh"]])],
      ["b", bytes],
      ["n", 123456789],
      ["gone1", "x"],
      ["gone2", "y"],
    ],
    { count: 5, valueLength: 4 },
    3,
    counts,
  );
  assert.deepEqual(out, [
    ["s", "abcd"],
    ["arr", ["abcd", "ab", 7]],
    ["kv", new KvList([["k", "abcd"]])],
    ["b", bytes.subarray(0, 4)],
    ["n", 123456789],
    [DROPPED_ATTRIBUTES_KEY, 5],
  ]);
  assert.deepEqual(counts, { dropped: 2, truncated: 4 });
  const within: [string, string][] = [["a", "b"]];
  assert.equal(limitAttributes(within, { count: 1, valueLength: 1 }, 0, counts), within);
});

const LIMITS: IngestLimits = {
  span: { count: 4, valueLength: 8 },
  log: { count: 3, valueLength: 5 },
  other: { count: 2, valueLength: 6 },
  spanEvents: 2,
  spanLinks: 1,
};
const T = "5b8efff798038103d269b633813fc60c";
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const attrs = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => str(`${prefix}${i}`, `value-${i}`));
const resource = {
  attributes: [str("service.name", "svc"), str("host.name", "a-long-host"), str("x", "y")],
};

const traces = {
  resourceSpans: [{
    resource,
    scopeSpans: [{
      scope: { name: "lib" },
      spans: [
        {
          traceId: T,
          spanId: "0000000000000001",
          name: "over",
          attributes: [str("long", "0123456789abcdef"), ...attrs(6, "a")],
          droppedAttributesCount: 2,
          events: [
            { name: "e0", attributes: attrs(5, "e") },
            { name: "e1", attributes: attrs(1, "e") },
            { name: "e2" },
          ],
          droppedEventsCount: 1,
          links: [{ traceId: T, spanId: "0000000000000003" }, {
            traceId: T,
            spanId: "0000000000000004",
          }],
        },
        { traceId: T, spanId: "0000000000000002", name: "within", attributes: attrs(4, "a") },
      ],
    }],
  }],
};
const logs = {
  resourceLogs: [{
    resource,
    scopeLogs: [{
      scope: { name: "lib", attributes: attrs(3, "s") },
      logRecords: [
        { body: { stringValue: "a body longer than any limit" }, attributes: attrs(5, "l") },
        { body: { stringValue: "ok" }, attributes: [str("k", "12345")] },
      ],
    }],
  }],
};
const metrics = {
  resourceMetrics: [{
    resource,
    scopeMetrics: [{
      scope: { name: "m", attributes: attrs(3, "s"), droppedAttributesCount: 1 },
      metrics: [{
        name: "g",
        gauge: { dataPoints: [{ asDouble: 1, attributes: attrs(3, "p") }] },
      }],
    }],
  }],
};

function entries(map: unknown): Record<string, string> {
  return Object.fromEntries(map as [string, string][]);
}

async function ingestAll(encoding: "protobuf" | "json") {
  const store = new RecordingStore();
  const ingest = new OtlpIngest(store, { maxDelayMs: 1 }, { limits: LIMITS });
  const body = (json: unknown, encode: (text: string) => Uint8Array) =>
    encoding === "json"
      ? new TextEncoder().encode(JSON.stringify(json))
      : encode(JSON.stringify(json));
  await ingest.export("traces", body(traces, (t) => encodeTraces(decodeTracesJson(t))), encoding);
  await ingest.export("logs", body(logs, (t) => encodeLogs(decodeLogsJson(t))), encoding);
  await ingest.export(
    "metrics",
    body(metrics, (t) => encodeMetrics(decodeMetricsJson(t))),
    encoding,
  );
  await ingest.close();
  const rows = (table: string) =>
    store.inserts.filter((i) => i.table === table).flatMap((i) => i.rows);
  return { rows, metricsText: ingest.metricsText() };
}

for (const encoding of ["protobuf", "json"] as const) {
  Deno.test(`attribute limits with counts on every signal (${encoding})`, async () => {
    const { rows, metricsText } = await ingestAll(encoding);
    const [over, within] = rows("otel_traces");
    const resourceAttrs = {
      "service.name": "svc",
      "host.name": "a-long",
      [DROPPED_ATTRIBUTES_KEY]: "1",
    };
    assert.deepEqual(entries(over.ResourceAttributes), resourceAttrs);
    assert.deepEqual(entries(over.SpanAttributes), {
      long: "01234567",
      a0: "value-0",
      a1: "value-1",
      a2: "value-2",
      // 2 dropped by the sender + 3 here; 1 event dropped by the sender + 1 here; 1 link.
      [DROPPED_ATTRIBUTES_KEY]: "5",
      [DROPPED_EVENTS_KEY]: "2",
      [DROPPED_LINKS_KEY]: "1",
    });
    assert.deepEqual(over["Events.Name"], ["e0", "e1"]);
    assert.deepEqual((over["Events.Attributes"] as unknown[]).map(entries), [
      { e0: "value-0", e1: "value-1", e2: "value-2", e3: "value-3", [DROPPED_ATTRIBUTES_KEY]: "1" },
      { e0: "value-0" },
    ]);
    assert.deepEqual(over["Links.SpanId"], ["0000000000000003"]);
    // Within the limits: stored as sent, no count attribute.
    assert.deepEqual(entries(within.SpanAttributes), {
      a0: "value-0",
      a1: "value-1",
      a2: "value-2",
      a3: "value-3",
    });

    const [log, short] = rows("otel_logs");
    assert.equal(log.Body, "a body longer than any limit", "the body is not an attribute");
    assert.deepEqual(entries(log.LogAttributes), {
      l0: "value",
      l1: "value",
      l2: "value",
      [DROPPED_ATTRIBUTES_KEY]: "2",
    });
    assert.deepEqual(entries(log.ScopeAttributes), {
      s0: "value-",
      s1: "value-",
      [DROPPED_ATTRIBUTES_KEY]: "1",
    });
    assert.deepEqual(entries(short.LogAttributes), { k: "12345" });

    const [point] = rows("otel_metrics_gauge");
    assert.deepEqual(entries(point.Attributes), {
      p0: "value-",
      p1: "value-",
      [DROPPED_ATTRIBUTES_KEY]: "1",
    });
    // Metric tables have a column for the scope's count: sender's 1 + 1 here.
    assert.deepEqual(entries(point.ScopeAttributes), { s0: "value-", s1: "value-" });
    assert.equal(point.ScopeDroppedAttrCount, 2);

    // Dropped: 3 span + 1 event + 1 resource×3 requests + 2 log + 1 log scope + 1 point + 1 scope.
    assert.match(metricsText, /tracehouse_otlp_attributes_dropped_total 12\n/);
    assert.match(metricsText, /tracehouse_otlp_attribute_values_truncated_total \d+\n/);
  });
}

Deno.test("the protobuf fast path and the model path store the same limited rows", async () => {
  const a = await ingestAll("protobuf");
  const b = await ingestAll("json");
  for (const table of ["otel_traces", "otel_logs", "otel_metrics_gauge"]) {
    assert.deepEqual(a.rows(table), b.rows(table), table);
  }
});

Deno.test("error.fingerprint is computed from the whole record and never dropped by a limit", async () => {
  const span = (n: number) => ({
    resourceSpans: [{
      scopeSpans: [{
        spans: [{
          traceId: T,
          spanId: "0000000000000001",
          name: "pay",
          attributes: attrs(n, "a"),
          status: { code: 2, message: "card declined" },
        }],
      }],
    }],
  });
  const stored = async (limits?: IngestLimits) => {
    const store = new RecordingStore();
    const ingest = new OtlpIngest(store, { maxDelayMs: 1 }, { limits });
    await ingest.export(
      "traces",
      encodeTraces(decodeTracesJson(JSON.stringify(span(6)))),
      "protobuf",
    );
    await ingest.close();
    return entries(store.inserts[0].rows[0].SpanAttributes);
  };
  const whole = await stored();
  const limited = await stored(LIMITS);
  assert.ok(whole["error.fingerprint"]);
  assert.equal(limited["error.fingerprint"], whole["error.fingerprint"]);
  assert.equal(limited[DROPPED_ATTRIBUTES_KEY], "2");
});
