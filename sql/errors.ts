/**
 * Error groups from the rollup `otel_error_groups_1m` (span and log occurrences per
 * `error.fingerprint`, service and minute, with the newest occurrence as a sample) and the catalog
 * `otel_error_group_catalog` (first and last time each fingerprint was seen), filled by the
 * materialized views of `sql/migrations/020_error_groups.sql`. Spans and logs are read only for a
 * group's detail (its sample stack trace and latest occurrences).
 *
 * The rollup has minute resolution: the range is widened to whole minutes.
 *
 * @module
 */
import { decodeCursor, encodeCursor, fingerprint } from "./cursor.ts";
import { InvalidParamError } from "./invalid_param.ts";
import { callOptions, checkValue, type QueryOptions, timeParam } from "./query_common.ts";
import { param, render, type Sql, sql } from "./sql_template.ts";
import type { Store } from "./store.ts";
import { type TimeRange, toRfc3339 } from "./time_range.ts";

/** What selects error groups. */
export interface ErrorFilter {
  range: TimeRange;
  /** Only occurrences in these services. */
  services?: string[];
}

/** One error group of the list. */
export interface ErrorGroup {
  /** The `error.fingerprint`: 16 hexadecimal digits. */
  fingerprint: string;
  /** Exception type of the newest occurrence (may be empty). */
  type: string;
  /** Message of the newest occurrence (at most 1024 characters). */
  message: string;
  /** Occurrences in the range: spans plus logs. */
  count: number;
  spanCount: number;
  logCount: number;
  /** Services with occurrences in the range, sorted. */
  services: string[];
  /** First and last occurrence in the range. */
  firstSeen: string;
  lastSeen: string;
  /** First occurrence over the whole retention (the catalog). */
  firstSeenEver: string;
  /** The newest occurrence in the range. */
  sample: { traceId: string; spanId: string };
  /** Occurrences per bucket of the answer's `buckets` (zeros included). */
  sparkline: number[];
}

/** A page of error groups. */
export interface ErrorGroupList {
  from: string;
  to: string;
  /** Seconds per sparkline bucket. */
  step: number;
  /** Bucket starts, epoch seconds, shared by every group's `sparkline`. */
  buckets: number[];
  groups: ErrorGroup[];
  nextCursor: string | null;
}

/** Sparkline buckets aimed at per answer (fewer when the range is short). */
export const SPARKLINE_BUCKETS = 30;
const FINGERPRINT = /^[0-9a-f]{16}$/;

interface GroupRow {
  fingerprint: string;
  spans: string;
  logs: string;
  services: string[];
  first: string;
  last: string;
  sample: [string, string, string, string];
}

/** Whole minutes (epoch s) of the first and last minute touching `range`. */
function minutes(range: TimeRange): [number, number] {
  const from = Math.floor(Number(range.fromNs / 1_000_000_000n) / 60) * 60;
  const to = Math.floor(Number(range.toNs / 1_000_000_000n) / 60) * 60;
  return [from, to];
}

function conditions(filter: ErrorFilter, fingerprints?: string[]): Sql {
  const [from, to] = minutes(filter.range);
  let where = sql`Minute >= toDateTime(${param("UInt32", from)}) AND Minute <= toDateTime(${
    param("UInt32", to)
  })`;
  if (filter.services?.length) {
    filter.services.forEach((s) => checkValue(s, "service"));
    where = sql`${where} AND ServiceName IN ${param("Array(String)", filter.services)}`;
  }
  if (fingerprints) {
    where = sql`${where} AND Fingerprint IN ${param("Array(String)", fingerprints)}`;
  }
  return where;
}

function scopeOf(filter: ErrorFilter): string {
  return fingerprint({ errors: filter.services ?? [] });
}

/**
 * The list query: groups ordered by last occurrence, newest first, keyset on
 * `(lastSeen, fingerprint)`. Exported for snapshot tests and `EXPLAIN`.
 */
