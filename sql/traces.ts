/**
 * Trace queries over `otel_traces`: trace summaries (newest first, keyset
 * paginated on `(trace start, trace id)`) and one trace by id.
 *
 * A trace lookup is one statement: a scalar subquery reads the trace's time
 * slice from `otel_traces_trace_id_ts` (a few rows keyed by trace id), and
 * the spans are read with `PREWHERE TraceId = …` inside that slice only. The
 * engine runs scalar subqueries before index analysis, so partition pruning,
 * the sorting key and the trace-id bloom filter leave a handful of granules.
 *
 * @module
 */
import { decodeCursor, encodeCursor, fingerprint } from "./cursor.ts";
import { InvalidParamError } from "./invalid_param.ts";
import { checkTraceId, listLogs, type LogRecord } from "./logs.ts";
import {
  attributeConditions,
  callOptions,
  checkValue,
  type QueryOptions,
  timeParam,
  zipNested,
} from "./query_common.ts";
import { and, param, render, type Sql, sql } from "./sql_template.ts";
import { STATUS_FILTERS } from "./span_status.ts";
import type { Store } from "./store.ts";
import { type TimeRange, toRfc3339 } from "./time_range.ts";
import { traceIdProjectionPresent } from "./trace_projection.ts";

/** Filters of {@linkcode listTraces}: a trace matches when one span matches all of them. */
export interface TraceFilter {
  range: TimeRange;
  services?: string[];
  spanName?: string;
  status?: "ok" | "error" | "unset";
  /** Span duration bounds, nanoseconds. */
  minDurationNs?: bigint;
  maxDurationNs?: bigint;
  attributes?: Record<string, string>;
}

/** One row of the trace list. */
export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootSpan: string;
  start: string;
  durationNs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
}

/** A page of trace summaries. */
export interface TraceList {
  traces: TraceSummary[];
  nextCursor: string | null;
}

/** One span with everything the trace view shows. */
export interface Span {
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: string;
  service: string;
  start: string;
  durationNs: number;
  statusCode: string;
  statusMessage: string;
  scope: { name: string; version: string };
  resource: Record<string, string>;
  attributes: Record<string, string>;
  events: { time: string; name: string; attributes: Record<string, string> }[];
  links: {
    traceId: string;
    spanId: string;
    traceState: string;
    attributes: Record<string, string>;
  }[];
}

/** A whole trace. */
export interface Trace {
  traceId: string;
  start: string;
  durationNs: number;
  spans: Span[];
  logs?: LogRecord[];
  truncated: boolean;
}

interface SummaryRow {
  traceId: string;
  t: string;
  durationNs: string;
  spanCount: string;
  errorCount: string;
  services: string[];
  rootService: string;
  rootSpan: string;
}

function spanConditions(filter: TraceFilter): Sql[] {
  const conditions: Sql[] = [];
  if (filter.services?.length) {
    filter.services.forEach((s) => checkValue(s, "service"));
    conditions.push(sql`ServiceName IN ${param("Array(String)", filter.services)}`);
  }
  if (filter.spanName !== undefined) {
    conditions.push(sql`SpanName = ${param("String", checkValue(filter.spanName, "spanName"))}`);
  }
  if (filter.status !== undefined) {
    const code = STATUS_FILTERS[filter.status];
    if (!code) throw new InvalidParamError("status", "expected ok, error or unset");
    conditions.push(sql`StatusCode = ${param("String", code)}`);
  }
  if (filter.minDurationNs !== undefined) {
    conditions.push(sql`Duration >= ${param("UInt64", filter.minDurationNs)}`);
  }
  if (filter.maxDurationNs !== undefined) {
    conditions.push(sql`Duration <= ${param("UInt64", filter.maxDurationNs)}`);
  }
  conditions.push(
    ...attributeConditions(filter.attributes, [sql`SpanAttributes`, sql`ResourceAttributes`]),
  );
  return conditions;
}

function scopeOf(filter: TraceFilter): string {
  const { range: _range, ...rest } = filter;
  return fingerprint({ traces: rest });
}

