/**
 * Log queries over `otel_logs`: filtered, newest first (or oldest first),
 * keyset-paginated on `(Timestamp, row hash)`.
 *
 * Cheap, selective conditions (time, service, severity, trace id, body
 * search) go in `PREWHERE`, so ClickHouse reads the heavy map columns only
 * for the rows that pass them.
 *
 * @module
 */
import { type CursorKey, decodeCursor, encodeCursor, fingerprint } from "./cursor.ts";
import { InvalidParamError } from "./invalid_param.ts";
import {
  attributeConditions,
  callOptions,
  checkValue,
  escapeLike,
  type QueryOptions,
  timeParam,
} from "./query_common.ts";
import { and, param, render, type Sql, sql } from "./sql_template.ts";
import type { Store } from "./store.ts";
import { type TimeRange, toRfc3339 } from "./time_range.ts";

/** Filters of {@linkcode listLogs}. */
export interface LogFilter {
  range: TimeRange;
  /** Exact service names (any of). */
  services?: string[];
  /** Minimum `SeverityNumber` (1–24). */
  minSeverity?: number;
  /** Case-insensitive substring of the body. */
  text?: string;
  /** 32 lowercase hex digits. */
  traceId?: string;
  /** 16 lowercase hex digits. */
  spanId?: string;
  /** `key → value`, matched against log or resource attributes. */
  attributes?: Record<string, string>;
}

/** Paging of {@linkcode listLogs}. */
export interface LogPage {
  /** Rows per page. */
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** `desc` (newest first, default) or `asc`. */
  order?: "asc" | "desc";
}

/** One log record as the API returns it. */
export interface LogRecord {
  time: string;
  traceId: string;
  spanId: string;
  traceFlags: number;
  severityText: string;
  severityNumber: number;
  service: string;
  body: string;
  eventName: string;
  scope: { name: string; version: string };
  resource: Record<string, string>;
  attributes: Record<string, string>;
}

/** A page of logs. */
export interface LogList {
  logs: LogRecord[];
  nextCursor: string | null;
}

/** Severity names accepted for `severity`, mapped to the lowest number of their range. */
export const SEVERITY_NUMBERS: Readonly<Record<string, number>> = {
  trace: 1,
  debug: 5,
  info: 9,
  warn: 13,
  error: 17,
  fatal: 21,
};

interface LogRow {
  t: string;
  h: string;
  TraceId: string;
  SpanId: string;
  TraceFlags: number;
  SeverityText: string;
  SeverityNumber: number;
  ServiceName: string;
  Body: string;
  EventName: string;
  ScopeName: string;
  ScopeVersion: string;
  ResourceAttributes: Record<string, string>;
  LogAttributes: Record<string, string>;
}

/** Tie-breaker among logs with the same timestamp: a hash of the row's identity. */
const ROW_HASH = sql`sipHash64(ServiceName, TraceId, SpanId, SeverityNumber, Body)`;
/** The first column of `otel_logs`' sorting key. */
const BUCKET = sql`toStartOfFiveMinutes(Timestamp)`;

/** Validates a trace id filter (`traceId`): 32 hex digits, returned lowercase. */
export function checkTraceId(value: string, paramName = "traceId"): string {
  if (!/^[0-9a-fA-F]{32}$/.test(value)) {
    throw new InvalidParamError(paramName, "expected 32 hexadecimal digits");
  }
  return value.toLowerCase();
}

/** Validates a span id filter (`spanId`): 16 hex digits, returned lowercase. */
export function checkSpanId(value: string, paramName = "spanId"): string {
  if (!/^[0-9a-fA-F]{16}$/.test(value)) {
    throw new InvalidParamError(paramName, "expected 16 hexadecimal digits");
  }
  return value.toLowerCase();
}

/**
 * Builds the SQL of one page, or of one pass of {@linkcode listLogs} when
 * `windowNs` is given: only the `windowNs` nanoseconds of the range next to
 * the page's start (the newest ones before the cursor for `desc`, the oldest
 * after it for `asc`). Exported for snapshot tests and `EXPLAIN`.
 */
