// Snapshots of the SQL the query modules generate: placeholders only, never values.
import assert from "node:assert/strict";
import { FIRST_WINDOW_NS as LOG_WINDOW_NS, logsQuery } from "./logs.ts";
import { metricQuerySql } from "./metrics.ts";
import { servicesQuery } from "./services.ts";
import { render, sql } from "./sql_template.ts";
import { FIRST_WINDOW_NS, tracesQuery } from "./traces.ts";

const range = { fromNs: 1_795_600_000_000_000_000n, toNs: 1_795_603_600_000_000_000n };

Deno.test("generated SQL: logs: every filter in PREWHERE, attributes in WHERE, newest window", () => {
  const { query, params } = render(
    logsQuery(
      {
        range,
        services: ["api"],
        minSeverity: 13,
        text: "50%_off",
        traceId: "A".repeat(32),
        attributes: { "http.route": "/x" },
      },
      { limit: 50 },
      LOG_WINDOW_NS,
    ),
  );
  assert.equal(
    query,
    `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS t, toString(sipHash64(ServiceName, TraceId, SpanId, SeverityNumber, Body)) AS h,
  TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body, EventName,
  ScopeName, ScopeVersion, ResourceAttributes, LogAttributes
FROM otel_logs
PREWHERE toStartOfFiveMinutes(Timestamp) >= toStartOfFiveMinutes({p0:DateTime64(9)}) AND toStartOfFiveMinutes(Timestamp) <= toStartOfFiveMinutes({p1:DateTime64(9)}) AND Timestamp >= {p2:DateTime64(9)} AND Timestamp <= {p3:DateTime64(9)} AND ServiceName IN {p4:Array(String)} AND SeverityNumber >= {p5:UInt8} AND TraceId = {p6:String} AND lower(Body) LIKE {p7:String}
WHERE (LogAttributes[{p8:String}] = {p9:String} OR ResourceAttributes[{p10:String}] = {p11:String})
ORDER BY toStartOfFiveMinutes(Timestamp) DESC, Timestamp DESC, sipHash64(ServiceName, TraceId, SpanId, SeverityNumber, Body) DESC
LIMIT {p12:UInt32}`,
  );
  assert.deepEqual(params, {
    "p0": "2026-11-25 10:41:40.000000000",
    "p1": "2026-11-25 10:46:40.000000000",
    "p2": "2026-11-25 10:41:40.000000000",
    "p3": "2026-11-25 10:46:40.000000000",
    "p4": ["api"],
    "p5": 13,
    "p6": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "p7": "%50\\%\\_off%",
    "p8": "http.route",
    "p9": "/x",
    "p10": "http.route",
    "p11": "/x",
    "p12": 51,
  });
});