export function errorGroupsQuery(
  filter: ErrorFilter,
  page: { limit: number; cursor?: string },
): Sql {
  let having = sql`1`;
  if (page.cursor) {
    const key = decodeCursor(page.cursor, scopeOf(filter));
    if (!FINGERPRINT.test(key.tie)) throw new InvalidParamError("cursor", "malformed cursor");
    having = sql`(max(LastSeen), Fingerprint) < (${timeParam(key.timeNs)}, ${
      param("String", key.tie)
    })`;
  }
  return sql`SELECT Fingerprint AS fingerprint, sum(Spans) AS spans, sum(Logs) AS logs,
  arraySort(groupUniqArray(ServiceName)) AS services,
  toString(toUnixTimestamp64Nano(min(FirstSeen))) AS first,
  toString(toUnixTimestamp64Nano(max(LastSeen))) AS last,
  argMaxMerge(Sample) AS sample
FROM otel_error_groups_1m
WHERE ${conditions(filter)}
GROUP BY Fingerprint
HAVING ${having}
ORDER BY max(LastSeen) DESC, Fingerprint DESC
LIMIT ${param("UInt32", page.limit + 1)}`;
}

/** Sparkline step for a range: whole minutes, about {@linkcode SPARKLINE_BUCKETS} buckets. */
export function sparklineStep(range: TimeRange, buckets = SPARKLINE_BUCKETS): number {
  const [from, to] = minutes(range);
  return Math.max(60, Math.ceil((to - from + 60) / buckets / 60) * 60);
}

