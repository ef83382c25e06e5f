/**
 * The process-wide SDK: providers, exporters and installed instrumentations, with `init()`,
 * `forceFlush()` and `shutdown()`.
 *
 * @module
 */
import { context, diag, DiagLogLevel, metrics, propagation, trace } from "@opentelemetry/api";
import { logs } from "@opentelemetry/api-logs";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  setGlobalErrorHandler,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { type InstrumentOptions, resolveConfig, type ResolvedConfig } from "./config.ts";
import { readEnv, runtimeName } from "./env.ts";
import { createExporters } from "./exporters.ts";
import { EncodingSpanProcessor } from "./encoding_span_processor.ts";
import { installConsoleBridge } from "./console_bridge.ts";
import { installFetchInstrumentation } from "./instrument_fetch.ts";
import { installHttpClientInstrumentation } from "./instrument_http_client.ts";
import { installRuntimeMetrics } from "./runtime_metrics.ts";
import { createSampler } from "./sampler.ts";
import { HexIdGenerator } from "./id_generator.ts";
import { KeyedHistogram } from "./server_duration.ts";
import { ServerSpans } from "./server_span.ts";
import { currentState, type SdkState, setCurrentState } from "./running.ts";
import { SCOPE_NAME, SDK_VERSION } from "./scope.ts";
import { warn } from "./warn.ts";

/** Bucket boundaries (seconds) advised by the HTTP semantic conventions. */
export const HTTP_DURATION_BUCKETS: number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
];

const SERVER_DURATION = {
  name: "http.server.request.duration",
  unit: "s",
  description: "Duration of HTTP server requests.",
};

/**
 * Tells whether Deno's built-in OpenTelemetry has replaced the global API in this process.
 *
 * @example
 * ```ts
 * import { isDenoOtelActive } from "./sdk_state.ts";
 * console.log(isDenoOtelActive()); // true only under OTEL_DENO=true
 * ```
 */
export function isDenoOtelActive(): boolean {
  if (runtimeName() !== "deno") return false;
  const key = Symbol.for("opentelemetry.js.api.1");
  const global = (globalThis as Record<symbol, { version?: string } | undefined>)[key];
  return global?.version === "1.999.999";
}

/**
 * Starts the SDK for manual instrumentation (`instrumentApp` calls it for you). Once per
 * process: later calls keep the running SDK. Returns `false` when the SDK is disabled by
 * `disabled: true` or `OTEL_SDK_DISABLED=true`, or could not start.
 *
 * @example
 * ```ts
 * import { init, shutdown } from "./sdk_state.ts";
 * init({ serviceName: "worker", endpoint: "http://127.0.0.1:4318" });
 * await shutdown();
 * ```
 */
export function init(options: InstrumentOptions = {}): boolean {
  return ensureStarted(options) !== undefined;
}

/**
 * Starts the SDK if it is not running and returns its state (`undefined` when disabled).
 *
 * @example
 * ```ts
 * import { ensureStarted, shutdown } from "./sdk_state.ts";
 * console.log(ensureStarted({ disabled: true })); // undefined
 * await shutdown();
 * ```
 */
export function ensureStarted(options: InstrumentOptions = {}): SdkState | undefined {
  const state = currentState();
  if (state) {
    if (options.serviceName && options.serviceName !== state.config.serviceName) {
      warn(
        "reinit",
        `SDK already running as "${state.config.serviceName}"; ignoring serviceName "${options.serviceName}"`,
      );
    }
    return state;
  }
  const config = resolveConfig(options, options.env ?? readEnv());
  if (config.disabled) return undefined;
  try {
    setCurrentState(start(config));
  } catch (error) {
    warn("init", `Cannot start the SDK, telemetry is off: ${errorMessage(error)}`);
    setCurrentState(undefined);
  }
  return currentState();
}

