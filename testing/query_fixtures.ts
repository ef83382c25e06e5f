/**
 * Test data for the query modules and the API routes: a migrated embedded
 * store with a small, fully known set of spans, logs and metric points,
 * inserted with the column specs of `schema.ts` (no OTLP path involved).
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import {
  LOGS_COLUMNS,
  METRICS_GAUGE_COLUMNS,
  METRICS_HISTOGRAM_COLUMNS,
  METRICS_SUM_COLUMNS,
  TRACES_COLUMNS,
} from "../sql/schema.ts";
import type { Store } from "../sql/store.ts";

/** Start of the fixture data: 2026-11-25T10:00:00Z, in ms. */
export const T0_MS: number = Date.UTC(2026, 10, 25, 10, 0, 0);
/** {@linkcode T0_MS} in nanoseconds. */
export const T0_NS: bigint = BigInt(T0_MS) * 1_000_000n;
/** A range covering all fixture data, as query parameters. */
export const FIXTURE_RANGE = { from: "2026-11-25T09:00:00Z", to: "2026-11-25T11:00:00Z" };

/** The trace with three services, an error, an event and a link. */
export const TRACE_A = "a".repeat(32);
/** A one-span trace. */
export const TRACE_B = "b".repeat(32);
/** Number of filler traces (one span each, `batch` service). */
export const FILLER_TRACES = 30;
/** Number of filler logs (`batch` service). */
export const FILLER_LOGS = 40;

const MS = 1_000_000n;

/** Trace id of filler trace `i`. */
export function fillerTraceId(i: number): string {
  return `f${i.toString(16).padStart(31, "0")}`;
}

/** Spans of the fixture. */
export function fixtureSpans(): Record<string, unknown>[] {
  const span = (o: Record<string, unknown>) => ({
    TraceState: "",
    ScopeName: "fixture",
    ScopeVersion: "1.0.0",
    StatusCode: "Ok",
    StatusMessage: "",
    SpanKind: "Internal",
    ParentSpanId: "",
    SpanAttributes: {},
    "Events.Timestamp": [],
    "Events.Name": [],
    "Events.Attributes": [],
    "Links.TraceId": [],
    "Links.SpanId": [],
    "Links.TraceState": [],
    "Links.Attributes": [],
    ...o,
    ResourceAttributes: {
      "service.name": o.ServiceName as string,
      ...(o.ResourceAttributes ?? {}),
    },
  });
  const spans = [
    span({
      Timestamp: T0_NS + 1000n * MS,
      TraceId: TRACE_A,
      SpanId: "a000000000000001",
      SpanName: "GET /checkout",
      SpanKind: "Server",
      ServiceName: "frontend",
      SpanAttributes: { "http.route": "/checkout", "http.method": "GET" },
      Duration: 100n * MS,
      ResourceAttributes: { "deployment.environment.name": "prod" },
    }),
    span({
      Timestamp: T0_NS + 1010n * MS,
      TraceId: TRACE_A,
      SpanId: "a000000000000002",
      ParentSpanId: "a000000000000001",
      SpanName: "POST /pay",
      SpanKind: "Server",
      ServiceName: "checkout",
      SpanAttributes: { "http.route": "/pay", "http.method": "POST" },
      Duration: 60n * MS,
    }),
    span({
      Timestamp: T0_NS + 1020n * MS,
      TraceId: TRACE_A,
      SpanId: "a000000000000003",
      ParentSpanId: "a000000000000002",
      SpanName: "charge",
      SpanKind: "Client",
      ServiceName: "payments",
      StatusCode: "Error",
      StatusMessage: "card declined",
      Duration: 40n * MS,
      "Events.Timestamp": [T0_NS + 1050n * MS],
      "Events.Name": ["exception"],
      "Events.Attributes": [{ "exception.message": "declined" }],
      "Links.TraceId": [TRACE_B],
      "Links.SpanId": ["b000000000000001"],
      "Links.TraceState": [""],
      "Links.Attributes": [{ "link.kind": "retry" }],
    }),
    span({
      Timestamp: T0_NS + 2000n * MS,
      TraceId: TRACE_B,
      SpanId: "b000000000000001",
      SpanName: "GET /home",
      SpanKind: "Server",
      ServiceName: "frontend",
      SpanAttributes: { "http.route": "/home", "http.method": "GET" },
      Duration: 10n * MS,
    }),
  ];
  for (let i = 0; i < FILLER_TRACES; i++) {
    spans.push(span({
      // One a minute from T0 + 5 min; two share a timestamp to exercise tie-breaks.
      Timestamp: T0_NS + BigInt(300 + 60 * Math.floor(i / 2)) * 1000n * MS,
      TraceId: fillerTraceId(i),
      SpanId: `c${i.toString(16).padStart(15, "0")}`,
      SpanName: "job",
      ServiceName: "batch",
      SpanAttributes: { "job.index": String(i) },
      Duration: BigInt(i + 1) * MS,
    }));
  }
  return spans;
}

