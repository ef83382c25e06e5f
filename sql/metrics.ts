/**
 * Metric queries: the metric catalogue and one metric aggregated over step
 * buckets, answered in uPlot's column format.
 *
 * Steps that are whole minutes read the per-minute rollup `otel_metrics_1m`
 * (one row per series per minute, resource attributes folded away except for
 * cumulative sums); other steps read the raw `otel_metrics_{gauge,sum,histogram}`
 * tables. Both paths compute the same figures.
 *
 * @module
 */
import { InvalidParamError } from "./invalid_param.ts";
import {
  callOptions,
  checkAttributeKey,
  checkValue,
  type QueryOptions,
  timeParam,
} from "./query_common.ts";
import { and, ident, join, param, render, type Sql, sql } from "./sql_template.ts";
import type { Store } from "./store.ts";
import { type TimeRange, toRfc3339 } from "./time_range.ts";

/** Metric kinds the query API serves. */
export type MetricType = "gauge" | "sum" | "histogram";

/** Aggregations of {@linkcode queryMetric}. */
export const AGGREGATIONS = [
  "avg",
  "sum",
  "min",
  "max",
  "count",
  "rate",
  "p50",
  "p90",
  "p95",
  "p99",
] as const;
/** One of {@linkcode AGGREGATIONS}. */
export type Aggregation = typeof AGGREGATIONS[number];

/** Most series in one answer; more sets `truncated`. */
export const MAX_SERIES = 100;
/** Most buckets in one answer; more is a 400 on `step`. */
export const MAX_BUCKETS = 11_000;
/** Most group-by keys. */
export const MAX_GROUP_BY = 4;

const RAW_TABLES: Record<MetricType, string> = {
  gauge: "otel_metrics_gauge",
  sum: "otel_metrics_sum",
  histogram: "otel_metrics_histogram",
};
const TABLES = ["otel_metrics_1m", ...Object.values(RAW_TABLES)];
const GROUP_ALIASES = ["g0", "g1", "g2", "g3"];

/** One metric of the catalogue. */
export interface MetricInfo {
  name: string;
  type: MetricType;
  unit: string;
  description: string;
  services: string[];
}

/** What {@linkcode queryMetric} computes. */
export interface MetricQuery {
  name: string;
  range: TimeRange;
  /** Bucket width in seconds. */
  stepSeconds: number;
  agg: Aggregation;
  /** `service` or `attr.<key>`, at most {@linkcode MAX_GROUP_BY}. */
  groupBy?: string[];
  services?: string[];
  /** Data point attributes, `key → value`. */
  attributes?: Record<string, string>;
  /** `auto` (default): the rollup when the step is whole minutes, raw otherwise. */
  source?: "auto" | "rollup" | "raw";
}

/** The answer of {@linkcode queryMetric}. */
export interface MetricSeries {
  name: string;
  type: MetricType | null;
  unit: string;
  agg: Aggregation;
  step: number;
  source: "rollup" | "raw";
  from: string;
  to: string;
  series: { labels: Record<string, string> }[];
  /** uPlot columns: `[xs_in_seconds, ...ys]`, `null` for gaps. */
  data: (number | null)[][];
  truncated: boolean;
}

/**
 * Picks a step for a range: about 300 buckets; whole minutes for ranges of an
 * hour or more (so the rollup serves them), multiples of 10 s below.
 *
 * @example
 * ```ts
 * import { autoStep } from "./metrics.ts";
 * console.assert(autoStep({ fromNs: 0n, toNs: 86_400_000_000_000n }) === 300);
 * ```
 */
export function autoStep(range: TimeRange): number {
  const seconds = Number((range.toNs - range.fromNs) / 1_000_000_000n);
  const raw = Math.ceil(seconds / 300);
  if (seconds >= 3600) return Math.max(60, Math.ceil(raw / 60) * 60);
  return Math.max(10, Math.ceil(raw / 10) * 10);
}

/** The catalogue query; exported for snapshot tests. */
export function metricsListQuery(range: TimeRange, services?: string[]): Sql {
  const conditions = [
    sql`Minute >= toStartOfMinute(${timeParam(range.fromNs)})`,
    sql`Minute <= ${timeParam(range.toNs)}`,
  ];
  if (services?.length) {
    services.forEach((s) => checkValue(s, "service"));
    conditions.push(sql`ServiceName IN ${param("Array(String)", services)}`);
  }
  return sql`SELECT MetricName AS name, MetricType AS type, anyLast(MetricUnit) AS unit,
  anyLast(MetricDescription) AS description,
  arraySort(groupUniqArray(toString(ServiceName))) AS services
FROM otel_metrics_1m
WHERE ${and(conditions)}
GROUP BY MetricName, MetricType
ORDER BY name, type
LIMIT 10001`;
}

