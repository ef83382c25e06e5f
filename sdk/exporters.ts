/**
 * OTLP/HTTP exporters for the three signals, in the configured protocol.
 *
 * @module
 */
import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type { ResolvedConfig } from "./config.ts";

/** One exporter per signal. */
export interface Exporters {
  traces: SpanExporter;
  metrics: PushMetricExporter;
  logs: LogRecordExporter;
}

/**
 * Builds the span, metric and log exporters for a configuration.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * import { createExporters } from "./exporters.ts";
 * const exporters = createExporters(resolveConfig({ protocol: "http/json" }, {}));
 * await exporters.traces.shutdown();
 * ```
 */
export function createExporters(config: ResolvedConfig): Exporters {
  const common = { headers: config.headers, timeoutMillis: config.exportTimeoutMillis };
  if (config.protocol === "http/json") {
    return {
      traces: new JsonTraceExporter({ ...common, url: config.tracesUrl }),
      metrics: new JsonMetricExporter({ ...common, url: config.metricsUrl }),
      logs: new JsonLogExporter({ ...common, url: config.logsUrl }),
    };
  }
  return {
    traces: new ProtoTraceExporter({ ...common, url: config.tracesUrl }),
    metrics: new ProtoMetricExporter({ ...common, url: config.metricsUrl }),
    logs: new ProtoLogExporter({ ...common, url: config.logsUrl }),
  };
}