Deno.test("generated SQL: traces: candidates from the newest window, then their spans only", () => {
  const { query, params } = render(
    tracesQuery(
      { range, status: "error", minDurationNs: 5n, attributes: { k: "v" } },
      { limit: 20 },
      range.toNs - FIRST_WINDOW_NS,
    ),
  );
  const candidates = (p: number) =>
    `SELECT TraceId FROM otel_traces
  PREWHERE toDateTime(Timestamp) >= toDateTime({p${p}:DateTime64(9)}) AND toDateTime(Timestamp) <= toDateTime({p${
      p + 1
    }:DateTime64(9)})
    AND Timestamp >= {p${p + 2}:DateTime64(9)} AND Timestamp <= {p${
      p + 3
    }:DateTime64(9)} AND TraceId != ''
  WHERE StatusCode = {p${p + 4}:String} AND Duration >= {p${p + 5}:UInt64} AND (SpanAttributes[{p${
      p + 6
    }:String}] = {p${p + 7}:String} OR ResourceAttributes[{p${p + 8}:String}] = {p${
      p + 9
    }:String})`;
  assert.equal(
    query,
    `WITH (SELECT (min(Start), max(End)) FROM otel_traces_trace_id_ts
  WHERE Start >= toDateTime({p0:DateTime64(9)}) - INTERVAL 1 DAY AND Start <= toDateTime({p1:DateTime64(9)})
    AND TraceId IN (${candidates(2)})) AS slice
SELECT TraceId AS traceId,
  toString(toUnixTimestamp64Nano(min(Timestamp))) AS t,
  max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) - min(toUnixTimestamp64Nano(Timestamp)) AS durationNs,
  count() AS spanCount,
  countIf(StatusCode = 'Error') AS errorCount,
  arraySort(groupUniqArray(ServiceName)) AS services,
  anyIf(ServiceName, ParentSpanId = '') AS rootService,
  anyIf(SpanName, ParentSpanId = '') AS rootSpan
FROM otel_traces
PREWHERE toDateTime(Timestamp) >= greatest(toDateTime({p12:DateTime64(9)}), slice.1)
  AND toDateTime(Timestamp) <= least(toDateTime({p13:DateTime64(9)}), slice.2)
  AND Timestamp >= {p14:DateTime64(9)} AND Timestamp <= {p15:DateTime64(9)}
  AND TraceId IN (${candidates(16)})
GROUP BY TraceId
HAVING min(Timestamp) >= {p26:DateTime64(9)}
ORDER BY min(Timestamp) DESC, TraceId DESC
LIMIT {p27:UInt32}`,
  );
  const window = ["2026-11-25 10:45:40.000000000", "2026-11-25 10:46:40.000000000"];
  const filters = ["Error", 5n, "k", "v", "k", "v"];
  assert.deepEqual(Object.values(params), [
    "2026-11-25 09:46:40.000000000",
    "2026-11-25 10:46:40.000000000",
    ...window,
    ...window,
    ...filters,
    "2026-11-25 09:46:40.000000000",
    "2026-11-25 10:46:40.000000000",
    "2026-11-25 09:46:40.000000000",
    "2026-11-25 10:46:40.000000000",
    ...window,
    ...window,
    ...filters,
    window[0],
    21,
  ]);
  // The whole range in one pass: no window bound in HAVING.
  assert.match(render(tracesQuery({ range }, { limit: 20 })).query, /HAVING 1\n/);
});

Deno.test("generated SQL: services: the span rollup", () => {
  const { query, params } = render(servicesQuery(range));
  assert.equal(
    query,
    `SELECT ServiceName AS name, sum(Spans) AS spanCount, sum(Errors) AS errorCount,
  quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(Durations) AS q, uniqExact(SpanName) AS operations
FROM (SELECT ServiceName, SpanName, Spans, Errors, Durations FROM otel_traces_red_1m
  WHERE Minute >= toDateTime({p0:UInt32}) AND Minute <= toDateTime({p1:UInt32}) AND 1)
GROUP BY ServiceName
ORDER BY ServiceName
LIMIT {p2:UInt32}`,
  );
  assert.deepEqual(params, { "p0": 1795599960, "p1": 1795603560, "p2": 10001 });
});

Deno.test("generated SQL: metrics: rate from the rollup", () => {
  const { query, params } = render(
    metricQuerySql({
      name: "http.requests",
      range,
      stepSeconds: 300,
      agg: "rate",
      groupBy: ["service"],
    }, {
      type: "sum",
      source: "rollup",
      groups: [{ alias: "g0", label: "service", expr: sql`toString(ServiceName)` }],
      fromS: 1795600000,
      toS: 1795603500,
    }),
  );
  assert.equal(
    query,
    `SELECT \`g0\`, b, sum(inc) / {p0:UInt32} AS v FROM (
  SELECT \`g0\`, b, if(temporality = 2, if(isNull(prev), NULL, if(last >= prev, last - prev, last)), total) AS inc
  FROM (
    SELECT toString(ServiceName) AS \`g0\`, intDiv(toUnixTimestamp(Minute), {p1:UInt32}) * {p2:UInt32} AS b, cityHash64(ServiceName, AttributesHash, InstanceHash) AS sid, anyLast(Temporality) AS temporality,
      sum(Sum) AS total, argMaxMerge(Last) AS last,
      lagInFrame(toNullable(argMaxMerge(Last))) OVER (PARTITION BY \`g0\`, sid ORDER BY b
        ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev
    FROM \`otel_metrics_1m\`
    WHERE MetricName = {p3:String} AND Minute >= {p4:DateTime64(9)} AND Minute < {p5:DateTime64(9)} AND MetricType = {p6:String}
    GROUP BY \`g0\`, b, sid
  )
)
WHERE b >= {p7:UInt32}
GROUP BY \`g0\`, b
ORDER BY \`g0\`, b
LIMIT {p8:UInt32}`,
  );
  assert.deepEqual(params, {
    "p0": 300,
    "p1": 300,
    "p2": 300,
    "p3": "http.requests",
    "p4": "2026-11-25 09:41:40.000000000",
    "p5": "2026-11-25 10:50:00.000000000",
    "p6": "sum",
    "p7": 1795600000,
    "p8": 1100001,
  });
});

