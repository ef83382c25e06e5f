/**
 * Service and operation overviews from the span rollups `otel_traces_red_1h`
 * and `otel_traces_red_1m` (span count, errors and duration quantile states
 * per service/span name per hour and per minute) and the catalog
 * `otel_service_catalog` (read with `FINAL`) with its dictionary
 * `otel_service_catalog_dict`.
 *
 * The rollups have minute resolution: the range is widened to whole minutes.
 *
 * @module
 */
import { callOptions, checkValue, type QueryOptions } from "./query_common.ts";
import { param, render, type Sql, sql } from "./sql_template.ts";
import type { Store } from "./store.ts";
import { type TimeRange, toRfc3339 } from "./time_range.ts";

/** RED figures of a service or an operation. */
export interface RedFigures {
  spanCount: number;
  errorCount: number;
  errorRate: number;
  p50Ns: number;
  p95Ns: number;
  p99Ns: number;
}

/** One service of the overview. */
export interface ServiceSummary extends RedFigures {
  name: string;
  operations: number;
  lastSeen: string | null;
}

/** One operation (span name) of a service. */
export interface OperationSummary extends RedFigures {
  name: string;
  spanKind: string;
}

interface RedRow {
  name: string;
  spanCount: string;
  errorCount: string;
  q: number[];
}

/** Most services or operations returned. */
export const MAX_SERVICES = 10_000;

/**
 * The RED rows covering `range`: whole hours from `otel_traces_red_1h`, the
 * partial hours at the edges from `otel_traces_red_1m` (minutes from the one
 * holding `from` to the one holding `to`).
 */
export function redRows(range: TimeRange, condition: Sql = sql`1`): Sql {
  const fromMin = Math.floor(Number(range.fromNs / 1_000_000_000n) / 60) * 60;
  const toMin = Math.floor(Number(range.toNs / 1_000_000_000n) / 60) * 60;
  const firstHour = Math.ceil(fromMin / 3600) * 3600;
  const endHour = Math.floor((toMin + 60) / 3600) * 3600;
  const columns = sql`ServiceName, SpanName, Spans, Errors, Durations`;
  if (endHour - firstHour < 3600) {
    return sql`SELECT ${columns} FROM otel_traces_red_1m
  WHERE Minute >= toDateTime(${param("UInt32", fromMin)}) AND Minute <= toDateTime(${
      param("UInt32", toMin)
    }) AND ${condition}`;
  }
  return sql`SELECT ${columns} FROM otel_traces_red_1h
  WHERE Hour >= toDateTime(${param("UInt32", firstHour)}) AND Hour < toDateTime(${
    param("UInt32", endHour)
  }) AND ${condition}
  UNION ALL
  SELECT ${columns} FROM otel_traces_red_1m
  WHERE ((Minute >= toDateTime(${param("UInt32", fromMin)}) AND Minute < toDateTime(${
    param("UInt32", firstHour)
  })) OR (Minute >= toDateTime(${param("UInt32", endHour)}) AND Minute <= toDateTime(${
    param("UInt32", toMin)
  }))) AND ${condition}`;
}

/** The services overview query; exported for snapshot tests and `EXPLAIN`. */
export function servicesQuery(range: TimeRange): Sql {
  return sql`SELECT ServiceName AS name, sum(Spans) AS spanCount, sum(Errors) AS errorCount,
  quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(Durations) AS q, uniqExact(SpanName) AS operations
FROM (${redRows(range)})
GROUP BY ServiceName
ORDER BY ServiceName
LIMIT ${param("UInt32", MAX_SERVICES + 1)}`;
}

function red(row: RedRow): RedFigures {
  const spanCount = Number(row.spanCount);
  const errorCount = Number(row.errorCount);
  return {
    spanCount,
    errorCount,
    errorRate: spanCount === 0 ? 0 : errorCount / spanCount,
    p50Ns: Math.round(row.q[0] ?? 0),
    p95Ns: Math.round(row.q[2] ?? 0),
    p99Ns: Math.round(row.q[3] ?? 0),
  };
}

/**
 * Services seen in `range` with span count, error rate and p50/p95/p99.
 *
 * @example
 * ```ts ignore
 * import { listServices } from "./services.ts";
 * const { services } = await listServices(store, range);
 * ```
 */
export async function listServices(
  store: Store,
  range: TimeRange,
  options: QueryOptions = {},
): Promise<{ services: ServiceSummary[]; truncated: boolean }> {
  const q = render(servicesQuery(range));
  const rows = await store.query<RedRow & { operations: string }>(q.query, {
    params: q.params,
    ...callOptions(options),
  });
  const truncated = rows.length > MAX_SERVICES;
  const kept = truncated ? rows.slice(0, MAX_SERVICES) : rows;
  const seen = new Map<string, string>();
  if (kept.length > 0) {
    const last = render(
      sql`SELECT ServiceName AS name, toString(toUnixTimestamp(max(LastSeen))) AS s
FROM otel_service_catalog FINAL
WHERE ServiceName IN ${param("Array(String)", kept.map((r) => r.name))}
GROUP BY ServiceName`,
    );
    const lastRows = await store.query<{ name: string; s: string }>(last.query, {
      params: last.params,
      ...callOptions(options),
    });
    for (const row of lastRows) seen.set(row.name, toRfc3339(BigInt(row.s) * 1_000_000_000n));
  }
  return {
    services: kept.map((row) => ({
      name: row.name,
      ...red(row),
      operations: Number(row.operations),
      lastSeen: seen.get(row.name) ?? null,
    })),
    truncated,
  };
}

/** The operations query of one service; exported for snapshot tests. */
export function operationsQuery(service: string, range: TimeRange): Sql {
  return sql`SELECT SpanName AS name, sum(Spans) AS spanCount, sum(Errors) AS errorCount,
  quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(Durations) AS q,
  dictGetOrDefault('otel_service_catalog_dict', 'SpanKind',
    tuple(${param("String", service)}, toString(SpanName)), '') AS spanKind
FROM (${redRows(range, sql`ServiceName = ${param("String", service)}`)})
GROUP BY SpanName
ORDER BY spanCount DESC, name
LIMIT ${param("UInt32", MAX_SERVICES + 1)}`;
}

/**
 * Operations (span names) of `service` in `range`, busiest first, with their
 * span kind from the catalog dictionary.
 */
export async function listOperations(
  store: Store,
  service: string,
  range: TimeRange,
  options: QueryOptions = {},
): Promise<{ service: string; operations: OperationSummary[]; truncated: boolean }> {
  const q = render(operationsQuery(checkValue(service, "service"), range));
  const rows = await store.query<RedRow & { spanKind: string }>(q.query, {
    params: q.params,
    ...callOptions(options),
  });
  const truncated = rows.length > MAX_SERVICES;
  return {
    service,
    operations: (truncated ? rows.slice(0, MAX_SERVICES) : rows).map((row) => ({
      name: row.name,
      spanKind: row.spanKind,
      ...red(row),
    })),
    truncated,
  };
}
