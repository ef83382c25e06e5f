/**
 * Quoting of ClickHouse identifiers for the few places that must name a
 * table or column in SQL text (values are always bound parameters).
 *
 * @module
 */

/** A plain ClickHouse name: a letter or `_`, then letters, digits and `_` (no quoting needed). */
export const PLAIN_NAME: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A plain name of at most 128 characters: databases and tables named in DDL. */
export const IDENTIFIER: RegExp = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A cluster name (`ON CLUSTER …`): a plain name that may also hold `.` and `-`. */
export const CLUSTER_NAME: RegExp = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Quotes one identifier with backquotes, escaping backquotes and backslashes.
 *
 * @example
 * ```ts
 * import { quoteIdentifier } from "./identifiers.ts";
 * console.assert(quoteIdentifier("Events.Name") === "`Events.Name`");
 * console.assert(quoteIdentifier("a`b") === "`a\\`b`");
 * ```
 */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/[\\`]/g, "\\$&")}\``;
}

/**
 * Quotes `table` or `database.table`, accepting only plain names.
 *
 * @example
 * ```ts
 * import { quoteTableName } from "./identifiers.ts";
 * console.assert(quoteTableName("db.otel_logs") === "`db`.`otel_logs`");
 * ```
 */
export function quoteTableName(table: string): string {
  const parts = table.split(".");
  if (parts.length > 2 || !parts.every((part) => PLAIN_NAME.test(part))) {
    throw new TypeError(`Invalid table name: "${table}"`);
  }
  return parts.map(quoteIdentifier).join(".");
}
