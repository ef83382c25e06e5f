/**
 * Span status codes: the `StatusCode` strings `otel_traces` holds (as the
 * collector's exporter writes them) and the `status` filter values that
 * select them. The one definition the OTLP mapping and the query modules share.
 *
 * @module
 */

/**
 * `StatusCode` strings indexed by the OTLP enum value (`STATUS_CODE_UNSET` = 0, `OK` = 1, `ERROR` = 2).
 *
 * @example
 * ```ts
 * import { SPAN_STATUS_CODES } from "./span_status.ts";
 * console.assert(SPAN_STATUS_CODES[2] === "Error");
 * ```
 */
export const SPAN_STATUS_CODES: readonly string[] = ["Unset", "Ok", "Error"];

/**
 * `status` filter values of the query API and pages, and the `StatusCode` each selects.
 *
 * @example
 * ```ts
 * import { STATUS_FILTERS } from "./span_status.ts";
 * console.assert(STATUS_FILTERS.error === "Error");
 * ```
 */
export const STATUS_FILTERS: Readonly<Record<"ok" | "error" | "unset", string>> = {
  ok: SPAN_STATUS_CODES[1],
  error: SPAN_STATUS_CODES[2],
  unset: SPAN_STATUS_CODES[0],
};
