/**
 * What the endpoint lets a statement name: functions, table functions,
 * `system` tables, table engines of schema changes. Allow-lists, not
 * deny-lists: a name not here is refused.
 *
 * Functions come from the engine itself. `system.functions` files every
 * function under a category; those in the categories below compute on their
 * arguments and nothing else. The categories left out (`Other`, `Embedded Dictionary`,
 * `Introspection`, `Machine Learning`, `Internal`, and functions the engine
 * files under none) hold the functions that read files (`file`), reach other
 * servers (`hasColumnInTable` with a host, the `AI*` functions), load models
 * (`catboostEvaluate`) or read engine state, next to harmless ones; of those,
 * only the few clients ask for are named in {@linkcode EXTRA_FUNCTIONS}.
 *
 * @module
 */
import type { ChdbStore } from "../sql/chdb.ts";
import { parseJsonEachRow } from "../sql/chdb.ts";

/** `system.functions` categories whose functions compute on their arguments only. */
export const SAFE_CATEGORIES: ReadonlySet<string> = new Set([
  "Aggregate Functions",
  "Arithmetic",
  "Arrays",
  "Bit",
  "Bitmap",
  "Comparison",
  "Conditional",
  "Dates and Times",
  "Distance",
  "Encoding",
  "Hash",
  "IP Address",
  "JSON",
  "Logical",
  "Map",
  "Mathematical",
  "Null",
  "Rounding",
  "String",
  "String Search",
  "String Splitting",
  "String Replacement",
  "Tuple",
  "Type Conversion",
  "URL",
  "UUID",
  "Time Window",
  "Random Number",
  // dictGet* read dictionaries, and the only ones the engine has are those Tracehouse's migrations
  // create over its own tables (the endpoint refuses CREATE DICTIONARY; the embedded engine loads
  // no dictionary configuration).
  "Dictionary",
]);

/**
 * Functions outside those categories that clients use: the clickhouse-go
 * handshake, Tracehouse's own queries, operators the parser produces, window
 * functions.
 */
export const EXTRA_FUNCTIONS: ReadonlySet<string> = new Set([
  "displayName",
  "version",
  "revision",
  "timezone",
  "serverTimezone",
  "timeZone",
  "serverTimeZone",
  "currentDatabase",
  "getSetting",
  "toTypeName",
  "lambda",
  // Bound parameters reach the parse tree as _CAST('value', 'Type').
  "_CAST",
  "ignore",
  "materialize",
  "identity",
  "isConstant",
  "blockSize",
  "rowNumberInBlock",
  "rowNumberInAllBlocks",
  "bar",
  "formatReadableSize",
  "formatReadableQuantity",
  "formatReadableTimeDelta",
  "defaultValueOfArgumentType",
  "defaultValueOfTypeName",
  "row_number",
  "rank",
  "dense_rank",
  "percent_rank",
  "cume_dist",
  "ntile",
  "lagInFrame",
  "leadInFrame",
  "first_value",
  "last_value",
  "nth_value",
  "lag",
  "lead",
]);

/** Table functions that generate rows and read nothing. */
export const TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  "numbers",
  "numbers_mt",
  "zeros",
  "zeros_mt",
  "generate_series",
  "generateSeries",
  "values",
]);

/** `system` tables a client may read: handshakes, schema checks, Tracehouse's own reads. */
export const SYSTEM_TABLES: ReadonlySet<string> = new Set([
  "one",
  "numbers",
  "tables",
  "columns",
  "databases",
  "settings",
  "functions",
  "table_functions",
  "formats",
  "data_type_families",
  "time_zones",
  "build_options",
  "data_skipping_indices",
  "projections",
  "aggregate_function_combinators",
]);

/** Table engines a schema change may create. */
export const TABLE_ENGINES: ReadonlySet<string> = new Set([
  "MergeTree",
  "ReplacingMergeTree",
  "SummingMergeTree",
  "AggregatingMergeTree",
  "CollapsingMergeTree",
  "VersionedCollapsingMergeTree",
  "Memory",
  "Null",
]);

/** Column codecs and skip-index types a schema change may name. */
export const DDL_FUNCTIONS: ReadonlySet<string> = new Set([
  "CODEC",
  "NONE",
  "LZ4",
  "LZ4HC",
  "ZSTD",
  "Delta",
  "DoubleDelta",
  "Gorilla",
  "T64",
  "FPC",
  "minmax",
  "set",
  "bloom_filter",
  "tokenbf_v1",
  "ngrambf_v1",
  "text",
]);

/** Databases no request may write to or (except {@linkcode SYSTEM_TABLES}) read. */
export const ENGINE_DATABASES: ReadonlySet<string> = new Set([
  "system",
  "information_schema",
  "INFORMATION_SCHEMA",
]);

/** Functions allowed in statements, read from the engine once. */
export class FunctionPolicy {
  #exact = new Set<string>();
  #insensitive = new Set<string>();
  #aggregates = new Set<string>();
  #combinators: string[] = [];

  /** Reads `system.functions` and the aggregate combinators from `store`. */
  static async load(store: ChdbStore): Promise<FunctionPolicy> {
    const policy = new FunctionPolicy();
    const { data } = await store.execute(
      `SELECT f.name AS name, f.is_aggregate AS aggregate, f.case_insensitive AS insensitive,
          if(f.alias_to = '', f.categories, t.categories) AS category
        FROM system.functions AS f LEFT JOIN system.functions AS t ON t.name = f.alias_to`,
      "JSONEachRow",
    );
    for (
      const row of parseJsonEachRow<
        { name: string; aggregate: number; insensitive: number; category: string }
      >(data)
    ) {
      if (!SAFE_CATEGORIES.has(row.category) && !EXTRA_FUNCTIONS.has(row.name)) continue;
      policy.#exact.add(row.name);
      if (row.insensitive) policy.#insensitive.add(row.name.toLowerCase());
      if (row.aggregate) policy.#aggregates.add(row.name);
    }
    for (const name of EXTRA_FUNCTIONS) policy.#exact.add(name);
    const combinators = await store.execute(
      "SELECT name FROM system.aggregate_function_combinators",
      "JSONEachRow",
    );
    policy.#combinators = parseJsonEachRow<{ name: string }>(combinators.data)
      .map((r) => r.name).sort((a, b) => b.length - a.length);
    return policy;
  }

  /** Whether a statement may call the function `name` (aggregate combinators included). */
  allows(name: string): boolean {
    if (this.#exact.has(name) || this.#insensitive.has(name.toLowerCase())) return true;
    // `countIf`, `quantilesTDigestMergeState`: an aggregate function and combinator suffixes.
    let base = name;
    for (let strip = 0; strip < 4; strip++) {
      const suffix = this.#combinators.find((c) => base.endsWith(c) && base.length > c.length);
      if (suffix === undefined) return false;
      base = base.slice(0, -suffix.length);
      if (this.#aggregates.has(base)) return true;
    }
    return false;
  }
}
