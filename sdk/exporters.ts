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
import { context, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type { ResolvedConfig } from "./config.ts";
import { useFastTraceSerializer } from "./otlp_proto.ts";

/** One exporter per signal. */
export interface Exporters {
  traces: SpanExporter;
  /** Whether `traces` sends `EncodedSpans` batches (see `EncodingSpanProcessor`). */
  tracesTakeEncodedSpans: boolean;
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
export function createExporters(config: ResolvedConfig, denoOtel = false): Exporters {
  const common = { headers: config.headers, timeoutMillis: config.exportTimeoutMillis };
  const json = config.protocol === "http/json";
  const logs = json
    ? new JsonLogExporter({ ...common, url: config.logsUrl })
    : new ProtoLogExporter({ ...common, url: config.logsUrl });
  let traces: SpanExporter;
  let tracesTakeEncodedSpans = false;
  if (json) traces = new JsonTraceExporter({ ...common, url: config.tracesUrl });
  else {
    const proto = new ProtoTraceExporter({ ...common, url: config.tracesUrl });
    // Same bytes, a fifth of the CPU: encoding spans is most of the SDK's per-span cost.
    tracesTakeEncodedSpans = useFastTraceSerializer(proto);
    traces = proto;
  }
  return {
    traces,
    tracesTakeEncodedSpans,
    metrics: json
      ? new JsonMetricExporter({ ...common, url: config.metricsUrl })
      : new ProtoMetricExporter({ ...common, url: config.metricsUrl }),
    logs: denoOtel ? untracedLogExporter(logs) : logs,
  };
}

/**
 * Deno's built-in telemetry traces every `fetch`, including our own export requests, and does
 * not know OpenTelemetry JS's "suppress tracing" flag. Exporting under an unsampled parent
 * makes its parent-based sampler drop those spans.
 */
function untracedLogExporter(inner: LogRecordExporter): LogRecordExporter {
  return {
    export(records, done) {
      const parent = trace.wrapSpanContext({
        traceId: randomHex(16),
        spanId: randomHex(8),
        traceFlags: TraceFlags.NONE,
      });
      context.with(trace.setSpan(ROOT_CONTEXT, parent), () => inner.export(records, done));
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("");
}
