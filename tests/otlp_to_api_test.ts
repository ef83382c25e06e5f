/**
 * The whole path as users meet it: the official OpenTelemetry JS SDK sends
 * OTLP to a running Tracehouse, and the query API answers about it. This is
 * where the ingest mapping and the query modules must agree on what the
 * exporter-compatible columns hold (status and kind names, severities, ids).
 */
import assert from "node:assert/strict";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { startTracehouse } from "./interop/server.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

Deno.test({
  name: "OTLP from the OpenTelemetry JS SDK is answered by the query API",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const th = await startTracehouse(await Deno.makeTempDir({ prefix: "tracehouse-o2a-" }));
    try {
      const ui = /tracehouse: ui listening on (\S+)/.exec(th.output())?.[1];
      assert.ok(ui, th.output());
      const resource = resourceFromAttributes({ "service.name": "checkout" });

      const tracerProvider = new TracerProvider({
        resource,
        spanProcessors: [
          new SimpleSpanProcessor({
            exporter: new OTLPTraceExporter({ url: `${th.otlpUrl}/v1/traces` }),
          }),
        ],
      });
      const tracer = tracerProvider.getTracer("e2e");
      const root = tracer.startSpan("POST /orders", {
        kind: SpanKind.SERVER,
        attributes: { "http.route": "/orders" },
      });
      const ctx = trace.setSpan(context.active(), root);
      const call = tracer.startSpan("charge card", { kind: SpanKind.CLIENT }, ctx);
      call.recordException(new RangeError("card declined"));
      call.setStatus({ code: SpanStatusCode.ERROR, message: "declined" });
      call.end();
      root.setStatus({ code: SpanStatusCode.ERROR });
      root.end();
      await tracerProvider.forceFlush();
      const traceId = root.spanContext().traceId;

      const loggerProvider = new LoggerProvider({
        resource,
        processors: [
          new SimpleLogRecordProcessor({
            exporter: new OTLPLogExporter({ url: `${th.otlpUrl}/v1/logs` }),
          }),
        ],
      });
      loggerProvider.getLogger("e2e").emit({
        severityNumber: SeverityNumber.ERROR,
        severityText: "ERROR",
        body: "order 7 failed: card declined",
        context: ctx,
      });
      await loggerProvider.forceFlush();

      const reader = new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${th.otlpUrl}/v1/metrics` }),
        exportIntervalMillis: 3_600_000,
      });
      const meterProvider = new MeterProvider({ resource, readers: [reader] });
      const latency = meterProvider.getMeter("e2e").createHistogram("checkout.duration", {
        unit: "ms",
      });
      for (const ms of [10, 20, 30, 400]) latency.record(ms, { route: "/orders" });
      await meterProvider.forceFlush();

      const get = async (path: string): Promise<Json> => {
        const response = await fetch(`${ui}${path}`);
        assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
        return await response.json();
      };

      const errors = await get("/api/traces?status=error&service=checkout");
      assert.deepEqual(errors.traces.map((t: Json) => t.traceId), [traceId]);
      assert.equal(errors.traces[0].errorCount, 2);
      assert.equal(errors.traces[0].rootSpan, "POST /orders");

      const detail = await get(`/api/traces/${traceId}?logs=1`);
      const byName = Object.fromEntries(detail.spans.map((s: Json) => [s.name, s]));
      assert.equal(byName["charge card"].parentSpanId, root.spanContext().spanId);
      assert.equal(byName["charge card"].kind, "Client");
      assert.equal(byName["charge card"].statusCode, "Error");
      assert.equal(byName["charge card"].events[0].name, "exception");
      assert.match(byName["charge card"].attributes["error.fingerprint"], /^[0-9a-f]{16}$/);
      assert.deepEqual(detail.logs.map((l: Json) => l.body), ["order 7 failed: card declined"]);

      const services = await get("/api/services");
      const checkout = services.services.find((s: Json) => s.name === "checkout");
      assert.equal(checkout.spanCount, 2);
      assert.equal(checkout.errorCount, 2);

      const logs = await get(`/api/logs?severity=error&traceId=${traceId}`);
      assert.equal(logs.logs.length, 1);

      const metrics = await get("/api/metrics");
      assert.ok(
        metrics.metrics.some((m: Json) => m.name === "checkout.duration"),
        JSON.stringify(metrics),
      );
      const series = await get(
        "/api/metrics/query?name=checkout.duration&agg=count&step=1m&source=raw",
      );
      const counted = (series.data[1] as (number | null)[]).reduce<number>(
        (a, v) => a + (v ?? 0),
        0,
      );
      assert.equal(counted, 4);

      await Promise.all([
        tracerProvider.shutdown(),
        loggerProvider.shutdown(),
        meterProvider.shutdown(),
      ]);
    } finally {
      await th.stop();
    }
  },
});
