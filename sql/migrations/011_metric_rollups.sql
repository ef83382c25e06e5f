-- Metric values per series per minute, for gauge, sum and histogram metrics. A series is
-- (metric, service, data point attributes); resource attributes are folded away, except for
-- cumulative sums, whose per-instance last value (InstanceHash) is needed to compute rates.
-- Histograms keep summed bucket counts so percentiles can be estimated from the rollup.
CREATE TABLE IF NOT EXISTS {{database}}.{{table:otel_metrics_1m}} {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    MetricType LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    AttributesHash UInt64 CODEC(ZSTD(1)),
    InstanceHash UInt64 CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta, ZSTD(1)),
    MetricUnit SimpleAggregateFunction(anyLast, String) CODEC(ZSTD(1)),
    MetricDescription SimpleAggregateFunction(anyLast, String) CODEC(ZSTD(1)),
    Temporality SimpleAggregateFunction(anyLast, Int32) CODEC(ZSTD(1)),
    Points SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Sum SimpleAggregateFunction(sum, Float64) CODEC(ZSTD(1)),
    Min SimpleAggregateFunction(min, Float64) CODEC(ZSTD(1)),
    Max SimpleAggregateFunction(max, Float64) CODEC(ZSTD(1)),
    Last AggregateFunction(argMax, Float64, DateTime) CODEC(ZSTD(1)),
    BucketCounts AggregateFunction(sumForEach, Array(UInt64)) CODEC(ZSTD(1)),
    Bounds SimpleAggregateFunction(anyLast, Array(Float64)) CODEC(ZSTD(1))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, ServiceName, Minute, AttributesHash, InstanceHash)
TTL Minute + toIntervalDay({{ttl_days:metrics}}) DELETE
SETTINGS ttl_only_drop_parts = 1;

{{distributed:otel_metrics_1m:cityHash64(MetricName)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_metrics_1m_gauge_mv {{on_cluster}}
TO {{database}}.{{table:otel_metrics_1m}}
AS SELECT
    MetricName,
    'gauge' AS MetricType,
    ServiceName,
    Attributes,
    cityHash64(Attributes) AS AttributesHash,
    toUInt64(0) AS InstanceHash,
    toStartOfMinute(toDateTime(TimeUnix)) AS Minute,
    anyLast(MetricUnit) AS MetricUnit,
    anyLast(MetricDescription) AS MetricDescription,
    toInt32(0) AS Temporality,
    count() AS Points,
    count() AS Count,
    sum(Value) AS Sum,
    min(Value) AS Min,
    max(Value) AS Max,
    argMaxState(Value, toDateTime(TimeUnix)) AS Last,
    sumForEachState(CAST([], 'Array(UInt64)')) AS BucketCounts,
    CAST([], 'Array(Float64)') AS Bounds
FROM {{database}}.{{table:otel_metrics_gauge}}
GROUP BY MetricName, ServiceName, Attributes, Minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_metrics_1m_sum_mv {{on_cluster}}
TO {{database}}.{{table:otel_metrics_1m}}
AS SELECT
    MetricName,
    'sum' AS MetricType,
    ServiceName,
    Attributes,
    cityHash64(Attributes) AS AttributesHash,
    if(AggregationTemporality = 2, cityHash64(ResourceAttributes), toUInt64(0)) AS InstanceHash,
    toStartOfMinute(toDateTime(TimeUnix)) AS Minute,
    anyLast(MetricUnit) AS MetricUnit,
    anyLast(MetricDescription) AS MetricDescription,
    anyLast(AggregationTemporality) AS Temporality,
    count() AS Points,
    count() AS Count,
    sum(Value) AS Sum,
    min(Value) AS Min,
    max(Value) AS Max,
    argMaxState(Value, toDateTime(TimeUnix)) AS Last,
    sumForEachState(CAST([], 'Array(UInt64)')) AS BucketCounts,
    CAST([], 'Array(Float64)') AS Bounds
FROM {{database}}.{{table:otel_metrics_sum}}
GROUP BY MetricName, ServiceName, Attributes, InstanceHash, Minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_metrics_1m_histogram_mv {{on_cluster}}
TO {{database}}.{{table:otel_metrics_1m}}
AS SELECT
    MetricName,
    'histogram' AS MetricType,
    ServiceName,
    Attributes,
    cityHash64(Attributes) AS AttributesHash,
    toUInt64(0) AS InstanceHash,
    toStartOfMinute(toDateTime(TimeUnix)) AS Minute,
    anyLast(MetricUnit) AS MetricUnit,
    anyLast(MetricDescription) AS MetricDescription,
    anyLast(AggregationTemporality) AS Temporality,
    count() AS Points,
    sum(h.Count) AS Count,
    sum(h.Sum) AS Sum,
    min(h.Min) AS Min,
    max(h.Max) AS Max,
    argMaxState(h.Sum, toDateTime(h.TimeUnix)) AS Last,
    sumForEachState(BucketCounts) AS BucketCounts,
    anyLast(ExplicitBounds) AS Bounds
FROM {{database}}.{{table:otel_metrics_histogram}} AS h
GROUP BY MetricName, ServiceName, Attributes, Minute;