/** Width of the first time window the trace list reads, nanoseconds (then ×8 per pass). */
export const FIRST_WINDOW_NS = 60_000_000_000n;
/** How much wider each further window is. */
const WINDOW_GROWTH = 8n;

/**
 * Builds the SQL of one pass of {@linkcode listTraces}; exported for snapshot
 * tests and `EXPLAIN`. The answer holds the newest traces (after the cursor)
 * whose start is at or after `windowFromNs`; when that is `range.fromNs`, all
 * of them.
 *
 * 1. Candidates: trace ids of the spans in the window (`windowFromNs` to the
 *    cursor, or to the range's end when there are span filters, since a
 *    matching span may follow its trace's start), matching the filters. Every
 *    trace that starts inside the window is among them.
 * 2. Their time slice from `otel_traces_trace_id_ts` (sorted by trace id),
 *    reading the partitions from a day before the range to its end.
 * 3. Summaries of the candidates only: spans `PREWHERE TraceId IN candidates`
 *    inside that slice and the range; traces starting before the window are
 *    dropped (`HAVING`), since traces that did not put a span in the window
 *    may start between them.
 */
export function tracesQuery(
  filter: TraceFilter,
  page: { limit: number; cursor?: string },
  windowFromNs: bigint = filter.range.fromNs,
): Sql {
  const from = timeParam(filter.range.fromNs);
  const to = timeParam(filter.range.toNs);
  const conditions = spanConditions(filter);
  const having: Sql[] = [];
  let windowTo = filter.range.toNs;
  if (page.cursor) {
    const key = decodeCursor(page.cursor, scopeOf(filter));
    if (!/^[0-9a-f]{32}$/.test(key.tie)) throw new InvalidParamError("cursor", "malformed cursor");
    having.push(
      sql`(min(Timestamp), TraceId) < (${timeParam(key.timeNs)}, ${param("String", key.tie)})`,
    );
    // Without span filters a trace's first span is its matching span: it lies before the cursor.
    if (conditions.length === 0 && key.timeNs < windowTo) windowTo = key.timeNs;
  }
  const windowFrom = windowFromNs > filter.range.fromNs ? windowFromNs : filter.range.fromNs;
  const wFrom = timeParam(windowFrom);
  const wTo = timeParam(windowTo);
  // toDateTime(Timestamp) is in the sorting key: bounds on it let the key skip granules.
  const candidates = sql`SELECT TraceId FROM otel_traces
  PREWHERE toDateTime(Timestamp) >= toDateTime(${wFrom}) AND toDateTime(Timestamp) <= toDateTime(${wTo})
    AND Timestamp >= ${wFrom} AND Timestamp <= ${wTo} AND TraceId != ''
  WHERE ${and(conditions)}`;
  // Partitions by day of Start: rows that started a day before the range only matter for a
  // trace with spans more than a day apart in one insert, so older partitions are not read.
  const slice = sql`SELECT (min(Start), max(End)) FROM otel_traces_trace_id_ts
  WHERE Start >= toDateTime(${from}) - INTERVAL 1 DAY AND Start <= toDateTime(${to})
    AND TraceId IN (${candidates})`;
  if (windowFrom > filter.range.fromNs) {
    having.push(sql`min(Timestamp) >= ${timeParam(windowFrom)}`);
  }
  return sql`WITH (${slice}) AS slice
SELECT TraceId AS traceId,
  toString(toUnixTimestamp64Nano(min(Timestamp))) AS t,
  max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) - min(toUnixTimestamp64Nano(Timestamp)) AS durationNs,
  count() AS spanCount,
  countIf(StatusCode = 'Error') AS errorCount,
  arraySort(groupUniqArray(ServiceName)) AS services,
  anyIf(ServiceName, ParentSpanId = '') AS rootService,
  anyIf(SpanName, ParentSpanId = '') AS rootSpan
FROM otel_traces
PREWHERE toDateTime(Timestamp) >= greatest(toDateTime(${from}), slice.1)
  AND toDateTime(Timestamp) <= least(toDateTime(${to}), slice.2)
  AND Timestamp >= ${from} AND Timestamp <= ${to}
  AND TraceId IN (${candidates})
GROUP BY TraceId
HAVING ${and(having)}
ORDER BY min(Timestamp) DESC, TraceId DESC
LIMIT ${param("UInt32", page.limit + 1)}`;
}

