/**
 * Options of the query API, with their defaults and the environment
 * variables `config.ts` reads them from.
 *
 * @module
 */

/** Limits, auth and caching of the query API. */
export interface ApiOptions {
  /** Largest `to - from`, in hours (`TRACEHOUSE_MAX_RANGE_HOURS`). Default 744 (31 days). */
  maxRangeHours: number;
  /** Largest `limit` of a list page (`TRACEHOUSE_MAX_PAGE_LIMIT`). Default 1000. */
  maxPageLimit: number;
  /** `limit` when none is given. Default 100. */
  defaultPageLimit: number;
  /** Most spans (and logs) of one trace (`TRACEHOUSE_MAX_TRACE_SPANS`). Default 10,000. */
  maxTraceSpans: number;
  /** ClickHouse `max_execution_time` of every query, seconds (`TRACEHOUSE_QUERY_TIMEOUT_SECONDS`). Default 10. */
  queryTimeoutSeconds: number;
  /** ClickHouse `max_result_rows` guard of every query (`TRACEHOUSE_MAX_RESULT_ROWS`). Default 2,000,000. */
  maxResultRows: number;
  /** Bearer token every request needs when set (`TRACEHOUSE_QUERY_TOKEN`). Default none. */
  queryToken?: string;
  /** Entries of the in-process answer cache; 0 disables it (`TRACEHOUSE_QUERY_CACHE_SIZE`). Default 500. */
  cacheSize: number;
  /** Life of cached answers whose window touches now, seconds (`TRACEHOUSE_QUERY_CACHE_LIVE_SECONDS`). Default 5. */
  cacheLiveSeconds: number;
  /** Life of cached answers whose window ended in the past, seconds (`TRACEHOUSE_QUERY_CACHE_PAST_SECONDS`). Default 300. */
  cachePastSeconds: number;
  /** The clock, in epoch ms (tests pin it). */
  now: () => number;
}

/** Defaults of {@linkcode ApiOptions}. */
export const DEFAULT_API_OPTIONS: Readonly<ApiOptions> = Object.freeze({
  maxRangeHours: 744,
  maxPageLimit: 1000,
  defaultPageLimit: 100,
  maxTraceSpans: 10_000,
  queryTimeoutSeconds: 10,
  maxResultRows: 2_000_000,
  cacheSize: 500,
  cacheLiveSeconds: 5,
  cachePastSeconds: 300,
  now: () => Date.now(),
});

/** Environment variable of each option (`now` has none). */
export const API_ENV: Readonly<Record<Exclude<keyof ApiOptions, "now">, string>> = Object.freeze({
  maxRangeHours: "TRACEHOUSE_MAX_RANGE_HOURS",
  maxPageLimit: "TRACEHOUSE_MAX_PAGE_LIMIT",
  defaultPageLimit: "TRACEHOUSE_DEFAULT_PAGE_LIMIT",
  maxTraceSpans: "TRACEHOUSE_MAX_TRACE_SPANS",
  queryTimeoutSeconds: "TRACEHOUSE_QUERY_TIMEOUT_SECONDS",
  maxResultRows: "TRACEHOUSE_MAX_RESULT_ROWS",
  queryToken: "TRACEHOUSE_QUERY_TOKEN",
  cacheSize: "TRACEHOUSE_QUERY_CACHE_SIZE",
  cacheLiveSeconds: "TRACEHOUSE_QUERY_CACHE_LIVE_SECONDS",
  cachePastSeconds: "TRACEHOUSE_QUERY_CACHE_PAST_SECONDS",
});

/**
 * Fills missing options with defaults and checks the rest.
 *
 * @example
 * ```ts
 * import { resolveApiOptions } from "./options.ts";
 * console.assert(resolveApiOptions({ cacheSize: 0 }).maxPageLimit === 1000);
 * ```
 */
export function resolveApiOptions(options: Partial<ApiOptions> = {}): ApiOptions {
  const resolved = { ...DEFAULT_API_OPTIONS, ...options } as ApiOptions;
  for (
    const key of [
      "maxRangeHours",
      "maxPageLimit",
      "defaultPageLimit",
      "maxTraceSpans",
      "queryTimeoutSeconds",
      "maxResultRows",
    ] as const
  ) {
    if (!(resolved[key] > 0)) throw new RangeError(`Invalid API option "${key}": must be positive`);
  }
  if (resolved.defaultPageLimit > resolved.maxPageLimit) {
    throw new RangeError(`Invalid API option "defaultPageLimit": exceeds maxPageLimit`);
  }
  return resolved;
}
