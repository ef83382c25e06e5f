/**
 * The tables the archive keeps, one "signal" each (the directory name in the
 * archive), with the column their daily partitions are cut by and a key that
 * spreads a big day over several Parquet parts. The list is the allow-list of
 * every table name the archive puts into SQL.
 *
 * @module
 */
import type { Store } from "../sql/store.ts";

/** One archived table. */
export interface ArchivedTable {
  /** Directory in the archive: `traces`, `logs`, `metrics_gauge`, … */
  signal: string;
  table: string;
  /** The DateTime64 column of `PARTITION BY toDate(…)`. */
  timeColumn: string;
  /** Expression that spreads rows over parts (a trace stays in one part). */
  splitKey: string;
}

/** Every archived table, in archive order. */
export const ARCHIVED_TABLES: readonly ArchivedTable[] = [
  { signal: "traces", table: "otel_traces", timeColumn: "Timestamp", splitKey: "TraceId" },
  { signal: "logs", table: "otel_logs", timeColumn: "Timestamp", splitKey: "Timestamp" },
  ...["gauge", "sum", "histogram", "exponential_histogram", "summary"].map((kind) => ({
    signal: `metrics_${kind}`,
    table: `otel_metrics_${kind}`,
    timeColumn: "TimeUnix",
    splitKey: "(MetricName, Attributes)",
  })),
];

/** The names `--signal` accepts: each table's signal, and `metrics` for all metric tables. */
export function selectTables(names: readonly string[]): ArchivedTable[] {
  if (names.length === 0) return [...ARCHIVED_TABLES];
  const chosen = new Set<ArchivedTable>();
  for (const name of names) {
    const matches = ARCHIVED_TABLES.filter((t) =>
      t.signal === name || (name === "metrics" && t.signal.startsWith("metrics_"))
    );
    if (matches.length === 0) {
      throw new RangeError(
        `Unknown signal "${name}": expected traces, logs, metrics or one of ${
          ARCHIVED_TABLES.map((t) => t.signal).join(", ")
        }`,
      );
    }
    for (const m of matches) chosen.add(m);
  }
  return ARCHIVED_TABLES.filter((t) => chosen.has(t));
}

/**
 * The columns `SELECT *` returns from `table`, as a structure string for `file()`/`s3()`
 * (`` `Events.Timestamp` Array(DateTime64(9)), … ``), so Parquet reads back with the table's types.
 */
export async function tableStructure(store: Store, table: string): Promise<string> {
  const columns = await store.query<{ name: string; type: string }>(
    `SELECT name, type FROM system.columns
     WHERE database = currentDatabase() AND table = {table:String}
       AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL')
     ORDER BY position`,
    { params: { table } },
  );
  if (columns.length === 0) throw new Error(`Table ${table} does not exist; run migrate first`);
  return columns.map((c) => `\`${c.name.replaceAll("`", "``")}\` ${c.type}`).join(", ");
}
