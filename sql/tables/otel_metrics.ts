/**
 * The five metric tables `otel_metrics_{gauge,sum,histogram,exponential_histogram,summary}`
 * (DDL: `sql/migrations/003_metrics.sql`): their insertable columns, built from the runs they
 * share. Metric points are appended as row objects keyed by these names (`otlp/map_metrics.ts`;
 * its test checks every row has exactly these keys).
 *
 * @module
 */
import type { ColumnSpec } from "../store.ts";
import { ATTRIBUTES } from "./table_block.ts";

/** The resource, scope, metric and point columns every metric table starts with. */
const POINT: readonly ColumnSpec[] = [
  { name: "ResourceAttributes", type: ATTRIBUTES },
  { name: "ResourceSchemaUrl", type: "String" },
  { name: "ScopeName", type: "String" },
  { name: "ScopeVersion", type: "String" },
  { name: "ScopeAttributes", type: ATTRIBUTES },
  { name: "ScopeDroppedAttrCount", type: "UInt32" },
  { name: "ScopeSchemaUrl", type: "String" },
  { name: "ServiceName", type: "LowCardinality(String)" },
  { name: "MetricName", type: "LowCardinality(String)" },
  { name: "MetricDescription", type: "String" },
  { name: "MetricUnit", type: "String" },
  { name: "Attributes", type: ATTRIBUTES },
  { name: "StartTimeUnix", type: "DateTime" },
  { name: "TimeUnix", type: "DateTime" },
];

/** The `Exemplars` nested columns (all but the summary table have them). */
const EXEMPLARS: readonly ColumnSpec[] = [
  { name: "Exemplars.FilteredAttributes", type: `Array(${ATTRIBUTES})` },
  { name: "Exemplars.TimeUnix", type: "Array(DateTime)" },
  { name: "Exemplars.Value", type: "Array(Float64)" },
  { name: "Exemplars.SpanId", type: "Array(String)" },
  { name: "Exemplars.TraceId", type: "Array(String)" },
];

const COUNT_SUM: readonly ColumnSpec[] = [
  { name: "Count", type: "UInt64" },
  { name: "Sum", type: "Float64" },
];

/** What the two histogram tables end with. */
const HISTOGRAM_TAIL: readonly ColumnSpec[] = [
  ...EXEMPLARS,
  { name: "Flags", type: "UInt32" },
  { name: "Min", type: "Float64" },
  { name: "Max", type: "Float64" },
  { name: "AggregationTemporality", type: "Int32" },
];

const table = (...runs: (readonly ColumnSpec[])[]): readonly ColumnSpec[] =>
  Object.freeze(runs.flat());

/**
 * Gauge points (`otel_metrics_gauge`).
 *
 * @example
 * ```ts
 * import { METRICS_GAUGE_COLUMNS } from "./otel_metrics.ts";
 * console.assert(METRICS_GAUGE_COLUMNS.some((c) => c.name === "Value"));
 * ```
 */
export const METRICS_GAUGE_COLUMNS: readonly ColumnSpec[] = table(POINT, [
  { name: "Value", type: "Float64" },
  { name: "Flags", type: "UInt32" },
], EXEMPLARS);

/** Sum points (`otel_metrics_sum`). */
export const METRICS_SUM_COLUMNS: readonly ColumnSpec[] = table(METRICS_GAUGE_COLUMNS, [
  { name: "AggregationTemporality", type: "Int32" },
  { name: "IsMonotonic", type: "Bool" },
]);

/** Histogram points (`otel_metrics_histogram`). */
export const METRICS_HISTOGRAM_COLUMNS: readonly ColumnSpec[] = table(POINT, COUNT_SUM, [
  { name: "BucketCounts", type: "Array(UInt64)" },
  { name: "ExplicitBounds", type: "Array(Float64)" },
], HISTOGRAM_TAIL);

/** Exponential histogram points (`otel_metrics_exponential_histogram`). */
export const METRICS_EXPONENTIAL_HISTOGRAM_COLUMNS: readonly ColumnSpec[] = table(
  POINT,
  COUNT_SUM,
  [
    { name: "Scale", type: "Int32" },
    { name: "ZeroCount", type: "UInt64" },
    { name: "PositiveOffset", type: "Int32" },
    { name: "PositiveBucketCounts", type: "Array(UInt64)" },
    { name: "NegativeOffset", type: "Int32" },
    { name: "NegativeBucketCounts", type: "Array(UInt64)" },
  ],
  HISTOGRAM_TAIL,
);

/** Summary points (`otel_metrics_summary`). */
export const METRICS_SUMMARY_COLUMNS: readonly ColumnSpec[] = table(POINT, COUNT_SUM, [
  { name: "ValueAtQuantiles.Quantile", type: "Array(Float64)" },
  { name: "ValueAtQuantiles.Value", type: "Array(Float64)" },
  { name: "Flags", type: "UInt32" },
]);
