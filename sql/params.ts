/**
 * Serialises bound values the way ClickHouse reads query parameters
 * (`param_<name>` over HTTP, the with-params call of chDB): top-level strings
 * in TSV "escaped" form, nested values as SQL literals.
 *
 * @module
 */
import type { ParamValue, QueryParams } from "./store.ts";
import { PLAIN_NAME } from "./identifiers.ts";

const TSV_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
  "\0": "\\0",
  "\b": "\\b",
  "\f": "\\f",
};

function escapeTsv(text: string): string {
  return text.replace(/[\\\t\n\r\0\b\f]/g, (c) => TSV_ESCAPES[c]);
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("Cannot bind an invalid Date");
  // ClickHouse parses `YYYY-MM-DD hh:mm:ss.fff` in UTC with best-effort parsing off.
  return date.toISOString().replace("T", " ").replace("Z", "");
}

function formatNested(value: ParamValue): string {
  if (value === null) return "NULL";
  if (typeof value === "string") return quoteLiteral(value);
  if (value instanceof Date) return quoteLiteral(formatDate(value));
  if (Array.isArray(value)) return `[${value.map(formatNested).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, ParamValue>);
    return `{${entries.map(([k, v]) => `${quoteLiteral(k)}:${formatNested(v)}`).join(",")}}`;
  }
  return formatScalar(value);
}

function formatScalar(value: number | bigint | boolean): string {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new RangeError(`Cannot bind a non-finite number: ${value}`);
  }
  return String(value);
}

/**
 * Formats one parameter value as ClickHouse expects it in `param_<name>`.
 *
 * @example
 * ```ts
 * import { formatParam } from "./params.ts";
 * console.assert(formatParam("a\tb") === "a\\tb");
 * console.assert(formatParam(["x", "y'z"]) === "['x','y\\'z']");
 * ```
 */
export function formatParam(value: ParamValue): string {
  if (value === null) return "\\N";
  if (typeof value === "string") return escapeTsv(value);
  if (value instanceof Date) return formatDate(value);
  if (typeof value === "object") return formatNested(value);
  return formatScalar(value);
}

/**
 * Formats every parameter, rejecting names ClickHouse would not accept.
 *
 * @example
 * ```ts
 * import { formatParams } from "./params.ts";
 * console.assert(formatParams({ id: 7 }).id === "7");
 * ```
 */
export function formatParams(params: QueryParams = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (!PLAIN_NAME.test(name)) throw new TypeError(`Invalid query parameter name: "${name}"`);
    out[name] = formatParam(value);
  }
  return out;
}
