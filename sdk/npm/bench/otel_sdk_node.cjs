// Preload for MODE=sdk-node: the official @opentelemetry/sdk-node with HTTP auto-instrumentation,
// OTLP/HTTP protobuf exporters for traces and metrics (the same work @tracehouse/sdk does).
const { NodeSDK } = require("@opentelemetry/sdk-node");
const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http");
const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-proto");
const { OTLPMetricExporter } = require("@opentelemetry/exporter-metrics-otlp-proto");
const { PeriodicExportingMetricReader } = require("@opentelemetry/sdk-metrics");

const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "http://localhost:4318";
const sdk = new NodeSDK({
  serviceName: "bench-sdk-node",
  traceExporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }),
  metricReader: new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
    exportIntervalMillis: 5000,
  }),
  instrumentations: [new HttpInstrumentation()],
});
sdk.start();
require("node:http"); // make sure the http module is patched before the app imports it
process.on("SIGTERM", () => sdk.shutdown().finally(() => process.exit(0)));