/** Bucket starts (epoch s) covering `range` at `step` seconds, aligned to multiples of `step`. */
export function bucketStarts(range: TimeRange, step: number): number[] {
  const [from, to] = minutes(range);
  const out: number[] = [];
  for (let t = Math.floor(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

/** Occurrences per group and bucket for the given fingerprints. */
async function occurrenceSeries(
  store: Store,
  filter: ErrorFilter,
  fingerprints: string[],
  step: number,
  options: QueryOptions,
): Promise<Map<string, Map<number, number>>> {
  const q = render(sql`SELECT Fingerprint AS fingerprint,
  toUInt32(intDiv(toUnixTimestamp(Minute), ${param("UInt32", step)}) * ${
    param("UInt32", step)
  }) AS t,
  sum(Spans) + sum(Logs) AS n
FROM otel_error_groups_1m
WHERE ${conditions(filter, fingerprints)}
GROUP BY fingerprint, t`);
  const rows = await store.query<{ fingerprint: string; t: number; n: string }>(q.query, {
    params: q.params,
    ...callOptions(options),
  });
  const series = new Map<string, Map<number, number>>();
  for (const row of rows) {
    let points = series.get(row.fingerprint);
    if (!points) series.set(row.fingerprint, points = new Map());
    points.set(Number(row.t), Number(row.n));
  }
  return series;
}

/** First occurrence over the whole retention, per fingerprint. */
async function firstSeenEver(
  store: Store,
  fingerprints: string[],
  options: QueryOptions,
): Promise<Map<string, string>> {
  if (fingerprints.length === 0) return new Map();
  const q = render(sql`SELECT Fingerprint AS fingerprint,
  toString(toUnixTimestamp64Nano(min(FirstSeen))) AS first
FROM otel_error_group_catalog
WHERE Fingerprint IN ${param("Array(String)", fingerprints)}
GROUP BY Fingerprint`);
  const rows = await store.query<{ fingerprint: string; first: string }>(q.query, {
    params: q.params,
    ...callOptions(options),
  });
  return new Map(rows.map((r) => [r.fingerprint, toRfc3339(r.first)]));
}

/**
 * Error groups with occurrences in the range, the most recently seen first, a page at a time.
 *
 * @example
 * ```ts ignore
 * import { listErrorGroups } from "./errors.ts";
 * const { groups, nextCursor } = await listErrorGroups(store, { range }, { limit: 20 });
 * ```
 */
export async function listErrorGroups(
  store: Store,
  filter: ErrorFilter,
  page: { limit: number; cursor?: string },
  options: QueryOptions = {},
): Promise<ErrorGroupList> {
  const q = render(errorGroupsQuery(filter, page));
  const rows = await store.query<GroupRow>(q.query, { params: q.params, ...callOptions(options) });
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const step = sparklineStep(filter.range);
  const buckets = bucketStarts(filter.range, step);
  const names = kept.map((r) => r.fingerprint);
  const [series, ever] = kept.length === 0 ? [new Map(), new Map()] : await Promise.all([
    occurrenceSeries(store, filter, names, step, options),
    firstSeenEver(store, names, options),
  ]);
  const last = kept.at(-1);
  return {
    from: toRfc3339(filter.range.fromNs),
    to: toRfc3339(filter.range.toNs),
    step,
    buckets,
    groups: kept.map((row) => {
      const points = series.get(row.fingerprint) ?? new Map<number, number>();
      const firstSeen = toRfc3339(row.first);
      return {
        fingerprint: row.fingerprint,
        type: row.sample[2],
        message: row.sample[3],
        count: Number(row.spans) + Number(row.logs),
        spanCount: Number(row.spans),
        logCount: Number(row.logs),
        services: row.services,
        firstSeen,
        lastSeen: toRfc3339(row.last),
        firstSeenEver: ever.get(row.fingerprint) ?? firstSeen,
        sample: { traceId: row.sample[0], spanId: row.sample[1] },
        sparkline: buckets.map((t) => points.get(t) ?? 0),
      };
    }),
    nextCursor: more && last
      ? encodeCursor({ timeNs: BigInt(last.last), tie: last.fingerprint }, scopeOf(filter))
      : null,
  };
}

/** One occurrence of a group (a span or a log record). */
export interface ErrorOccurrence {
  time: string;
  source: "span" | "log";
  service: string;
  traceId: string;
  spanId: string;
  name: string;
  message: string;
}

/** The detail of one group. */
export interface ErrorGroupDetail extends Omit<ErrorGroup, "sparkline"> {
  from: string;
  to: string;
  step: number;
  /** uPlot columns: bucket starts (epoch s), then occurrences per bucket. */
  series: [number[], number[]];
  /** Occurrences per service in the range, most first. */
  byService: { service: string; count: number }[];
  /** The newest occurrence's exception, read from its span or log record. */
  exception: { type: string; message: string; stacktrace: string } | null;
  /** The newest occurrences (at most {@linkcode MAX_OCCURRENCES}). */
  occurrences: ErrorOccurrence[];
}

/** Most occurrences listed in a group's detail. */
export const MAX_OCCURRENCES = 20;
/** How far before the group's last occurrence the detail looks for occurrences. */
const OCCURRENCE_WINDOW_NS = 3_600_000_000_000n;

/**
 * One error group in `range`: summary, occurrences over time (about 60 buckets), per service,
 * the newest occurrence's exception with stack trace and the newest occurrences. `null` when the
 * fingerprint has no occurrence in the range.
 */
export async function getErrorGroup(
  store: Store,
  fingerprintText: string,
  filter: ErrorFilter,
  options: QueryOptions = {},
): Promise<ErrorGroupDetail | null> {
  const fp = fingerprintText.toLowerCase();
  if (!FINGERPRINT.test(fp)) {
    throw new InvalidParamError("fingerprint", "expected 16 hexadecimal digits");
  }
  const head = render(sql`SELECT Fingerprint AS fingerprint, sum(Spans) AS spans, sum(Logs) AS logs,
  arraySort(groupUniqArray(ServiceName)) AS services,
  toString(toUnixTimestamp64Nano(min(FirstSeen))) AS first,
  toString(toUnixTimestamp64Nano(max(LastSeen))) AS last,
  argMaxMerge(Sample) AS sample,
  sumMap([toString(ServiceName)], [toUInt64(Spans + Logs)]) AS byService
FROM otel_error_groups_1m
WHERE ${conditions(filter, [fp])}
GROUP BY Fingerprint`);
  const [row] = await store.query<GroupRow & { byService: [string[], string[]] }>(head.query, {
    params: head.params,
    ...callOptions(options),
  });
  if (!row) return null;
  const step = sparklineStep(filter.range, 60);
  const buckets = bucketStarts(filter.range, step);
  const [series, ever, occurrences] = await Promise.all([
    occurrenceSeries(store, filter, [fp], step, options),
    firstSeenEver(store, [fp], options),
    latestOccurrences(store, fp, filter, BigInt(row.last), options),
  ]);
  const points = series.get(fp) ?? new Map<number, number>();
  const firstSeen = toRfc3339(row.first);
  return {
    from: toRfc3339(filter.range.fromNs),
    to: toRfc3339(filter.range.toNs),
    step,
    fingerprint: fp,
    type: row.sample[2],
    message: row.sample[3],
    count: Number(row.spans) + Number(row.logs),
    spanCount: Number(row.spans),
    logCount: Number(row.logs),
    services: row.services,
    firstSeen,
    lastSeen: toRfc3339(row.last),
    firstSeenEver: ever.get(fp) ?? firstSeen,
    sample: { traceId: row.sample[0], spanId: row.sample[1] },
    series: [buckets, buckets.map((t) => points.get(t) ?? 0)],
    byService: row.byService[0]
      .map((service, i) => ({ service, count: Number(row.byService[1][i]) }))
      .sort((x, y) => y.count - x.count || x.service.localeCompare(y.service)),
    exception: await exceptionOf(store, row, occurrences, options),
    occurrences,
  };
}

/** Spans and logs carrying the fingerprint in the hour before its last occurrence in the range. */
async function latestOccurrences(
  store: Store,
  fp: string,
  filter: ErrorFilter,
  lastNs: bigint,
  options: QueryOptions,
): Promise<ErrorOccurrence[]> {
  const fromNs = lastNs - OCCURRENCE_WINDOW_NS > filter.range.fromNs
    ? lastNs - OCCURRENCE_WINDOW_NS
    : filter.range.fromNs;
  const from = timeParam(fromNs);
  const to = timeParam(lastNs);
  const services = filter.services?.length
    ? sql`AND ServiceName IN ${param("Array(String)", filter.services)}`
    : sql``;
  const limit = param("UInt32", MAX_OCCURRENCES);
  const q = render(sql`SELECT * FROM (
  SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS t, 'span' AS source, ServiceName AS service,
    TraceId AS traceId, SpanId AS spanId, SpanName AS name, StatusMessage AS message
  FROM otel_traces
  PREWHERE Timestamp >= ${from} AND Timestamp <= ${to}
  WHERE SpanAttributes['error.fingerprint'] = ${param("String", fp)} ${services}
  ORDER BY Timestamp DESC LIMIT ${limit}
  UNION ALL
  SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS t, 'log' AS source, ServiceName AS service,
    TraceId AS traceId, SpanId AS spanId, SeverityText AS name, leftUTF8(Body, 1024) AS message
  FROM otel_logs
  PREWHERE Timestamp >= ${from} AND Timestamp <= ${to}
  WHERE LogAttributes['error.fingerprint'] = ${param("String", fp)} ${services}
  ORDER BY Timestamp DESC LIMIT ${limit}
) ORDER BY t DESC LIMIT ${limit}`);
  const rows = await store.query<Omit<ErrorOccurrence, "time"> & { t: string }>(q.query, {
    params: q.params,
    ...callOptions(options),
  });
  return rows.map(({ t, ...rest }) => ({ time: toRfc3339(t), ...rest }));
}

/**
 * The sample's exception; when the sample is a log record without a stack trace (an error logged
 * next to its span), the newest span occurrence's exception, which usually has one.
 */
async function exceptionOf(
  store: Store,
  row: GroupRow,
  occurrences: ErrorOccurrence[],
  options: QueryOptions,
): Promise<ErrorGroupDetail["exception"]> {
  const sample = await sampleException(
    store,
    row.sample[0],
    row.sample[1],
    BigInt(row.last),
    options,
  );
  if (sample?.stacktrace) return sample;
  const span = occurrences.find((o) => o.source === "span");
  if (span) {
    const found = await sampleException(store, span.traceId, span.spanId, nsOf(span.time), options);
    if (found?.stacktrace) return found;
  }
  return sample && {
    type: sample.type || row.sample[2],
    message: sample.message || row.sample[3],
    stacktrace: sample.stacktrace,
  };
}

function nsOf(rfc3339: string): bigint {
  const [whole, fraction = "0"] = rfc3339.replace(/Z$/, "").split(".");
  return BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, "0").slice(0, 9));
}

/** The exception of one occurrence: its span's last `exception` event, else its log's attributes. */
async function sampleException(
  store: Store,
  traceId: string,
  spanId: string,
  atNs: bigint,
  options: QueryOptions,
): Promise<{ type: string; message: string; stacktrace: string } | null> {
  const at = timeParam(atNs);
  const q = render(sql`SELECT e['exception.type'] AS type, e['exception.message'] AS message,
  e['exception.stacktrace'] AS stacktrace
FROM (
  SELECT if(has(Events.Name, 'exception'),
    Events.Attributes[arrayLastIndex(n -> n = 'exception', Events.Name)], SpanAttributes) AS e
  FROM otel_traces
  PREWHERE Timestamp = ${at} AND TraceId = ${param("String", traceId)}
  WHERE SpanId = ${param("String", spanId)}
  UNION ALL
  SELECT LogAttributes AS e FROM otel_logs
  PREWHERE Timestamp = ${at} AND TraceId = ${param("String", traceId)}
  WHERE SpanId = ${param("String", spanId)}
) LIMIT 1`);
  const [found] = await store.query<{ type: string; message: string; stacktrace: string }>(
    q.query,
    { params: q.params, ...callOptions(options) },
  );
  return found ?? null;
}
