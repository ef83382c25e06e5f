/**
 * Insertable columns of every table the migrations create, in table order,
 * with the types ClickHouse reports for them (`system.columns`): `Nested`
 * columns appear flattened (`Events.Timestamp Array(DateTime64(9))`), and
 * `MATERIALIZED` columns are left out because inserts never name them.
 * Pass them to `store.insert(table, rows, { columns })`.
 *
 * Each table's columns are defined beside its block writer in `sql/tables/` (one module per
 * table; one for the five metric tables) and gathered here. They mirror `sql/migrations/*.sql`;
 * `schema_test.ts` holds the two together.
 *
 * @example
 * ```ts
 * import { TABLE_COLUMNS, TRACES_COLUMNS } from "./schema.ts";
 * console.assert(TABLE_COLUMNS.otel_traces === TRACES_COLUMNS);
 * console.assert(TRACES_COLUMNS[0].name === "Timestamp");
 * ```
 *
 * @module
 */
import type { ColumnSpec } from "./store.ts";
import { LOGS_COLUMNS, LOGS_MATERIALIZED_COLUMNS } from "./tables/otel_logs.ts";
import {
  METRICS_EXPONENTIAL_HISTOGRAM_COLUMNS,
  METRICS_GAUGE_COLUMNS,
  METRICS_HISTOGRAM_COLUMNS,
  METRICS_SUM_COLUMNS,
  METRICS_SUMMARY_COLUMNS,
} from "./tables/otel_metrics.ts";
import { TRACES_COLUMNS } from "./tables/otel_traces.ts";

/** Trace id → time range (`otel_traces_trace_id_ts`), filled by its materialized view. */
export const TRACE_ID_TS_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: "TraceId", type: "String" },
  { name: "Start", type: "DateTime" },
  { name: "End", type: "DateTime" },
]);

export {
  LOGS_COLUMNS,
  LOGS_MATERIALIZED_COLUMNS,
  METRICS_EXPONENTIAL_HISTOGRAM_COLUMNS,
  METRICS_GAUGE_COLUMNS,
  METRICS_HISTOGRAM_COLUMNS,
  METRICS_SUM_COLUMNS,
  METRICS_SUMMARY_COLUMNS,
  TRACES_COLUMNS,
};

/** The tables the migrations create, by name. */
export type TableName =
  | "otel_traces"
  | "otel_traces_trace_id_ts"
  | "otel_logs"
  | "otel_metrics_gauge"
  | "otel_metrics_sum"
  | "otel_metrics_histogram"
  | "otel_metrics_exponential_histogram"
  | "otel_metrics_summary";

/** Insertable columns of each table, keyed by table name. */
export const TABLE_COLUMNS: Readonly<Record<TableName, readonly ColumnSpec[]>> = Object.freeze({
  otel_traces: TRACES_COLUMNS,
  otel_traces_trace_id_ts: TRACE_ID_TS_COLUMNS,
  otel_logs: LOGS_COLUMNS,
  otel_metrics_gauge: METRICS_GAUGE_COLUMNS,
  otel_metrics_sum: METRICS_SUM_COLUMNS,
  otel_metrics_histogram: METRICS_HISTOGRAM_COLUMNS,
  otel_metrics_exponential_histogram: METRICS_EXPONENTIAL_HISTOGRAM_COLUMNS,
  otel_metrics_summary: METRICS_SUMMARY_COLUMNS,
});

/**
 * Skip indexes that inserts leave to merges (ClickHouse's
 * `exclude_materialize_skip_indexes_on_insert`): the bloom filters over attribute keys and values.
 *
 * Hashing every key and value of every attribute map costs about 40% of a span insert (50,000-span
 * blocks, see docs/otlp-mapping.md), and is mostly wasted: a merge rebuilds the indexes of the part
 * it writes anyway. Until its first merge (or for good, for a small part that is never merged) a
 * fresh part is read in full by attribute filters, which costs little at its size. The trace id,
 * duration, event name and log body indexes are still built on insert, so "open the trace I just
 * saw" stays an index lookup. The embedded engine sets this for its sessions; for a ClickHouse
 * server, put the same setting in the inserting user's profile.
 */
export const INDEXES_BUILT_ON_MERGE: readonly string[] = Object.freeze([
  "idx_res_attr_key",
  "idx_res_attr_value",
  "idx_scope_attr_key",
  "idx_scope_attr_value",
  "idx_span_attr_key",
  "idx_span_attr_value",
  "idx_log_attr_key",
  "idx_log_attr_value",
  "idx_attr_key",
  "idx_attr_value",
]);
