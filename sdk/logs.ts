/**
 * Logs: a small logger that emits OpenTelemetry log records correlated with the active span.
 *
 * @module
 */
import { context } from "@opentelemetry/api";
import {
  type AnyValue,
  type AnyValueMap,
  type Logger,
  logs,
  SeverityNumber,
} from "@opentelemetry/api-logs";
import { SCOPE_NAME, SDK_VERSION } from "./scope.ts";

/** Attributes attached to a log record; an `Error` value becomes `exception.*` attributes. */
export type LogAttributes = Record<string, AnyValue | Error>;

/** Severity-named methods that emit one log record each. */
export interface Log {
  /** Emits a DEBUG record. */
  debug(message: string, attributes?: LogAttributes): void;
  /** Emits an INFO record. */
  info(message: string, attributes?: LogAttributes): void;
  /** Emits a WARN record. */
  warn(message: string, attributes?: LogAttributes): void;
  /** Emits an ERROR record; an `Error` attribute becomes `exception.*` fields. */
  error(message: string, attributes?: LogAttributes): void;
}

/**
 * The OpenTelemetry logger for `name` (default: the SDK's own scope). A no-op until the SDK
 * runs.
 *
 * @example
 * ```ts
 * import { SeverityNumber } from "@opentelemetry/api-logs";
 * import { getLogger } from "./logs.ts";
 * getLogger("billing").emit({ severityNumber: SeverityNumber.INFO, body: "invoice sent" });
 * ```
 */
export function getLogger(name: string = SCOPE_NAME, version?: string): Logger {
  return logs.getLogger(name, version ?? (name === SCOPE_NAME ? SDK_VERSION : undefined));
}

/**
 * Emits one log record with the active span's trace id and span id.
 *
 * @example
 * ```ts
 * import { SeverityNumber } from "@opentelemetry/api-logs";
 * import { emitLog } from "./logs.ts";
 * emitLog(SeverityNumber.WARN, "WARN", "disk almost full", { "disk.free": 12 });
 * ```
 */
export function emitLog(
  severityNumber: SeverityNumber,
  severityText: string,
  message: string,
  attributes: LogAttributes = {},
): void {
  try {
    const attrs: AnyValueMap = {};
    for (const [key, value] of Object.entries(attributes)) {
      if (value instanceof Error) {
        attrs["exception.type"] = value.name;
        attrs["exception.message"] = value.message;
        if (value.stack) attrs["exception.stacktrace"] = value.stack;
      } else {
        attrs[key] = value;
      }
    }
    getLogger().emit({
      severityNumber,
      severityText,
      body: message,
      attributes: attrs,
      context: context.active(),
    });
  } catch {
    // logging must never break the app
  }
}

/**
 * The SDK logger: `log.info("order placed", { "order.id": 42 })`.
 *
 * @example
 * ```ts
 * import { log } from "./logs.ts";
 * log.info("order placed", { "order.id": 42 });
 * log.error("payment failed", { error: new Error("card declined") });
 * ```
 */
export const log: Log = {
  debug: (message, attributes) => emitLog(SeverityNumber.DEBUG, "DEBUG", message, attributes),
  info: (message, attributes) => emitLog(SeverityNumber.INFO, "INFO", message, attributes),
  warn: (message, attributes) => emitLog(SeverityNumber.WARN, "WARN", message, attributes),
  error: (message, attributes) => emitLog(SeverityNumber.ERROR, "ERROR", message, attributes),
};
