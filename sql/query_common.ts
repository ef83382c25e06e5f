/**
 * Pieces the query modules share: attribute filters, limits, time
 * parameters and row mapping helpers.
 *
 * @module
 */
import { InvalidParamError } from "./invalid_param.ts";
import { type Param, param, type Sql, sql } from "./sql_template.ts";
import type { Settings } from "./store.ts";
import { clip } from "./invalid_param.ts";
import { toClickHouseTime } from "./time_range.ts";

/** Attribute keys accepted in filters and group-by (`attr.<key>`). */
export const ATTRIBUTE_KEY: RegExp = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;
/** A group-by key in rules and CLI flags: `service` or `attr.<key>`. */
export const GROUP_BY_KEY: RegExp = new RegExp(
  `^(service|attr\\.${ATTRIBUTE_KEY.source.slice(1, -1)})$`,
);
/** Longest attribute value or free-text filter accepted. */
export const MAX_VALUE_LENGTH = 1024;

/** Limits applied to every query a module runs. */
export interface QueryOptions {
  /** ClickHouse settings for the call: `max_execution_time`, `max_result_rows`, … */
  settings?: Settings;
  /** Aborts the query. */
  signal?: AbortSignal;
}

/**
 * Checks an attribute key against {@linkcode ATTRIBUTE_KEY}; `param` names the
 * request parameter in the error.
 *
 * @example
 * ```ts
 * import { checkAttributeKey } from "./query_common.ts";
 * console.assert(checkAttributeKey("http.route", "attr.http.route") === "http.route");
 * ```
 */
export function checkAttributeKey(key: string, paramName: string): string {
  if (!ATTRIBUTE_KEY.test(key)) {
    throw new InvalidParamError(
      paramName,
      `attribute keys are 1-128 characters of letters, digits and _ . : / -, got "${clip(key)}"`,
    );
  }
  return key;
}

/**
 * The call options of a query module's query: the caller's limits plus
 * `use_query_condition_cache = 0`. ClickHouse's query condition cache (on by
 * default since 25.3) returned stale, empty pages here for parameterised
 * `PREWHERE` conditions whose values changed between calls (chDB 26.5), so
 * the query modules never use it.
 */
export function callOptions(options: QueryOptions = {}): QueryOptions {
  return {
    settings: { use_query_condition_cache: 0, ...options.settings },
    signal: options.signal,
  };
}

/** Checks a filter value's length; `param` names the request parameter in the error. */
export function checkValue(value: string, paramName: string): string {
  if (value.length > MAX_VALUE_LENGTH) {
    throw new InvalidParamError(paramName, `longer than ${MAX_VALUE_LENGTH} characters`);
  }
  return value;
}

/**
 * One condition per attribute filter: the record's attributes or its
 * resource attributes hold `key = value`. Key and value are bound parameters.
 */
export function attributeConditions(
  attributes: Record<string, string> | undefined,
  columns: readonly [Sql, Sql],
): Sql[] {
  return Object.entries(attributes ?? {}).map(([key, value]) => {
    checkAttributeKey(key, `attr.${key}`);
    checkValue(value, `attr.${key}`);
    const [own, resource] = columns;
    return sql`(${own}[${param("String", key)}] = ${param("String", value)} OR ${resource}[${
      param("String", key)
    }] = ${param("String", value)})`;
  });
}

/** A `DateTime64(9)` parameter for nanoseconds since the epoch. */
export function timeParam(ns: bigint): Param {
  return param("DateTime64(9)", toClickHouseTime(ns));
}

/** Escapes `%`, `_` and `\` so `text` matches literally inside a LIKE pattern. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Zips ClickHouse `Nested` columns (arrays of equal length) into objects. */
export function zipNested<T>(length: number, make: (i: number) => T): T[] {
  return Array.from({ length }, (_, i) => make(i));
}