export function logsQuery(filter: LogFilter, page: LogPage, windowNs?: bigint): Sql {
  const order = page.order ?? "desc";
  const cursorKey = pageCursor(filter, page);
  let { fromNs, toNs } = filter.range;
  if (windowNs !== undefined && windowNs < pageSpan(filter, page, cursorKey)) {
    if (order === "desc") {
      const end = cursorKey && cursorKey.timeNs < toNs ? cursorKey.timeNs : toNs;
      fromNs = end - windowNs;
    } else {
      const start = cursorKey && cursorKey.timeNs > fromNs ? cursorKey.timeNs : fromNs;
      toNs = start + windowNs;
    }
  }
  // The sorting key starts with toStartOfFiveMinutes(Timestamp); ClickHouse does not derive
  // bounds on it from bounds on Timestamp, so they are stated too (docs/query-optimization.md).
  const prewhere: Sql[] = [
    sql`${BUCKET} >= toStartOfFiveMinutes(${timeParam(fromNs)})`,
    sql`${BUCKET} <= toStartOfFiveMinutes(${timeParam(toNs)})`,
    sql`Timestamp >= ${timeParam(fromNs)}`,
    sql`Timestamp <= ${timeParam(toNs)}`,
  ];
  const where: Sql[] = [];
  if (filter.services?.length) {
    filter.services.forEach((s) => checkValue(s, "service"));
    prewhere.push(sql`ServiceName IN ${param("Array(String)", filter.services)}`);
  }
  if (filter.minSeverity !== undefined) {
    prewhere.push(sql`SeverityNumber >= ${param("UInt8", filter.minSeverity)}`);
  }
  if (filter.traceId) {
    prewhere.push(sql`TraceId = ${param("String", checkTraceId(filter.traceId))}`);
  }
  if (filter.spanId) prewhere.push(sql`SpanId = ${param("String", checkSpanId(filter.spanId))}`);
  if (filter.text) {
    checkValue(filter.text, "q");
    prewhere.push(
      sql`lower(Body) LIKE ${param("String", `%${escapeLike(filter.text.toLowerCase())}%`)}`,
    );
  }
  where.push(
    ...attributeConditions(filter.attributes, [sql`LogAttributes`, sql`ResourceAttributes`]),
  );
  if (cursorKey) {
    const t = timeParam(cursorKey.timeNs);
    const h = param("UInt64", cursorKey.tie);
    // The bound on Timestamp alone lets the primary key skip; the tuple breaks ties.
    if (order === "desc") {
      prewhere.push(sql`${BUCKET} <= toStartOfFiveMinutes(${t})`, sql`Timestamp <= ${t}`);
      where.push(sql`(Timestamp, ${ROW_HASH}) < (${t}, ${h})`);
    } else {
      prewhere.push(sql`${BUCKET} >= toStartOfFiveMinutes(${t})`, sql`Timestamp >= ${t}`);
      where.push(sql`(Timestamp, ${ROW_HASH}) > (${t}, ${h})`);
    }
  }
  const direction = order === "desc" ? sql`DESC` : sql`ASC`;
  // The five-minute bucket first (it follows Timestamp's order): the order is then a prefix of
  // the sorting key, so ClickHouse reads the buckets in order and stops once the page is full.
  return sql`SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS t, toString(${ROW_HASH}) AS h,
  TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body, EventName,
  ScopeName, ScopeVersion, ResourceAttributes, LogAttributes
FROM otel_logs
PREWHERE ${and(prewhere)}
WHERE ${and(where)}
ORDER BY ${BUCKET} ${direction}, Timestamp ${direction}, ${ROW_HASH} ${direction}
LIMIT ${param("UInt32", page.limit + 1)}`;
}

function pageCursor(filter: LogFilter, page: LogPage): CursorKey | undefined {
  if (!page.cursor) return undefined;
  const key = decodeCursor(page.cursor, scopeOf(filter, page.order ?? "desc"));
  if (!/^\d{1,20}$/.test(key.tie)) throw new InvalidParamError("cursor", "malformed cursor");
  return key;
}

/** Nanoseconds of the range left for a page: from its cursor (if any) to the range's far end. */
function pageSpan(filter: LogFilter, page: LogPage, key = pageCursor(filter, page)): bigint {
  const { fromNs, toNs } = filter.range;
  if (!key) return toNs - fromNs;
  return (page.order ?? "desc") === "desc"
    ? (key.timeNs < toNs ? key.timeNs : toNs) - fromNs
    : toNs - (key.timeNs > fromNs ? key.timeNs : fromNs);
}

function scopeOf(filter: LogFilter, order: string): string {
  const { range: _range, ...rest } = filter;
  return fingerprint({ logs: rest, order });
}

function toRecord(row: LogRow): LogRecord {
  return {
    time: toRfc3339(row.t),
    traceId: row.TraceId,
    spanId: row.SpanId,
    traceFlags: Number(row.TraceFlags),
    severityText: row.SeverityText,
    severityNumber: Number(row.SeverityNumber),
    service: row.ServiceName,
    body: row.Body,
    eventName: row.EventName,
    scope: { name: row.ScopeName, version: row.ScopeVersion },
    resource: row.ResourceAttributes,
    attributes: row.LogAttributes,
  };
}

/** Width of the first time window a log page reads, nanoseconds (one sorting-key bucket). */
export const FIRST_WINDOW_NS = 300_000_000_000n;
/** How much wider each further window is. */
const WINDOW_GROWTH = 8n;

/**
 * Lists logs matching `filter`, one page at a time.
 *
 * A page first reads the five minutes of the range next to its start (before
 * the cursor, newest first) and widens the window eightfold until the page is
 * full or the window covers the range: a busy range answers from its newest
 * sorting-key buckets, a quiet one costs a few cheap passes more.
 *
 * @example
 * ```ts ignore
 * import { listLogs } from "./logs.ts";
 * const page1 = await listLogs(store, { range, minSeverity: 17 }, { limit: 50 });
 * const page2 = await listLogs(store, { range, minSeverity: 17 }, { limit: 50, cursor: page1.nextCursor! });
 * ```
 */
export async function listLogs(
  store: Store,
  filter: LogFilter,
  page: LogPage,
  options: QueryOptions = {},
): Promise<LogList> {
  const span = pageSpan(filter, page);
  let width = FIRST_WINDOW_NS;
  let rows: LogRow[];
  for (;;) {
    const { query, params } = render(logsQuery(filter, page, width < span ? width : undefined));
    rows = await store.query<LogRow>(query, { params, ...callOptions(options) });
    if (rows.length > page.limit || width >= span) break;
    width *= WINDOW_GROWTH;
  }
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const last = kept.at(-1);
  return {
    logs: kept.map(toRecord),
    nextCursor: more && last
      ? encodeCursor({ timeNs: BigInt(last.t), tie: last.h }, scopeOf(filter, page.order ?? "desc"))
      : null,
  };
}
