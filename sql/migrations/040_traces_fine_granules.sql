-- otel_traces with 1,024-row granules and 4-64 KiB compressed blocks, so a trace lookup
-- decompresses ~10k rows instead of ~80k (docs/query-optimization.md, "Trace by id").
--
-- Only the table's SETTINGS change: columns, types, codecs, skip indexes, PARTITION BY, ORDER BY
-- and TTL below are 001's (the contrib clickhouseexporter's), so the exporter keeps inserting with
-- `create_schema: false`. index_granularity is read-only on an existing table, hence a rebuild:
-- create a copy with the new settings, copy every span, swap the names with EXCHANGE TABLES, drop
-- the old table. The materialized views that read FROM otel_traces follow the name, not the old
-- table: after the swap they fire for the new one, and the copy itself does not feed them
-- (sql/trace_rebuild_migration_test.ts checks both).
--
-- Cost on a store with data: the copy rewrites every span once (2-core build machine, loaded,
-- embedded engine: 19 s for 1M spans, 3 min for 10M; docs/query-optimization.md, "Migration 040").
-- Spans inserted while the copy runs go to the old table and are dropped with it: stop writers
-- (collectors, other Tracehouse instances) during the upgrade. The old table's files are removed
-- by the engine in the background after the drop (database_atomic_delay_before_drop_table_sec, 8
-- min by default), so the disk briefly holds both. A trace-id projection or durable-insert
-- settings added by hand are not copied; Tracehouse re-applies its own
-- (TRACEHOUSE_TRACE_ID_PROJECTION, TRACEHOUSE_DURABLE_INSERTS) after the migrations when they are
-- set.
--
-- Idempotent as a whole rather than per statement: on one node a run stopped anywhere starts by
-- dropping the scratch table, which before the swap is a partial copy and after it is the old
-- table, whose spans are all in otel_traces by then.
--
-- Cluster mode: each shard's otel_traces_local is rebuilt. The copy goes through the Distributed
-- tables with parallel_distributed_insert_select = 2 (each shard copies its own local table) and
-- distributed_foreground_insert = 1 (nothing left queued for a table name about to be swapped);
-- both tables shard by cityHash64(TraceId), so a span stays on its shard. insert_deduplicate = 0:
-- a copy must not drop identical blocks. EXCHANGE, CREATE and DROP run ON CLUSTER. The new
-- replicated table keeps the Keeper path it was created with (.../otel_traces_040_rebuild_local),
-- so in a cluster a retry after a failed run is not automatic: the scratch table's path is still
-- taken and CREATE stops with REPLICA_ALREADY_EXISTS, nothing lost (docs/kubernetes.md, Upgrades).
DROP TABLE IF EXISTS {{database}}.otel_traces_040_rebuild {{on_cluster}};

DROP TABLE IF EXISTS {{database}}.{{table:otel_traces_040_rebuild}} {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{database}}.{{table:otel_traces_040_rebuild}} {{on_cluster}} (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = {{engine:MergeTree}}
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
TTL toDateTime(Timestamp) + toIntervalDay({{ttl_days:traces}}) DELETE
SETTINGS index_granularity = 1024, min_compress_block_size = 4096, max_compress_block_size = 65536, ttl_only_drop_parts = 1;

{{distributed:otel_traces_040_rebuild:cityHash64(TraceId)}};

INSERT INTO {{database}}.otel_traces_040_rebuild
SETTINGS parallel_distributed_insert_select = 2, distributed_foreground_insert = 1, insert_deduplicate = 0, max_partitions_per_insert_block = 0
SELECT * FROM {{database}}.otel_traces;

EXCHANGE TABLES {{database}}.{{table:otel_traces}} AND {{database}}.{{table:otel_traces_040_rebuild}} {{on_cluster}};

DROP TABLE IF EXISTS {{database}}.otel_traces_040_rebuild {{on_cluster}};

DROP TABLE IF EXISTS {{database}}.{{table:otel_traces_040_rebuild}} {{on_cluster}};
