/**
 * The running SDK's state, held apart from `sdk_state.ts` (which starts and stops it) so the
 * instrumentations it installs can read it without importing their installer.
 *
 * @module
 */
import type { Histogram } from "@opentelemetry/api";
import type { LoggerProvider } from "@opentelemetry/sdk-logs";
import type { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { TracerProvider } from "@opentelemetry/sdk-trace";
import type { ResolvedConfig } from "./config.ts";
import type { KeyedHistogram } from "./server_duration.ts";
import type { ServerSpans } from "./server_span.ts";

/** The running SDK. */
export interface SdkState {
  config: ResolvedConfig;
  /** Deno's built-in OpenTelemetry (`OTEL_DENO=true`) owns the global API. */
  denoOtel: boolean;
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  loggerProvider: LoggerProvider;
  serverDuration: Histogram;
  /** Where `http.server.request.duration` is aggregated when the SDK owns the meter provider. */
  serverDurationCells?: KeyedHistogram;
  clientDuration: Histogram;
  /** The SDK's own server spans, when its only span processor is the encoding one. */
  serverSpans?: ServerSpans;
  cleanups: (() => void)[];
}

let state: SdkState | undefined;

/**
 * The running SDK, if any.
 *
 * @example
 * ```ts
 * import { currentState } from "./running.ts";
 * console.log(currentState() === undefined);
 * ```
 */
export function currentState(): SdkState | undefined {
  return state;
}

/**
 * Records the running SDK (`undefined` once it stops); for `sdk_state.ts`.
 *
 * @example
 * ```ts
 * import { currentState, setCurrentState } from "./running.ts";
 * setCurrentState(undefined);
 * console.assert(currentState() === undefined);
 * ```
 */
export function setCurrentState(next: SdkState | undefined): void {
  state = next;
}