/**
 * Metric names seen in `range` with type, unit, description and services.
 *
 * @example
 * ```ts ignore
 * import { listMetrics } from "./metrics.ts";
 * const { metrics } = await listMetrics(store, range);
 * ```
 */
export async function listMetrics(
  store: Store,
  range: TimeRange,
  filter: { services?: string[] } = {},
  options: QueryOptions = {},
): Promise<{ metrics: MetricInfo[]; truncated: boolean }> {
  const q = render(metricsListQuery(range, filter.services));
  const rows = await store.query<MetricInfo>(q.query, {
    params: q.params,
    ...callOptions(options),
  });
  const truncated = rows.length > 10_000;
  return { metrics: truncated ? rows.slice(0, 10_000) : rows, truncated };
}

/** How {@linkcode metricQuerySql} reads a metric. */
export interface Plan {
  type: MetricType;
  source: "rollup" | "raw";
  groups: { alias: string; label: string; expr: Sql }[];
  fromS: number;
  toS: number;
}

function planGroups(query: MetricQuery): Plan["groups"] {
  const groupBy = query.groupBy ?? [];
  if (groupBy.length > MAX_GROUP_BY) {
    throw new InvalidParamError("groupBy", `at most ${MAX_GROUP_BY} keys`);
  }
  if (new Set(groupBy).size !== groupBy.length) {
    throw new InvalidParamError("groupBy", "keys must be distinct");
  }
  return groupBy.map((label, i) => {
    const alias = GROUP_ALIASES[i];
    if (label === "service") return { alias, label, expr: sql`toString(ServiceName)` };
    if (label.startsWith("attr.")) {
      const key = checkAttributeKey(label.slice(5), "groupBy");
      return { alias, label, expr: sql`Attributes[${param("String", key)}]` };
    }
    throw new InvalidParamError(
      "groupBy",
      `expected "service" or "attr.<key>", got "${label.slice(0, 64)}"`,
    );
  });
}

function filters(query: MetricQuery, time: Sql): Sql[] {
  const conditions = [sql`MetricName = ${param("String", checkValue(query.name, "name"))}`, time];
  if (query.services?.length) {
    query.services.forEach((s) => checkValue(s, "service"));
    conditions.push(sql`ServiceName IN ${param("Array(String)", query.services)}`);
  }
  for (const [key, value] of Object.entries(query.attributes ?? {})) {
    checkAttributeKey(key, `attr.${key}`);
    checkValue(value, `attr.${key}`);
    conditions.push(sql`Attributes[${param("String", key)}] = ${param("String", value)}`);
  }
  return conditions;
}