function start(config: ResolvedConfig): SdkState {
  const diagWarn = (message: string, ...args: unknown[]): void => {
    const text = [message, ...args.map((a) => errorMessage(a))].join(" ");
    // One key per kind of message: "Dropped 12 spans" and "Dropped 512 spans" count as one.
    warn(`diag:${text.slice(0, 80).replace(/\d+/g, "#")}`, text);
  };
  diag.setLogger({
    error: diagWarn,
    warn: diagWarn,
    info: () => {},
    debug: () => {},
    verbose: () => {},
  }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  setGlobalErrorHandler((error) => {
    warn("export", `Cannot export telemetry (the app keeps running): ${errorMessage(error)}`);
  });

  const denoOtel = isDenoOtelActive();
  const resource = resourceFromAttributes({
    "telemetry.sdk.name": "@tracehouse/sdk",
    "telemetry.sdk.language": "js",
    "telemetry.sdk.version": SDK_VERSION,
    "process.runtime.name": runtimeName(),
    ...config.resourceAttributes,
  });
  const exporters = createExporters(config, denoOtel);
  const batch = {
    scheduledDelayMillis: config.batchDelayMillis,
    exportTimeoutMillis: config.exportTimeoutMillis,
  };
  let tracerProvider: TracerProvider | undefined;
  let meterProvider: MeterProvider | undefined;
  let serverDurationCells: KeyedHistogram | undefined;
  let serverSpans: ServerSpans | undefined;
  if (!denoOtel) {
    serverDurationCells = new KeyedHistogram(
      SERVER_DURATION,
      HTTP_DURATION_BUCKETS,
      { name: SCOPE_NAME, version: SDK_VERSION },
      resource,
    );
    const sampler = createSampler(config.sampler, config.samplerArg);
    const ids = new HexIdGenerator();
    // Protobuf (the default): spans are encoded as they end instead of waiting as objects.
    const processor = exporters.tracesTakeEncodedSpans
      ? new EncodingSpanProcessor({ exporter: exporters.traces, ...batch })
      : new BatchSpanProcessor({ exporter: exporters.traces, ...batch });
    tracerProvider = new TracerProvider({
      resource,
      sampler,
      idGenerator: ids,
      spanProcessors: [processor],
    });
    if (processor instanceof EncodingSpanProcessor) {
      serverSpans = ServerSpans.forTracer(
        tracerProvider.getTracer(SCOPE_NAME, SDK_VERSION),
        processor,
        sampler,
        ids,
      );
    }
    const reader = new PeriodicExportingMetricReader({
      exporter: exporters.metrics,
      exportIntervalMillis: config.metricExportIntervalMillis,
      exportTimeoutMillis: Math.min(
        config.exportTimeoutMillis,
        config.metricExportIntervalMillis,
      ),
      metricProducers: [serverDurationCells],
    });
    serverDurationCells.useTemporality((type) => reader.selectAggregationTemporality(type));
    meterProvider = new MeterProvider({ resource, readers: [reader] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(
      new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
      }),
    );
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  }
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: exporters.logs, ...batch })],
  });
  logs.setGlobalLoggerProvider(loggerProvider);

  const meter = metrics.getMeter(SCOPE_NAME, SDK_VERSION);
  const s: SdkState = {
    config,
    denoOtel,
    tracerProvider,
    meterProvider,
    loggerProvider,
    serverDuration: meter.createHistogram(SERVER_DURATION.name, {
      unit: SERVER_DURATION.unit,
      description: SERVER_DURATION.description,
      advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS },
    }),
    serverDurationCells,
    clientDuration: meter.createHistogram("http.client.request.duration", {
      unit: "s",
      description: "Duration of HTTP client requests.",
      advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS },
    }),
    serverSpans,
    cleanups: [],
  };
  // Deno's built-in telemetry already traces fetch and records its duration.
  if (config.instrumentClients && !denoOtel) {
    s.cleanups.push(installFetchInstrumentation(s.clientDuration));
    s.cleanups.push(installHttpClientInstrumentation(s.clientDuration));
  }
  if (config.runtimeMetrics) s.cleanups.push(installRuntimeMetrics(meter));
  // Deno's built-in telemetry already captures console.* as log records.
  if (config.consoleBridge && !denoOtel) s.cleanups.push(installConsoleBridge());
  return s;
}

/**
 * Exports everything buffered so far; never rejects.
 *
 * @example
 * ```ts
 * import { forceFlush } from "./sdk_state.ts";
 * await forceFlush();
 * ```
 */
export async function forceFlush(): Promise<void> {
  const s = currentState();
  if (!s) return;
  await settle([
    s.tracerProvider?.forceFlush(),
    s.meterProvider?.forceFlush(),
    s.loggerProvider.forceFlush(),
  ], "flush");
}

/**
 * Flushes spans, metrics and logs, removes every patch and resets the global API. Never
 * rejects; gives up after `timeoutMillis` (default 5000). `init()` may be called again after.
 *
 * @example
 * ```ts
 * import { init, shutdown } from "./sdk_state.ts";
 * init({ serviceName: "job" });
 * await shutdown();
 * ```
 */
export async function shutdown(timeoutMillis = 5_000): Promise<void> {
  const s = currentState();
  if (!s) return;
  setCurrentState(undefined);
  // Flush first: the final metric collection still needs the runtime callbacks.
  await settle(
    [
      s.tracerProvider?.shutdown(),
      s.meterProvider?.shutdown(),
      s.loggerProvider.shutdown(),
    ],
    "shutdown",
    timeoutMillis,
  );
  for (const cleanup of s.cleanups.reverse()) {
    try {
      cleanup();
    } catch (error) {
      warn("cleanup", `Cannot remove instrumentation: ${errorMessage(error)}`);
    }
  }
  logs.disable();
  if (!s.denoOtel) {
    trace.disable();
    metrics.disable();
    propagation.disable();
    context.disable();
  }
  diag.disable();
}

async function settle(
  work: (Promise<void> | undefined)[],
  what: string,
  timeoutMillis = 5_000,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMillis);
  });
  const all = Promise.allSettled(work.filter((p) => p !== undefined));
  const result = await Promise.race([all, timeout]);
  clearTimeout(timer);
  if (result === "timeout") {
    warn(what, `Telemetry ${what} did not finish within ${timeoutMillis} ms`);
    return;
  }
  for (const r of result) {
    if (r.status === "rejected") warn(what, `Telemetry ${what} failed: ${errorMessage(r.reason)}`);
  }
}

/**
 * A readable message from any thrown value.
 *
 * @example
 * ```ts
 * import { errorMessage } from "./sdk_state.ts";
 * console.log(errorMessage(new Error("boom"))); // boom
 * ```
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
