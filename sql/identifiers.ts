/**
 * Quoting of ClickHouse identifiers for the few places that must name a
 * table or column in SQL text (values are always bound parameters).
 *
 * @module
 */

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
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table)) {
    throw new TypeError(`Invalid table name: "${table}"`);
  }
  return table.split(".").map(quoteIdentifier).join(".");
}
