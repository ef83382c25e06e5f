/**
 * Interop: the official OpenTelemetry JS SDK, with its OTLP/HTTP protobuf and JSON exporters,
 * sends traces, every metric kind it produces and logs to a running Tracehouse; the rows are
 * then read back and every mapped column checked against what the SDK recorded.
 */
import assert from "node:assert/strict";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter as LogsProto } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPLogExporter as LogsJson } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPMetricExporter as MetricsProto } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPMetricExporter as MetricsJson } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter as TracesProto } from "@opentelemetry/exporter-trace-otlp-proto";
import { OTLPTraceExporter as TracesJson } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { startTracehouse, withStore } from "./server.ts";

type Row = Record<string, unknown>;

interface Sent {
  protocol: string;
  spans: ReadableSpan[];
  traceId: string;
}

async function send(otlpUrl: string, protocol: "proto" | "json"): Promise<Sent> {
  const resource = resourceFromAttributes({
    "service.name": `js-${protocol}`,
    "deployment.environment.name": "test",
    "host.cpus": 2,
  });
  const Traces = protocol === "proto" ? TracesProto : TracesJson;
  const Metrics = protocol === "proto" ? MetricsProto : MetricsJson;
  const Logs = protocol === "proto" ? LogsProto : LogsJson;

  const memory = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: new Traces({ url: `${otlpUrl}/v1/traces` }) }),
      new SimpleSpanProcessor({ exporter: memory }),
    ],
  });
  const tracer = tracerProvider.getTracer("interop-tracer", "1.2.3");
  const linked = tracer.startSpan("linked");
  linked.end();
  const parent = tracer.startSpan("GET /checkout", {
    kind: SpanKind.SERVER,
    attributes: {
      "http.route": "/checkout",
      "http.response.status_code": 500,
      "app.ratio": 0.25,
      "app.cached": true,
      "app.tags": ["a", "b"],
    },
    links: [{ context: linked.spanContext(), attributes: { "link.kind": "retry" } }],
  });
  parent.addEvent("cart.loaded", { "cart.items": 3 });
  parent.recordException(new TypeError("cart is undefined"));
  parent.setStatus({ code: SpanStatusCode.ERROR, message: "checkout failed" });
  const child = tracer.startSpan(
    "SELECT carts",
    { kind: SpanKind.CLIENT },
    trace.setSpan(context.active(), parent),
  );
  child.setStatus({ code: SpanStatusCode.OK });
  child.end();
  parent.end();

  const exporter = new Metrics({ url: `${otlpUrl}/v1/metrics` });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({
    resource,
    readers: [reader],
    views: [{
      instrumentName: "exp.latency",
      aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
    }],
  });
  const meter = meterProvider.getMeter("interop-meter", "4.5.6");
  meter.createCounter("requests", { description: "requests served", unit: "1" }).add(5, {
    route: "/a",
  });
  meter.createUpDownCounter("inflight").add(-2, { route: "/a" });
  const hist = meter.createHistogram("latency", { unit: "ms" });
  for (const v of [3, 30, 300]) hist.record(v, { route: "/a" });
  const exp = meter.createHistogram("exp.latency", { unit: "ms" });
  for (const v of [1, 2, 4, 8]) exp.record(v);
  meter.createGauge("temperature").record(21.5, { room: "lab" });
  meter.createObservableGauge("queue.depth").addCallback((r) => r.observe(7));

  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new SimpleLogRecordProcessor({ exporter: new Logs({ url: `${otlpUrl}/v1/logs` }) }),
    ],
  });
  const logger = loggerProvider.getLogger("interop-logger", "7.8.9");
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: "ERROR",
    body: "payment declined for order 42",
    attributes: { "exception.type": "PaymentError", "order.id": 42 },
    context: trace.setSpan(context.active(), parent),
  });
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    severityText: "INFO",
    body: { structured: true, n: 1 },
    eventName: "app.started",
  });

  await tracerProvider.forceFlush();
  await loggerProvider.forceFlush();
  const finished = [...memory.getFinishedSpans()];
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  await loggerProvider.shutdown();
  return { protocol, spans: finished, traceId: parent.spanContext().traceId };
}

