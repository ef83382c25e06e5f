/**
 * Large generated tables for the read benchmarks: rows made by the engine itself with
 * `INSERT … SELECT … FROM numbers(n)`, in chunks so the materialized views aggregate bounded
 * blocks. Each benchmark writes its own `SELECT` (its own services, routes and error mix); the
 * column lists and the chunked, timed loop are shared here.
 *
 * @module
 */
import type { Store } from "../sql/store.ts";

/** The `otel_traces` columns a generated span sets; the others take their defaults. */
export const SPAN_COLUMNS = `Timestamp, TraceId, SpanId, ParentSpanId, TraceState,
  SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes,
  Duration, StatusCode, StatusMessage`;

/** The `otel_logs` columns a generated log record sets. */
export const LOG_COLUMNS = `Timestamp, TraceId, SpanId, TraceFlags, SeverityText,
  SeverityNumber, ServiceName, Body, ResourceAttributes, ScopeName, ScopeVersion, LogAttributes`;

/** The `otel_metrics_histogram` columns a generated point sets. */
export const HISTOGRAM_COLUMNS = `ResourceAttributes, ServiceName, MetricName,
  MetricDescription, MetricUnit, Attributes, StartTimeUnix, TimeUnix, Count, Sum, BucketCounts,
  ExplicitBounds, Min, Max, AggregationTemporality`;

/** One generated table: what to insert and how the rows are made. */
export interface GeneratedRows {
  /** Target table, e.g. `otel_traces`. */
  table: string;
  /** Its column list, in the order `select` returns them. */
  columns: string;
  /** What the progress lines call the rows, e.g. `spans`. */
  label: string;
  total: number;
  /** The `SELECT` making rows `offset` to `offset + count - 1`. */
  select: (offset: number, count: number) => string;
  /** Rows per statement (default 1,000,000). */
  chunk?: number;
}

/**
 * Inserts `rows.total` generated rows, one statement per chunk, and reports each chunk's time
 * through `log`.
 */
export async function insertGenerated(
  store: Pick<Store, "command">,
  rows: GeneratedRows,
  log: (message: string) => void,
): Promise<void> {
  const chunk = rows.chunk ?? 1_000_000;
  for (let offset = 0; offset < rows.total; offset += chunk) {
    const count = Math.min(chunk, rows.total - offset);
    const started = performance.now();
    await store.command(
      `INSERT INTO ${rows.table} (${rows.columns})\n${rows.select(offset, count)}`,
    );
    const seconds = (performance.now() - started) / 1000;
    log(`  ${rows.label} ${offset}..${offset + count}: ${seconds.toFixed(1)} s`);
  }
}
