/**
 * Per-service span and error counts over time buckets, from the per-minute
 * span rollup `otel_traces_red_1m`: the sparklines of the services page.
 *
 * @module
 */
import { type QueryOptions, timeParam } from "./query_common.ts";
import { param, render, type Sql, sql } from "./sql_template.ts";
import type { Store } from "./store.ts";
import type { TimeRange } from "./time_range.ts";

/** Counts of one service per bucket, aligned with `xs`. */
export interface ServiceSeries {
  spans: number[];
  errors: number[];
}

/** The answer of {@linkcode serviceSeries}. */
export interface ServiceSeriesResult {
  /** Bucket starts, epoch seconds. */
  xs: number[];
  step: number;
  series: Map<string, ServiceSeries>;
}

/** Bucket width: about `buckets` buckets over the range, whole minutes (the rollup's grain). */
export function seriesStep(range: TimeRange, buckets = 40): number {
  const seconds = Number((range.toNs - range.fromNs) / 1_000_000_000n);
  return Math.max(60, Math.ceil(seconds / buckets / 60) * 60);
}

/** The query; exported for snapshot tests and `EXPLAIN`. */
export function serviceSeriesQuery(range: TimeRange, step: number): Sql {
  const s = param("UInt32", step);
  return sql`SELECT ServiceName AS name, intDiv(toUnixTimestamp(Minute), ${s}) * ${s} AS b,
  sum(Spans) AS spans, sum(Errors) AS errors
FROM otel_traces_red_1m
WHERE Minute >= toStartOfMinute(${timeParam(range.fromNs)}) AND Minute <= ${timeParam(range.toNs)}
GROUP BY name, b
ORDER BY name, b
LIMIT 1000000`;
}

/**
 * Span and error counts per service per bucket, zeros where a service had none.
 *
 * @example
 * ```ts ignore
 * import { serviceSeries } from "./service_series.ts";
 * const { xs, series } = await serviceSeries(store, range);
 * ```
 */
export async function serviceSeries(
  store: Store,
  range: TimeRange,
  options: QueryOptions & { buckets?: number } = {},
): Promise<ServiceSeriesResult> {
  const step = seriesStep(range, options.buckets);
  const fromS = Math.floor(Number(range.fromNs / 1_000_000_000n) / step) * step;
  const toS = Math.floor(Number(range.toNs / 1_000_000_000n) / step) * step;
  const xs: number[] = [];
  for (let t = fromS; t <= toS; t += step) xs.push(t);
  const q = render(serviceSeriesQuery(range, step));
  const rows = await store.query<{ name: string; b: number; spans: string; errors: string }>(
    q.query,
    { params: q.params, settings: options.settings, signal: options.signal },
  );
  const series = new Map<string, ServiceSeries>();
  for (const row of rows) {
    let s = series.get(row.name);
    if (!s) {
      s = { spans: xs.map(() => 0), errors: xs.map(() => 0) };
      series.set(row.name, s);
    }
    const i = (Number(row.b) - fromS) / step;
    if (i < 0 || i >= xs.length) continue;
    s.spans[i] = Number(row.spans);
    s.errors[i] = Number(row.errors);
  }
  return { xs, step, series };
}