/** Builds the SQL of a metric query for a known type; exported for snapshot tests and `EXPLAIN`. */
export function metricQuerySql(query: MetricQuery, plan: Plan): Sql {
  const step = param("UInt32", query.stepSeconds);
  const rollup = plan.source === "rollup";
  const rate = query.agg === "rate";
  // Rates need the last value of the bucket before the first one.
  const fromS = rate ? plan.fromS - query.stepSeconds : plan.fromS;
  const fromNs = BigInt(fromS) * 1_000_000_000n;
  const toNs = BigInt(plan.toS + query.stepSeconds) * 1_000_000_000n;
  const time = rollup
    ? sql`Minute >= ${timeParam(fromNs)} AND Minute < ${timeParam(toNs)}`
    : sql`toStartOfHour(TimeUnix) >= toStartOfHour(${timeParam(fromNs)})
  AND TimeUnix >= ${timeParam(fromNs)} AND TimeUnix < ${timeParam(toNs)}`;
  const table = ident(rollup ? "otel_metrics_1m" : RAW_TABLES[plan.type], TABLES);
  const where = filters(query, time);
  if (rollup) where.push(sql`MetricType = ${param("String", plan.type)}`);
  const bucket = rollup
    ? sql`intDiv(toUnixTimestamp(Minute), ${step}) * ${step}`
    : sql`intDiv(toUnixTimestamp(TimeUnix), ${step}) * ${step}`;
  const groupSelect = plan.groups.map((g) => sql`${g.expr} AS ${ident(g.alias, GROUP_ALIASES)}`);
  const groupNames = plan.groups.map((g) => ident(g.alias, GROUP_ALIASES));
  const keys = join([...groupNames, sql`b`]);
  const selectGroups = groupSelect.length ? sql`${join(groupSelect)}, ` : sql``;
  const cap = param("UInt32", MAX_SERIES * MAX_BUCKETS + 1);

  if (rate) {
    const series = rollup
      ? sql`cityHash64(ServiceName, AttributesHash, InstanceHash)`
      : sql`cityHash64(ServiceName, cityHash64(Attributes), cityHash64(ResourceAttributes))`;
    const temporality = rollup ? sql`anyLast(Temporality)` : sql`anyLast(AggregationTemporality)`;
    const total = rollup ? sql`sum(Sum)` : sql`sum(Value)`;
    const last = rollup ? sql`argMaxMerge(Last)` : sql`argMax(Value, TimeUnix)`;
    const partition = join([...groupNames, sql`sid`]);
    return sql`SELECT ${keys}, sum(inc) / ${step} AS v FROM (
  SELECT ${keys}, if(temporality = 2, if(isNull(prev), NULL, if(last >= prev, last - prev, last)), total) AS inc
  FROM (
    SELECT ${selectGroups}${bucket} AS b, ${series} AS sid, ${temporality} AS temporality,
      ${total} AS total, ${last} AS last,
      lagInFrame(toNullable(${last})) OVER (PARTITION BY ${partition} ORDER BY b
        ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev
    FROM ${table}
    WHERE ${and(where)}
    GROUP BY ${keys}, sid
  )
)
WHERE b >= ${param("UInt32", plan.fromS)}
GROUP BY ${keys}
ORDER BY ${keys}
LIMIT ${cap}`;
  }

  let value: Sql;
  const histogram = plan.type === "histogram";
  switch (query.agg) {
    case "avg":
      value = rollup || histogram ? sql`sum(Sum) / sum(Count)` : sql`avg(Value)`;
      break;
    case "sum":
      value = rollup || histogram ? sql`sum(Sum)` : sql`sum(Value)`;
      break;
    case "min":
      value = rollup || histogram ? sql`min(Min)` : sql`min(Value)`;
      break;
    case "max":
      value = rollup || histogram ? sql`max(Max)` : sql`max(Value)`;
      break;
    case "count":
      value = rollup || histogram ? sql`sum(Count)` : sql`count()`;
      break;
    default:
      value = rollup
        ? sql`sumForEachMerge(BucketCounts) AS buckets, anyLast(Bounds) AS bounds`
        : sql`sumForEach(BucketCounts) AS buckets, any(ExplicitBounds) AS bounds`;
      return sql`SELECT ${selectGroups}${bucket} AS b, ${value}
FROM ${table}
WHERE ${and(where)}
GROUP BY ${keys}
ORDER BY ${keys}
LIMIT ${cap}`;
  }
  return sql`SELECT ${selectGroups}${bucket} AS b, ${value} AS v
FROM ${table}
WHERE ${and(where)}
GROUP BY ${keys}
ORDER BY ${keys}
LIMIT ${cap}`;
}

interface TypeRow {
  type: MetricType;
  unit: string;
}

async function metricType(
  store: Store,
  name: string,
  range: TimeRange,
  options: QueryOptions,
): Promise<TypeRow | null> {
  const time = sql`Minute >= toStartOfMinute(${timeParam(range.fromNs)}) AND Minute <= ${
    timeParam(range.toNs)
  }`;
  const q = render(sql`SELECT MetricType AS type, MetricUnit AS unit FROM otel_metrics_1m
WHERE MetricName = ${param("String", name)} AND ${time}
LIMIT 1`);
  // One granule answers; one thread and small blocks stop the read there.
  const lookup = callOptions(options);
  lookup.settings = { ...lookup.settings, max_threads: 1, max_block_size: 1024 };
  const [row] = await store.query<TypeRow>(q.query, { params: q.params, ...lookup });
  if (row) return row;
  // Points older than the rollup (written before it existed) are still in the raw tables.
  for (const type of Object.keys(RAW_TABLES) as MetricType[]) {
    const raw = render(sql`SELECT ${param("String", type)} AS type, MetricUnit AS unit
FROM ${ident(RAW_TABLES[type], TABLES)}
WHERE MetricName = ${param("String", name)} AND TimeUnix >= ${timeParam(range.fromNs)}
  AND TimeUnix <= ${timeParam(range.toNs)}
LIMIT 1`);
    const [found] = await store.query<TypeRow>(raw.query, {
      params: raw.params,
      ...callOptions(options),
    });
    if (found) return found;
  }
  return null;
}

function checkAggregation(agg: Aggregation, type: MetricType): void {
  if (!AGGREGATIONS.includes(agg)) {
    throw new InvalidParamError("agg", `expected one of ${AGGREGATIONS.join(", ")}`);
  }
  if (agg === "rate" && type !== "sum") {
    throw new InvalidParamError("agg", `rate applies to sum metrics; this metric is a ${type}`);
  }
  if (agg.startsWith("p") && type !== "histogram") {
    throw new InvalidParamError("agg", `percentiles apply to histograms; this metric is a ${type}`);
  }
}

