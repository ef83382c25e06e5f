/**
 * The opt-in bridge from `console.*` to OpenTelemetry log records.
 *
 * @module
 */
import { SeverityNumber } from "@opentelemetry/api-logs";
import { emitLog } from "./logs.ts";

type ConsoleMethod = "debug" | "log" | "info" | "warn" | "error";

const LEVELS: [ConsoleMethod, SeverityNumber, string][] = [
  ["debug", SeverityNumber.DEBUG, "DEBUG"],
  ["log", SeverityNumber.INFO, "INFO"],
  ["info", SeverityNumber.INFO, "INFO"],
  ["warn", SeverityNumber.WARN, "WARN"],
  ["error", SeverityNumber.ERROR, "ERROR"],
];

let inside = false;

/**
 * Makes `console.debug/log/info/warn/error` also emit log records (the output still goes to
 * the console); returns a function that restores the console.
 *
 * @example
 * ```ts
 * import { installConsoleBridge } from "./console_bridge.ts";
 * const restore = installConsoleBridge();
 * console.info("cache warmed");
 * restore();
 * ```
 */
export function installConsoleBridge(): () => void {
  const originals = new Map<ConsoleMethod, (...args: unknown[]) => void>();
  for (const [method, severity, text] of LEVELS) {
    const original = console[method];
    originals.set(method, original);
    console[method] = function (...args: unknown[]): void {
      original.apply(console, args);
      if (inside) return;
      inside = true;
      try {
        emitLog(severity, text, format(args), { "log.source": "console" });
      } finally {
        inside = false;
      }
    };
  }
  return () => {
    for (const [method, original] of originals) console[method] = original;
  };
}

function format(args: unknown[]): string {
  return args.map((arg) => {
    if (typeof arg === "string") return arg;
    if (arg instanceof Error) return arg.stack ?? arg.message;
    try {
      return JSON.stringify(arg);
    } catch {
      return String(arg);
    }
  }).join(" ");
}