/**
 * Lists trace summaries, newest first by trace start.
 *
 * Reads the newest minute of the range (before the cursor) first and widens
 * the window eightfold until the page is full or the window covers the
 * range, so a page costs about the spans of its own traces, not the range's.
 *
 * @example
 * ```ts ignore
 * import { listTraces } from "./traces.ts";
 * const { traces, nextCursor } = await listTraces(store, { range, status: "error" }, { limit: 20 });
 * ```
 */
export async function listTraces(
  store: Store,
  filter: TraceFilter,
  page: { limit: number; cursor?: string },
  options: QueryOptions = {},
): Promise<TraceList> {
  let end = filter.range.toNs;
  if (page.cursor) {
    const key = decodeCursor(page.cursor, scopeOf(filter));
    if (key.timeNs < end) end = key.timeNs;
  }
  let width = FIRST_WINDOW_NS;
  let rows: SummaryRow[];
  for (;;) {
    const windowFrom = end - width;
    const { query, params } = render(tracesQuery(filter, page, windowFrom));
    rows = await store.query<SummaryRow>(query, { params, ...callOptions(options) });
    if (rows.length > page.limit || windowFrom <= filter.range.fromNs) break;
    width *= WINDOW_GROWTH;
  }
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const last = kept.at(-1);
  return {
    traces: kept.map((row) => ({
      traceId: row.traceId,
      rootService: row.rootService,
      rootSpan: row.rootSpan,
      start: toRfc3339(row.t),
      durationNs: Number(row.durationNs),
      spanCount: Number(row.spanCount),
      errorCount: Number(row.errorCount),
      services: row.services,
    })),
    nextCursor: more && last
      ? encodeCursor({ timeNs: BigInt(last.t), tie: last.traceId }, scopeOf(filter))
      : null,
  };
}

interface SpanRow {
  t: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  ScopeName: string;
  ScopeVersion: string;
  ResourceAttributes: Record<string, string>;
  SpanAttributes: Record<string, string>;
  eventTimes: string[];
  "Events.Name": string[];
  "Events.Attributes": Record<string, string>[];
  "Links.TraceId": string[];
  "Links.SpanId": string[];
  "Links.TraceState": string[];
  "Links.Attributes": Record<string, string>[];
}

/**
 * The lookup of a trace's time slice in `otel_traces_trace_id_ts` as a
 * statement of its own: `n` rows, first and last span start in Unix seconds.
 * {@linkcode getTrace} runs it as a scalar subquery of the spans query
 * instead; benchmarks compare the two.
 */
export function traceSliceQuery(traceId: string): Sql {
  return sql`SELECT count() AS n, toString(toUnixTimestamp(min(Start))) AS s,
  toString(toUnixTimestamp(max(End))) AS e
FROM otel_traces_trace_id_ts
WHERE TraceId = ${param("String", traceId)}`;
}

/**
 * Where {@linkcode traceSpansQuery} looks for a trace's spans: inside a time
 * slice known beforehand (seconds, inclusive), inside the slice that a scalar
 * subquery reads from `otel_traces_trace_id_ts` in the same statement
 * (`"lookup"`), or in the whole table (`null`: with the trace-id projection,
 * which finds them by itself).
 */
export type TraceSlice = { fromS: bigint; toS: bigint } | "lookup" | null;