/**
 * Estimates quantile `q` from histogram bucket counts and explicit bounds,
 * interpolating linearly inside the bucket that holds the rank.
 *
 * @example
 * ```ts
 * import { histogramQuantile } from "./metrics.ts";
 * console.assert(histogramQuantile(0.5, [0, 10, 0], [10, 20]) === 15);
 * ```
 */
export function histogramQuantile(q: number, counts: number[], bounds: number[]): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > 0 && cumulative + counts[i] >= rank) {
      if (i >= bounds.length) return bounds.at(-1) ?? null;
      const lower = i === 0 ? Math.min(0, bounds[0]) : bounds[i - 1];
      const upper = bounds[i];
      return lower + (upper - lower) * ((rank - cumulative) / counts[i]);
    }
    cumulative += counts[i];
  }
  return bounds.at(-1) ?? null;
}

/**
 * Aggregates one metric over `stepSeconds` buckets, grouped and filtered,
 * from the rollup when the step allows.
 *
 * @example
 * ```ts ignore
 * import { queryMetric } from "./metrics.ts";
 * const chart = await queryMetric(store, { name: "http.server.duration", range, stepSeconds: 60, agg: "p95" });
 * // chart.data: [[t0, t1, …], [v0, v1, …]]
 * ```
 */
export async function queryMetric(
  store: Store,
  query: MetricQuery,
  options: QueryOptions = {},
): Promise<MetricSeries & { rowsRead?: number }> {
  const step = query.stepSeconds;
  if (!Number.isInteger(step) || step < 1) {
    throw new InvalidParamError("step", "expected a whole number of seconds, at least 1");
  }
  const fromS = Math.floor(Number(query.range.fromNs / 1_000_000_000n) / step) * step;
  const toS = Math.floor(Number(query.range.toNs / 1_000_000_000n) / step) * step;
  const buckets = (toS - fromS) / step + 1;
  if (buckets > MAX_BUCKETS) {
    throw new InvalidParamError("step", `the range holds ${buckets} steps; at most ${MAX_BUCKETS}`);
  }
  if (!AGGREGATIONS.includes(query.agg)) {
    throw new InvalidParamError("agg", `expected one of ${AGGREGATIONS.join(", ")}`);
  }
  const source = query.source ?? "auto";
  if (source === "rollup" && step % 60 !== 0) {
    throw new InvalidParamError("step", "the rollup needs a step of whole minutes");
  }
  const groups = planGroups(query);
  const xs = Array.from({ length: buckets }, (_, i) => fromS + i * step);
  const base = {
    name: query.name,
    agg: query.agg,
    step,
    source: (source === "raw" || (source === "auto" && step % 60 !== 0) ? "raw" : "rollup") as
      | "raw"
      | "rollup",
    from: toRfc3339(query.range.fromNs),
    to: toRfc3339(query.range.toNs),
  };
  const found = await metricType(store, checkValue(query.name, "name"), query.range, options);
  if (!found) {
    return { ...base, type: null, unit: "", series: [], data: [xs], truncated: false };
  }
  checkAggregation(query.agg, found.type);
  const plan: Plan = { type: found.type, source: base.source, groups, fromS, toS };
  const q = render(metricQuerySql(query, plan));
  const result = await store.queryWithStats<Record<string, unknown>>(q.query, {
    params: q.params,
    ...callOptions(options),
  });
  const quantile = query.agg.startsWith("p") ? Number(query.agg.slice(1)) / 100 : 0;
  const index = new Map<string, number>();
  const series: { labels: Record<string, string> }[] = [];
  const ys: (number | null)[][] = [];
  let truncated = result.rows.length > MAX_SERIES * MAX_BUCKETS;
  for (const row of result.rows) {
    const labels = Object.fromEntries(groups.map((g) => [g.label, String(row[g.alias] ?? "")]));
    const key = JSON.stringify(groups.map((g) => row[g.alias]));
    let i = index.get(key);
    if (i === undefined) {
      if (series.length >= MAX_SERIES) {
        truncated = true;
        continue;
      }
      i = series.length;
      index.set(key, i);
      series.push({ labels });
      ys.push(new Array(buckets).fill(null));
    }
    const slot = (Number(row.b) - fromS) / step;
    if (slot < 0 || slot >= buckets) continue;
    const v = quantile
      ? histogramQuantile(
        quantile,
        (row.buckets as string[]).map(Number),
        row.bounds as number[],
      )
      : row.v === null || row.v === undefined
      ? null
      : Number(row.v);
    ys[i][slot] = v === null || Number.isFinite(v) ? v : null;
  }
  return {
    ...base,
    type: found.type,
    unit: found.unit,
    series,
    data: [xs, ...ys],
    truncated,
    rowsRead: result.stats.rowsRead,
  };
}