/** Logs of the fixture. */
export function fixtureLogs(): Record<string, unknown>[] {
  const log = (o: Record<string, unknown>) => ({
    TraceId: "",
    SpanId: "",
    TraceFlags: 0,
    ScopeName: "fixture",
    ScopeVersion: "1.0.0",
    LogAttributes: {},
    EventName: "",
    ...o,
    ResourceAttributes: { "service.name": o.ServiceName as string },
  });
  const logs = [
    log({
      Timestamp: T0_NS + 1015n * MS,
      TraceId: TRACE_A,
      SpanId: "a000000000000002",
      TraceFlags: 1,
      SeverityText: "INFO",
      SeverityNumber: 9,
      ServiceName: "checkout",
      Body: "payment started for order 42",
      LogAttributes: { "order.id": "42" },
    }),
    log({
      Timestamp: T0_NS + 1030n * MS,
      TraceId: TRACE_A,
      SpanId: "a000000000000003",
      TraceFlags: 1,
      SeverityText: "ERROR",
      SeverityNumber: 17,
      ServiceName: "payments",
      Body: "Card DECLINED: 100% of limit_used",
      LogAttributes: { "order.id": "42", "error.type": "declined" },
    }),
  ];
  for (let i = 0; i < FILLER_LOGS; i++) {
    logs.push(log({
      // Every 30 s from T0 + 5 min; pairs share a timestamp to exercise tie-breaks.
      Timestamp: T0_NS + BigInt(300 + 30 * Math.floor(i / 2)) * 1000n * MS,
      SeverityText: i % 10 === 0 ? "WARN" : "DEBUG",
      SeverityNumber: i % 10 === 0 ? 13 : 5,
      ServiceName: "batch",
      Body: `job ${i} done`,
      LogAttributes: { "job.index": String(i) },
    }));
  }
  return logs;
}

/** Metric points: a gauge for 2 pods, a cumulative counter, a delta histogram; every 10 s for 30 min. */
export function fixtureMetrics(): {
  gauge: Record<string, unknown>[];
  sum: Record<string, unknown>[];
  histogram: Record<string, unknown>[];
} {
  const gauge: Record<string, unknown>[] = [];
  const sum: Record<string, unknown>[] = [];
  const histogram: Record<string, unknown>[] = [];
  const t0 = T0_MS / 1000;
  for (let s = 0; s < 1800; s += 10) {
    for (const pod of ["pod-1", "pod-2"]) {
      const common = {
        ServiceName: "checkout",
        ResourceAttributes: { "service.name": "checkout", "k8s.pod.name": pod },
        StartTimeUnix: t0,
        TimeUnix: t0 + s,
      };
      gauge.push({
        ...common,
        MetricName: "process.cpu.utilization",
        MetricUnit: "1",
        MetricDescription: "CPU use",
        Attributes: { "cpu.mode": "user" },
        Value: pod === "pod-1" ? 0.25 : 0.75,
      });
      // 1 request per second per pod and method: the counter grows by 10 every 10 s.
      for (const method of ["GET", "POST"]) {
        sum.push({
          ...common,
          MetricName: "http.server.requests",
          MetricUnit: "{request}",
          MetricDescription: "Requests served",
          Attributes: { "http.method": method },
          Value: s + 10,
          AggregationTemporality: 2,
          IsMonotonic: true,
        });
      }
      histogram.push({
        ...common,
        MetricName: "http.server.duration",
        MetricUnit: "ms",
        MetricDescription: "Request duration",
        Attributes: { "http.method": "GET" },
        Count: 10,
        Sum: 10 * 15,
        Min: 10,
        Max: 20,
        BucketCounts: [0, 10, 0],
        ExplicitBounds: [10, 20],
        AggregationTemporality: 1,
      });
    }
  }
  return { gauge, sum, histogram };
}

/** Inserts the whole fixture into a migrated store. */
export async function insertFixtures(store: Store): Promise<void> {
  await store.insert("otel_traces", fixtureSpans(), { columns: TRACES_COLUMNS });
  await store.insert("otel_logs", fixtureLogs(), { columns: LOGS_COLUMNS });
  const metrics = fixtureMetrics();
  await store.insert("otel_metrics_gauge", metrics.gauge, { columns: METRICS_GAUGE_COLUMNS });
  await store.insert("otel_metrics_sum", metrics.sum, { columns: METRICS_SUM_COLUMNS });
  await store.insert("otel_metrics_histogram", metrics.histogram, {
    columns: METRICS_HISTOGRAM_COLUMNS,
  });
}

/** Opens a fresh embedded store, migrates it and loads the fixture. */
export async function openFixtureStore(): Promise<ChdbStore> {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-query-" });
  // One embedded store per process at a time: wait while another test module holds one.
  let store: ChdbStore | undefined;
  for (let attempt = 0; !store; attempt++) {
    try {
      store = await ChdbStore.open({ path, database: "tracehouse" });
    } catch (error) {
      if (attempt >= 600 || !/refused the connection/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  await migrate(store, {
    database: "tracehouse",
    retentionDays: { traces: 3650, logs: 3650, metrics: 3650 },
  });
  await insertFixtures(store);
  return store;
}