/** The spans of a trace, at most `limit + 1` of them, ordered by start time. */
export function traceSpansQuery(traceId: string, slice: TraceSlice, limit: number): Sql {
  const id = param("String", traceId);
  let within = sql``;
  let lookup = sql``;
  if (slice === "lookup") {
    // An unknown id gives the empty set's (1970-01-01, 1970-01-01): no partition holds it.
    lookup = sql`WITH (SELECT (min(Start), max(End)) FROM otel_traces_trace_id_ts
  WHERE TraceId = ${id}) AS slice
`;
    within = sql`
WHERE toDateTime(Timestamp) >= slice.1 AND toDateTime(Timestamp) <= slice.2`;
  } else if (slice) {
    within = sql`
WHERE toDateTime(Timestamp) >= ${param("UInt32", Number(slice.fromS))}
  AND toDateTime(Timestamp) <= ${param("UInt32", Number(slice.toS))}`;
  }
  return sql`${lookup}SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS t, SpanId, ParentSpanId, TraceState,
  SpanName, SpanKind, ServiceName, Duration, StatusCode, StatusMessage, ScopeName, ScopeVersion,
  ResourceAttributes, SpanAttributes,
  arrayMap(x -> toString(toUnixTimestamp64Nano(x)), Events.Timestamp) AS eventTimes,
  Events.Name, Events.Attributes, Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes
FROM otel_traces
PREWHERE TraceId = ${id}${within}
ORDER BY Timestamp, SpanId
LIMIT ${param("UInt32", limit + 1)}`;
}

/** Options of {@linkcode getTrace}. */
export interface GetTraceOptions extends QueryOptions {
  /** Also fetch the trace's logs. */
  logs?: boolean;
  /** Most spans (and logs) returned; more sets `truncated`. Default 10,000. */
  maxSpans?: number;
}

/**
 * One trace with all its spans ordered by start time, or `null` when unknown.
 *
 * @example
 * ```ts ignore
 * import { getTrace } from "./traces.ts";
 * const trace = await getTrace(store, "5b8efff798038103d269b633813fc60c", { logs: true });
 * ```
 */
export async function getTrace(
  store: Store,
  traceId: string,
  options: GetTraceOptions = {},
): Promise<Trace | null> {
  const id = checkTraceId(traceId);
  const maxSpans = options.maxSpans ?? 10_000;
  const call = callOptions(options);
  // One statement, not a slice lookup and then the spans: a round trip, a parse and a plan
  // fewer. With the projection the slice would be most of what is left to read.
  const slice = await traceIdProjectionPresent(store) ? null : "lookup";
  const spansSql = render(traceSpansQuery(id, slice, maxSpans));
  const rows = await store.query<SpanRow>(spansSql.query, { params: spansSql.params, ...call });
  if (rows.length === 0) return null;
  const truncated = rows.length > maxSpans;
  const spans = (truncated ? rows.slice(0, maxSpans) : rows).map(toSpan);
  let startNs = BigInt(rows[0].t);
  let endNs = startNs;
  for (const row of rows) {
    const t = BigInt(row.t);
    if (t < startNs) startNs = t;
    const end = t + BigInt(row.Duration);
    if (end > endNs) endNs = end;
  }
  const trace: Trace = {
    traceId: id,
    start: toRfc3339(startNs),
    durationNs: Number(endNs - startNs),
    spans,
    truncated,
  };
  if (options.logs) {
    const range = { fromNs: startNs - 60_000_000_000n, toNs: endNs + 60_000_000_000n };
    const logs = await listLogs(
      store,
      { range, traceId: id },
      { limit: maxSpans, order: "asc" },
      call,
    );
    trace.logs = logs.logs;
    if (logs.nextCursor) trace.truncated = true;
  }
  return trace;
}

function toSpan(row: SpanRow): Span {
  return {
    spanId: row.SpanId,
    parentSpanId: row.ParentSpanId,
    traceState: row.TraceState,
    name: row.SpanName,
    kind: row.SpanKind,
    service: row.ServiceName,
    start: toRfc3339(row.t),
    durationNs: Number(row.Duration),
    statusCode: row.StatusCode,
    statusMessage: row.StatusMessage,
    scope: { name: row.ScopeName, version: row.ScopeVersion },
    resource: row.ResourceAttributes,
    attributes: row.SpanAttributes,
    events: zipNested(row.eventTimes.length, (i) => ({
      time: toRfc3339(row.eventTimes[i]),
      name: row["Events.Name"][i],
      attributes: row["Events.Attributes"][i],
    })),
    links: zipNested(row["Links.TraceId"].length, (i) => ({
      traceId: row["Links.TraceId"][i],
      spanId: row["Links.SpanId"][i],
      traceState: row["Links.TraceState"][i],
      attributes: row["Links.Attributes"][i],
    })),
  };
}