function attributesOf(row: Row, column: string): Record<string, string> {
  return row[column] as Record<string, string>;
}

Deno.test({
  name: "OpenTelemetry JS SDK (OTLP proto + JSON exporters) → Tracehouse → every mapped column",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-interop-js-" });
    const server = await startTracehouse(dataDir);
    const sent: Sent[] = [];
    try {
      sent.push(await send(server.otlpUrl, "proto"));
      sent.push(await send(server.otlpUrl, "json"));
    } finally {
      await server.stop();
    }
    await withStore(dataDir, async (store) => {
      for (const { protocol, spans, traceId } of sent) {
        const service = `js-${protocol}`;
        const rows = await store.query(
          `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, * EXCEPT Timestamp
           FROM otel_traces WHERE ServiceName = {s:String}`,
          { params: { s: service } },
        );
        const finished = spans;
        assert.equal(rows.length, finished.length, protocol);
        for (const span of finished) {
          const ctx = span.spanContext();
          const row = rows.find((r) => r.SpanId === ctx.spanId)!;
          assert.ok(row, `${protocol}: span ${span.name} stored`);
          const start = BigInt(span.startTime[0]) * 1_000_000_000n + BigInt(span.startTime[1]);
          const end = BigInt(span.endTime[0]) * 1_000_000_000n + BigInt(span.endTime[1]);
          assert.equal(row.ts, String(start));
          assert.equal(row.Duration, String(end - start));
          assert.equal(row.TraceId, ctx.traceId);
          assert.equal(row.ParentSpanId, span.parentSpanContext?.spanId ?? "");
          assert.equal(row.TraceState, "");
          assert.equal(row.SpanName, span.name);
          assert.equal(
            row.SpanKind,
            ["Internal", "Server", "Client", "Producer", "Consumer"][span.kind],
          );
          assert.equal(row.ServiceName, service);
          assert.deepEqual(row.ResourceAttributes, {
            ...attributesOf(row, "ResourceAttributes"),
            "service.name": service,
            "deployment.environment.name": "test",
            "host.cpus": "2",
          });
          assert.equal(row.ScopeName, "interop-tracer");
          assert.equal(row.ScopeVersion, "1.2.3");
          assert.equal(row.StatusCode, ["Unset", "Ok", "Error"][span.status.code]);
          assert.equal(row.StatusMessage, span.status.message ?? "");
          assert.deepEqual(row["Events.Name"], span.events.map((e) => e.name));
          assert.deepEqual(
            row["Events.Timestamp"],
            span.events.map((e) => {
              const ns = BigInt(e.time[0]) * 1_000_000_000n + BigInt(e.time[1]);
              const d = new Date(Number(ns / 1_000_000n)).toISOString().replace("T", " ")
                .slice(0, 19);
              return `${d}.${String(ns % 1_000_000_000n).padStart(9, "0")}`;
            }),
          );
          assert.deepEqual(row["Links.TraceId"], span.links.map((l) => l.context.traceId));
          assert.deepEqual(row["Links.SpanId"], span.links.map((l) => l.context.spanId));
        }
        const parent = rows.find((r) => r.SpanName === "GET /checkout")!;
        assert.equal(parent.TraceId, traceId);
        const attrs = attributesOf(parent, "SpanAttributes");
        assert.equal(attrs["http.route"], "/checkout");
        assert.equal(attrs["http.response.status_code"], "500");
        assert.equal(attrs["app.ratio"], "0.25");
        assert.equal(attrs["app.cached"], "true");
        assert.equal(attrs["app.tags"], '["a","b"]');
        assert.match(attrs["error.fingerprint"], /^[0-9a-f]{16}$/);
        const exception = (parent["Events.Attributes"] as Record<string, string>[])[1];
        assert.equal(exception["exception.type"], "TypeError");
        assert.equal(exception["exception.message"], "cart is undefined");
        assert.deepEqual((parent["Events.Attributes"] as Row[])[0], { "cart.items": "3" });
        assert.deepEqual(parent["Links.Attributes"], [{ "link.kind": "retry" }]);
        assert.deepEqual(parent["Links.TraceState"], [""]);

        const logs = await store.query(
          `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, * EXCEPT Timestamp
           FROM otel_logs WHERE ServiceName = {s:String} ORDER BY SeverityNumber DESC`,
          { params: { s: service } },
        );
        assert.equal(logs.length, 2, `${protocol} logs`);
        const [error, info] = logs;
        assert.equal(error.TraceId, traceId);
        assert.equal(error.SpanId, parent.SpanId);
        assert.equal(error.TraceFlags, 1);
        assert.equal(error.SeverityText, "ERROR");
        assert.equal(error.SeverityNumber, 17);
        assert.equal(error.Body, "payment declined for order 42");
        assert.equal(error.ScopeName, "interop-logger");
        assert.equal(error.ScopeVersion, "7.8.9");
        assert.deepEqual(attributesOf(error, "ResourceAttributes")["service.name"], service);
        const logAttrs = attributesOf(error, "LogAttributes");
        assert.equal(logAttrs["exception.type"], "PaymentError");
        assert.equal(logAttrs["order.id"], "42");
        assert.match(logAttrs["error.fingerprint"], /^[0-9a-f]{16}$/);
        assert.equal(info.TraceId, "");
        assert.equal(info.SpanId, "");
        assert.equal(info.TraceFlags, 0);
        assert.equal(info.Body, '{"n":1,"structured":true}');
        assert.equal(info.EventName, "app.started");
        assert.ok(BigInt(info.ts as string) > 0n, "timestamp falls back to observed time");

        const metric = async (table: string, name: string) => {
          const found = await store.query(
            `SELECT * FROM ${table} WHERE ServiceName = {s:String} AND MetricName = {n:String}`,
            { params: { s: service, n: name } },
          );
          assert.equal(found.length, 1, `${protocol}: ${table} ${name}`);
          const row = found[0];
          assert.equal(row.ScopeName, "interop-meter");
          assert.equal(row.ScopeVersion, "4.5.6");
          assert.equal(attributesOf(row, "ResourceAttributes")["service.name"], service);
          assert.ok(Number(new Date(`${row.TimeUnix}Z`)) > Date.now() - 600_000, "recent TimeUnix");
          return row;
        };
        const requests = await metric("otel_metrics_sum", "requests");
        assert.equal(requests.Value, 5);
        assert.equal(requests.IsMonotonic, true);
        assert.equal(requests.AggregationTemporality, 2);
        assert.equal(requests.MetricDescription, "requests served");
        assert.equal(requests.MetricUnit, "1");
        assert.deepEqual(requests.Attributes, { route: "/a" });
        const inflight = await metric("otel_metrics_sum", "inflight");
        assert.equal(inflight.Value, -2);
        assert.equal(inflight.IsMonotonic, false);
        const latency = await metric("otel_metrics_histogram", "latency");
        assert.equal(latency.Count, "3");
        assert.equal(latency.Sum, 333);
        assert.equal(latency.Min, 3);
        assert.equal(latency.Max, 300);
        assert.equal(latency.MetricUnit, "ms");
        assert.equal(
          (latency.BucketCounts as string[]).length,
          (latency.ExplicitBounds as number[]).length + 1,
        );
        assert.equal((latency.BucketCounts as string[]).reduce((n, c) => n + Number(c), 0), 3);
        const exp = await metric("otel_metrics_exponential_histogram", "exp.latency");
        assert.equal(exp.Count, "4");
        assert.equal(exp.Sum, 15);
        assert.equal(exp.Min, 1);
        assert.equal(exp.Max, 8);
        assert.equal(
          (exp.PositiveBucketCounts as string[]).reduce((n, c) => n + Number(c), 0),
          4,
        );
        assert.equal(typeof exp.Scale, "number");
        const gauge = await metric("otel_metrics_gauge", "temperature");
        assert.equal(gauge.Value, 21.5);
        assert.deepEqual(gauge.Attributes, { room: "lab" });
        const observed = await metric("otel_metrics_gauge", "queue.depth");
        assert.equal(observed.Value, 7);
      }
    });
  },
});
