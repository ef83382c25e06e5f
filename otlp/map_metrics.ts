/**
 * Maps decoded metrics to the five `otel_metrics_*` tables exactly as the contrib
 * `clickhouseexporter` (`internal/metrics/*.go`, v0.161.0) appends them. Row keys are the column
 * names of the tables' column lists (`sql/tables/otel_metrics.ts`); the test checks every row has
 * exactly those keys.
 *
 * @module
 */
import type {
  BasePoint,
  Exemplar,
  ExpHistogramPoint,
  HistogramPoint,
  Metric,
  MetricsRequest,
  NumberPoint,
  Resource,
  Scope,
  SummaryPoint,
} from "./model.ts";
import { reject, serviceName } from "./map_common.ts";
import { attributeMap, dateTimeSeconds, idOrZeros, type MapEntries, validId } from "./values.ts";

/** The metric kinds, each with its own table `otel_metrics_<kind>`. */
export const METRIC_KINDS = [
  "gauge",
  "sum",
  "histogram",
  "exponential_histogram",
  "summary",
] as const;
/** One metric kind. */
export type MetricKind = typeof METRIC_KINDS[number];

/** Metric rows per table and what was rejected. */
export interface MappedMetrics {
  rows: Record<MetricKind, Record<string, unknown>[]>;
  rejected: number;
  errors: string[];
}

interface Context {
  resource: MapEntries;
  resourceUrl: string;
  scope: Scope;
  scopeAttributes: MapEntries;
  scopeUrl: string;
  service: string;
}

function commonColumns(ctx: Context, metric: Metric, point: BasePoint): Record<string, unknown> {
  return {
    "ResourceAttributes": ctx.resource,
    "ResourceSchemaUrl": ctx.resourceUrl,
    "ScopeName": ctx.scope.name,
    "ScopeVersion": ctx.scope.version,
    "ScopeAttributes": ctx.scopeAttributes,
    "ScopeDroppedAttrCount": ctx.scope.droppedAttributesCount,
    "ScopeSchemaUrl": ctx.scopeUrl,
    "ServiceName": ctx.service,
    "MetricName": metric.name,
    "MetricDescription": metric.description,
    "MetricUnit": metric.unit,
    "Attributes": attributeMap(point.attributes),
    "StartTimeUnix": dateTimeSeconds(point.start),
    "TimeUnix": dateTimeSeconds(point.time),
  };
}

/** `convertExemplars`: ids always as hex (zeros when absent), times in seconds. */
function exemplarColumns(row: Record<string, unknown>, exemplars: Exemplar[]): void {
  row["Exemplars.FilteredAttributes"] = exemplars.map((x) => attributeMap(x.filteredAttributes));
  row["Exemplars.TimeUnix"] = exemplars.map((x) => dateTimeSeconds(x.time));
  row["Exemplars.Value"] = exemplars.map((x) => x.value);
  row["Exemplars.SpanId"] = exemplars.map((x) => idOrZeros(x.spanId, 8));
  row["Exemplars.TraceId"] = exemplars.map((x) => idOrZeros(x.traceId, 16));
}

/** The columns both histogram tables share (`HISTOGRAM_TAIL` in `sql/tables/otel_metrics.ts`). */
function histogramColumns(
  row: Record<string, unknown>,
  p: HistogramPoint | ExpHistogramPoint,
  temporality: number,
  exemplars: Exemplar[],
): void {
  row["Count"] = p.count;
  row["Sum"] = p.sum;
  exemplarColumns(row, exemplars);
  row["Flags"] = p.flags;
  row["Min"] = p.min;
  row["Max"] = p.max;
  row["AggregationTemporality"] = temporality;
}

function validExemplars(exemplars: Exemplar[]): boolean {
  return exemplars.every((x) => validId(x.traceId, 16) && validId(x.spanId, 8));
}

function mapMetric(ctx: Context, metric: Metric, out: MappedMetrics): void {
  const data = metric.data;
  if (data.type === "empty") {
    reject(out, `metric "${metric.name}": no data (type is unset)`, 0);
    return;
  }
  const rows = out.rows[data.type];
  for (const point of data.points) {
    const exemplars = "exemplars" in point ? point.exemplars : [];
    if (!validExemplars(exemplars)) {
      reject(out, `metric "${metric.name}": exemplar trace_id/span_id must be 16/8 bytes`);
      continue;
    }
    const row = commonColumns(ctx, metric, point);
    switch (data.type) {
      case "gauge":
      case "sum": {
        const p = point as NumberPoint;
        row["Value"] = p.value;
        row["Flags"] = p.flags;
        exemplarColumns(row, exemplars);
        if (data.type === "sum") {
          row["AggregationTemporality"] = data.temporality;
          row["IsMonotonic"] = data.monotonic;
        }
        break;
      }
      case "histogram": {
        const p = point as HistogramPoint;
        histogramColumns(row, p, data.temporality, exemplars);
        row["BucketCounts"] = p.bucketCounts;
        row["ExplicitBounds"] = p.explicitBounds;
        break;
      }
      case "exponential_histogram": {
        const p = point as ExpHistogramPoint;
        histogramColumns(row, p, data.temporality, exemplars);
        row["Scale"] = p.scale;
        row["ZeroCount"] = p.zeroCount;
        row["PositiveOffset"] = p.positive.offset;
        row["PositiveBucketCounts"] = p.positive.bucketCounts;
        row["NegativeOffset"] = p.negative.offset;
        row["NegativeBucketCounts"] = p.negative.bucketCounts;
        break;
      }
      case "summary": {
        const p = point as SummaryPoint;
        row["Count"] = p.count;
        row["Sum"] = p.sum;
        row["ValueAtQuantiles.Quantile"] = p.quantiles;
        row["ValueAtQuantiles.Value"] = p.values;
        row["Flags"] = p.flags;
        break;
      }
    }
    rows.push(row);
  }
}

/**
 * Maps an `ExportMetricsServiceRequest` to rows of the five metric tables. A metric without
 * data is reported (the exporter refuses it); a point whose exemplar ids have the wrong length
 * is rejected.
 *
 * @example
 * ```ts
 * import { mapMetrics } from "./map_metrics.ts";
 * console.assert(mapMetrics([]).rows.gauge.length === 0);
 * ```
 */
export function mapMetrics(request: MetricsRequest): MappedMetrics {
  const out: MappedMetrics = {
    rows: { gauge: [], sum: [], histogram: [], exponential_histogram: [], summary: [] },
    rejected: 0,
    errors: [],
  };
  for (const group of request) {
    const resource: Resource = group.resource;
    const base = {
      resource: attributeMap(resource.attributes),
      resourceUrl: resource.schemaUrl,
      service: serviceName(resource.attributes),
    };
    for (const { scope, schemaUrl, items } of group.scopes) {
      const ctx: Context = {
        ...base,
        scope,
        scopeAttributes: attributeMap(scope.attributes),
        scopeUrl: schemaUrl,
      };
      for (const metric of items) mapMetric(ctx, metric, out);
    }
  }
  return out;
}
