-- Alert state, one row per (rule, group) after merges: the newest version wins. Read with FINAL.
-- Written only when a group's state or notification record changes, so a restart resumes where
-- the last process stopped: a firing alert stays firing and is not notified again (alerts/).
CREATE TABLE IF NOT EXISTS {{database}}.{{table:tracehouse_alert_state}} {{on_cluster}} (
    Rule String CODEC(ZSTD(1)),
    GroupKey String CODEC(ZSTD(1)),
    Labels Map(String, String) CODEC(ZSTD(1)),
    State LowCardinality(String) CODEC(ZSTD(1)),
    Value Nullable(Float64) CODEC(ZSTD(1)),
    ActiveAt Nullable(DateTime64(3)) CODEC(ZSTD(1)),
    FiredAt Nullable(DateTime64(3)) CODEC(ZSTD(1)),
    ResolvedAt Nullable(DateTime64(3)) CODEC(ZSTD(1)),
    -- Per receiver: the last state notified ("firing" or "resolved") and when (epoch ms).
    NotifiedState Map(String, String) CODEC(ZSTD(1)),
    NotifiedAt Map(String, UInt64) CODEC(ZSTD(1)),
    UpdatedAt DateTime64(3) CODEC(Delta, ZSTD(1)),
    Version UInt64 CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:Version}}
ORDER BY (Rule, GroupKey);

{{distributed:tracehouse_alert_state:cityHash64(Rule, GroupKey)}};

-- Every state transition, kept 30 days.
CREATE TABLE IF NOT EXISTS {{database}}.{{table:tracehouse_alert_history}} {{on_cluster}} (
    At DateTime64(3) CODEC(Delta, ZSTD(1)),
    Rule String CODEC(ZSTD(1)),
    GroupKey String CODEC(ZSTD(1)),
    Labels Map(String, String) CODEC(ZSTD(1)),
    FromState LowCardinality(String) CODEC(ZSTD(1)),
    ToState LowCardinality(String) CODEC(ZSTD(1)),
    Value Nullable(Float64) CODEC(ZSTD(1))
) ENGINE = {{engine:MergeTree}}
PARTITION BY toDate(At)
ORDER BY (Rule, At)
TTL toDateTime(At) + toIntervalDay(30) DELETE
SETTINGS ttl_only_drop_parts = 1;

{{distributed:tracehouse_alert_history:cityHash64(Rule)}};

-- Silences created through the API (silences in the alerts file are not stored). Deleting one
-- writes a newer version with Deleted = 1. Read with FINAL; dropped a week after they end.
CREATE TABLE IF NOT EXISTS {{database}}.{{table:tracehouse_alert_silences}} {{on_cluster}} (
    Id String CODEC(ZSTD(1)),
    Matchers Map(String, String) CODEC(ZSTD(1)),
    StartsAt DateTime64(3) CODEC(ZSTD(1)),
    EndsAt DateTime64(3) CODEC(ZSTD(1)),
    Comment String CODEC(ZSTD(1)),
    Deleted UInt8 CODEC(ZSTD(1)),
    Version UInt64 CODEC(ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:Version}}
ORDER BY Id
TTL toDateTime(EndsAt) + toIntervalDay(7) DELETE;

{{distributed:tracehouse_alert_silences:cityHash64(Id)}};