Deno.test("generated SQL: metrics: histogram percentile from raw points", () => {
  const { query, params } = render(
    metricQuerySql({ name: "d", range, stepSeconds: 30, agg: "p95", attributes: { m: "GET" } }, {
      type: "histogram",
      source: "raw",
      groups: [],
      fromS: 1795600000,
      toS: 1795603590,
    }),
  );
  assert.equal(
    query,
    `SELECT intDiv(toUnixTimestamp(TimeUnix), {p0:UInt32}) * {p1:UInt32} AS b, sumForEach(BucketCounts) AS buckets, any(ExplicitBounds) AS bounds
FROM \`otel_metrics_histogram\`
WHERE MetricName = {p2:String} AND toStartOfHour(TimeUnix) >= toStartOfHour({p3:DateTime64(9)})
  AND TimeUnix >= {p4:DateTime64(9)} AND TimeUnix < {p5:DateTime64(9)} AND Attributes[{p6:String}] = {p7:String}
GROUP BY b
ORDER BY b
LIMIT {p8:UInt32}`,
  );
  assert.deepEqual(params, {
    "p0": 30,
    "p1": 30,
    "p2": "d",
    "p3": "2026-11-25 09:46:40.000000000",
    "p4": "2026-11-25 09:46:40.000000000",
    "p5": "2026-11-25 10:47:00.000000000",
    "p6": "m",
    "p7": "GET",
    "p8": 1100001,
  });
});

Deno.test("generated SQL: hostile values only ever appear in params", () => {
  const hostile = "x' OR 1=1 -- */ UNION SELECT * FROM system.tables";
  const { query, params } = render(
    logsQuery({
      range,
      services: [hostile],
      text: hostile,
      attributes: { "http.route": hostile },
    }, { limit: 10 }),
  );
  assert.doesNotMatch(query, /OR 1=1|UNION|system\.tables/);
  assert.ok(Object.values(params).some((v) => Array.isArray(v) && v[0] === hostile));
  assert.throws(
    () => render(logsQuery({ range, attributes: { "a']": "b" } }, { limit: 1 })),
    /Invalid parameter "attr\.a'\]"/,
  );
  const traces = render(
    tracesQuery(
      { range, services: [hostile], spanName: hostile, attributes: { "http.route": hostile } },
      { limit: 10 },
      range.toNs - FIRST_WINDOW_NS,
    ),
  );
  assert.doesNotMatch(traces.query, /OR 1=1|UNION|system\.tables/);
  assert.ok(Object.values(traces.params).includes(hostile));
  const plan = {
    type: "gauge" as const,
    source: "rollup" as const,
    groups: [{ alias: "g0", label: "service", expr: sql`toString(ServiceName)` }],
    fromS: 0,
    toS: 60,
  };
  const metric = render(
    metricQuerySql({ name: hostile, range, stepSeconds: 60, agg: "avg" }, plan),
  );
  assert.doesNotMatch(metric.query, /OR 1=1|UNION/);
});
