/**
 * OTLP in → rows in the embedded engine: every signal through the receiver into tables created
 * by the migrations, read back column by column.
 */
import assert from "node:assert/strict";
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { createOtlpApp } from "../routes/otlp.ts";

const T = "5b8efff798038103d269b633813fc60c";
// Recent times: the tables' TTL drops rows older than the retention at insert.
const BASE = BigInt(Math.floor(Date.now() / 1000) - 3600) * 1_000_000_000n;
const ns = (offset: bigint) => String(BASE + offset);
const secs = (offset: bigint) => Number((BASE + offset) / 1_000_000_000n);
const traces = {
  resourceSpans: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
    scopeSpans: [{
      scope: { name: "lib", version: "1.0" },
      spans: [{
        traceId: T,
        spanId: "eee19b7ec3c1b174",
        parentSpanId: "0000000000000000",
        name: "GET /",
        kind: 2,
        startTimeUnixNano: ns(123456789n),
        endTimeUnixNano: ns(223456789n),
        attributes: [{ key: "n", value: { intValue: "5" } }, {
          key: "a",
          value: { doubleValue: 0.5 },
        }],
        events: [{ timeUnixNano: ns(200000000n), name: "ev", attributes: [] }],
        links: [{ traceId: T, spanId: "0000000000000002", traceState: "x=y" }],
        status: { code: 2, message: "boom" },
      }],
    }],
  }],
};
const logs = {
  resourceLogs: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
    scopeLogs: [{
      scope: { name: "log" },
      logRecords: [{
        observedTimeUnixNano: ns(2n),
        severityNumber: 9,
        severityText: "INFO",
        body: { stringValue: "hello" },
        traceId: T,
        spanId: "eee19b7ec3c1b174",
        flags: 1,
        eventName: "e",
      }],
    }],
  }],
};
const point = { startTimeUnixNano: ns(0n), timeUnixNano: ns(60_000_000_000n) };
const metrics = {
  resourceMetrics: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
    scopeMetrics: [{
      scope: { name: "m" },
      metrics: [
        {
          name: "g",
          gauge: {
            dataPoints: [{
              ...point,
              asDouble: 2.5,
              exemplars: [{ timeUnixNano: ns(30_000_000_000n), asInt: "3", traceId: T }],
            }],
          },
        },
        {
          name: "s",
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: [{ ...point, asInt: 7 }],
          },
        },
        {
          name: "h",
          histogram: {
            aggregationTemporality: 1,
            dataPoints: [{
              ...point,
              count: "3",
              sum: 6,
              bucketCounts: ["1", "2"],
              explicitBounds: [2],
              min: 1,
              max: 3,
            }],
          },
        },
        {
          name: "e",
          exponentialHistogram: {
            aggregationTemporality: 2,
            dataPoints: [{
              ...point,
              count: "2",
              scale: 3,
              zeroCount: "1",
              positive: { offset: -2, bucketCounts: ["1"] },
            }],
          },
        },
        {
          name: "q",
          summary: {
            dataPoints: [{
              ...point,
              count: "2",
              sum: 3,
              quantileValues: [{ quantile: 0.5, value: 1 }],
            }],
          },
        },
      ],
    }],
  }],
};

Deno.test("OTLP JSON for every signal lands in the exporter tables", async () => {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-otlp-" });
  const store = await ChdbStore.open({ path });
  const otlp = createOtlpApp(store, { batch: { maxDelayMs: 10 } });
  try {
    await migrate(store, {
      database: "default",
      retentionDays: { traces: 7, logs: 7, metrics: 30 },
    });
    for (const [signal, body] of [["traces", traces], ["logs", logs], ["metrics", metrics]]) {
      const res = await otlp.app.request(`http://otlp/v1/${signal}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 200, await res.text());
    }
    const [span] = await store.query(
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, ParentSpanId, SpanKind, ServiceName, ScopeName,
              ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage,
              arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS et, Events.Name AS en,
              Links.TraceId AS lt, Links.SpanId AS ls, Links.TraceState AS lst
       FROM otel_traces`,
    );
    assert.deepEqual(span, {
      ts: ns(123456789n),
      TraceId: T,
      SpanId: "eee19b7ec3c1b174",
      ParentSpanId: "",
      SpanKind: "Server",
      ServiceName: "svc",
      ScopeName: "lib",
      ScopeVersion: "1.0",
      SpanAttributes: {
        a: "0.5",
        "error.fingerprint": (span.SpanAttributes as Record<string, string>)["error.fingerprint"],
        n: "5",
      },
      Duration: "100000000",
      StatusCode: "Error",
      StatusMessage: "boom",
      et: [ns(200000000n)],
      en: ["ev"],
      lt: [T],
      ls: ["0000000000000002"],
      lst: ["x=y"],
    });
    const [log] = await store.query(
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber,
              Body, EventName, ServiceName FROM otel_logs`,
    );
    assert.deepEqual(log, {
      ts: ns(2n),
      TraceId: T,
      SpanId: "eee19b7ec3c1b174",
      TraceFlags: 1,
      SeverityText: "INFO",
      SeverityNumber: 9,
      Body: "hello",
      EventName: "e",
      ServiceName: "svc",
    });
    const [g] = await store.query(
      `SELECT MetricName, toUnixTimestamp(StartTimeUnix) AS st, toUnixTimestamp(TimeUnix) AS t, Value,
              Exemplars.Value AS xv, Exemplars.TraceId AS xt, Exemplars.SpanId AS xs
       FROM otel_metrics_gauge`,
    );
    assert.deepEqual(g, {
      MetricName: "g",
      st: secs(0n),
      t: secs(60_000_000_000n),
      Value: 2.5,
      xv: [3],
      xt: [T],
      xs: ["0000000000000000"],
    });
    const [s] = await store.query(
      "SELECT Value, AggregationTemporality, IsMonotonic FROM otel_metrics_sum",
    );
    assert.deepEqual(s, { Value: 7, AggregationTemporality: 2, IsMonotonic: true });
    const [h] = await store.query(
      "SELECT Count, Sum, BucketCounts, ExplicitBounds, Min, Max FROM otel_metrics_histogram",
    );
    assert.deepEqual(h, {
      Count: "3",
      Sum: 6,
      BucketCounts: ["1", "2"],
      ExplicitBounds: [2],
      Min: 1,
      Max: 3,
    });
    const [e] = await store.query(
      `SELECT Count, Scale, ZeroCount, PositiveOffset, PositiveBucketCounts, NegativeBucketCounts
       FROM otel_metrics_exponential_histogram`,
    );
    assert.deepEqual(e, {
      Count: "2",
      Scale: 3,
      ZeroCount: "1",
      PositiveOffset: -2,
      PositiveBucketCounts: ["1"],
      NegativeBucketCounts: [],
    });
    const [q] = await store.query(
      "SELECT Count, Sum, ValueAtQuantiles.Quantile AS qq, ValueAtQuantiles.Value AS qv FROM otel_metrics_summary",
    );
    assert.deepEqual(q, { Count: "2", Sum: 3, qq: [0.5], qv: [1] });
  } finally {
    await otlp.close();
    await store.close();
  }
});
