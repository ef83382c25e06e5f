/**
 * Runs a rule's query for one evaluation and returns one value per group. Each kind reads what
 * answers it cheapest: service RED the span rollups, metrics the metric rollup (per minute,
 * reduced over the window), log counts the log table within the window (time is its sort key),
 * new error groups the fingerprint catalog.
 *
 * @module
 */
import { SEVERITY_NUMBERS } from "../sql/logs.ts";
import { queryMetric } from "../sql/metrics.ts";
import {
  attributeConditions,
  callOptions,
  escapeLike,
  type QueryOptions,
  timeParam,
} from "../sql/query_common.ts";
import { param, render, type Sql, sql } from "../sql/sql_template.ts";
import type { Store } from "../sql/store.ts";
import type { TimeRange } from "../sql/time_range.ts";
import { redGroupBy, redQuery, redValue } from "./query_red.ts";
import type { RedCache } from "./red_cache.ts";
import type { SeverityCount, SharedQueries } from "./shared_queries.ts";
import type { RuleSpec } from "./rule_schema.ts";
import { groupKey } from "./state_machine.ts";
import { ruleWindow } from "./window.ts";

/** One group's value. */
export interface GroupValue {
  labels: Record<string, string>;
  value: number | null;
  /** Extra fields for templates (a new error's message, …). */
  context?: Record<string, string>;
}

/** What one evaluation's query found. */
export interface QueryResult {
  /** Values by group key. */
  groups: Map<string, GroupValue>;
  /**
   * Counting kinds: a known group absent from the answer counted zero (it is evaluated with 0,
   * not as "no data").
   */
  absentIsZero: boolean;
  /** The window read. */
  window: TimeRange;
}

function keyed(values: GroupValue[]): Map<string, GroupValue> {
  return new Map(values.map((v) => [groupKey(v.labels), v]));
}

async function rows<Row>(store: Store, q: Sql, options: QueryOptions): Promise<Row[]> {
  const { query, params } = render(q);
  return await store.query<Row>(query, { params, ...callOptions(options) });
}

/** What rules of one process share (see `red_cache.ts` and `shared_queries.ts`). */
export interface Shared {
  red?: RedCache;
  queries?: SharedQueries;
}

/**
 * Evaluates the query of `spec` at `now`. With `shared`, service RED rules read the shared
 * rollup query, log counts without text/attribute filters the shared per-severity counts, and
 * identical new-error-group queries run once.
 */
export async function runRuleQuery(
  store: Store,
  spec: RuleSpec,
  now: number,
  options: QueryOptions = {},
  shared: Shared = {},
): Promise<QueryResult> {
  const red = shared.red;
  switch (spec.kind) {
    case "service_red": {
      const window = ruleWindow(now, spec.window, true);
      type Row = { spans: string; errors: string; q: number[]; [label: string]: unknown };
      const found: Row[] = red
        ? await red.answer(spec, window, options)
        : await rows<Row>(store, redQuery(spec, window), options);
      const groupBy = redGroupBy(spec);
      return {
        window,
        absentIsZero: false,
        groups: keyed(found.map((row) => ({
          labels: Object.fromEntries(groupBy.map((g) => [g, String(row[g])])),
          value: redValue(spec, row, spec.window),
        }))),
      };
    }
    case "log_count": {
      const window = ruleWindow(wholeSecond(now), spec.window, false);
      const simple = spec.text === undefined && spec.attributes === undefined;
      const groups = simple && shared.queries
        ? fromSeverityCounts(spec, await shared.queries.logCounts(window, options))
        : await logCounts(store, spec, window, options);
      return { window, absentIsZero: true, groups: keyed(groups) };
    }
    case "metric": {
      const window = ruleWindow(now, spec.window, true);
      const series = await queryMetric(store, {
        name: spec.metric,
        range: window,
        stepSeconds: 60,
        agg: spec.agg,
        groupBy: spec.group_by,
        services: spec.services,
        attributes: spec.attributes,
        source: "rollup",
      }, options);
      return {
        window,
        absentIsZero: false,
        groups: keyed(
          series.series.map((s, i) => ({
            labels: s.labels,
            value: reduce(series.data[i + 1] ?? [], spec.reduce ?? defaultReduce(spec.agg)),
          })).filter((g) => g.value !== null),
        ),
      };
    }
    case "new_error_group": {
      const window = ruleWindow(wholeSecond(now), spec.window, false);
      const run = () => newErrors(store, spec, window, options);
      const groups = shared.queries
        ? await shared.queries.memo(
          `new:${window.fromNs}:${window.toNs}:${spec.service ?? ""}`,
          run,
        )
        : await run();
      return { window, absentIsZero: true, groups: keyed(groups) };
    }
  }
}

/** Raw-table windows end at whole seconds, so rules evaluated in one second can share. */
function wholeSecond(now: number): number {
  return Math.floor(now / 1000) * 1000;
}

/** A log-count rule's groups from the shared per-service, per-severity counts. */
function fromSeverityCounts(spec: LogSpec, counts: SeverityCount[]): GroupValue[] {
  const least = spec.severity === undefined ? 0 : SEVERITY_NUMBERS[spec.severity];
  const grouped = (spec.group_by ?? []).includes("service");
  const sums = new Map<string, number>();
  if (!grouped) sums.set("", 0); // an ungrouped count always has its row, as count() does
  for (const c of counts) {
    if (c.severity < least || (spec.service !== undefined && c.service !== spec.service)) continue;
    const key = grouped ? c.service : "";
    sums.set(key, (sums.get(key) ?? 0) + Number(c.n));
  }
  return [...sums].map(([service, n]): GroupValue => ({
    labels: grouped ? { service } : {},
    value: n,
  }));
}

/** Sums add up over minutes; other aggregations average. */
function defaultReduce(agg: string): "sum" | "avg" {
  return agg === "sum" || agg === "count" ? "sum" : "avg";
}

/** Reduces per-minute values (nulls skipped) to one; `null` when there is none. */
export function reduce(
  values: readonly (number | null)[],
  how: "avg" | "sum" | "min" | "max" | "last",
): number | null {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return null;
  switch (how) {
    case "avg":
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    case "sum":
      return xs.reduce((a, b) => a + b, 0);
    case "min":
      return Math.min(...xs);
    case "max":
      return Math.max(...xs);
    case "last":
      return xs[xs.length - 1];
  }
}

type LogSpec = Extract<RuleSpec, { kind: "log_count" }>;

/** The log-count SQL; exported for snapshot tests. */
export function logCountQuery(spec: LogSpec, window: TimeRange): Sql {
  const prewhere = [
    sql`Timestamp >= ${timeParam(window.fromNs)}`,
    sql`Timestamp <= ${timeParam(window.toNs)}`,
  ];
  if (spec.service !== undefined) {
    prewhere.push(sql`ServiceName = ${param("String", spec.service)}`);
  }
  if (spec.severity !== undefined) {
    prewhere.push(sql`SeverityNumber >= ${param("UInt8", SEVERITY_NUMBERS[spec.severity])}`);
  }
  if (spec.text !== undefined) {
    prewhere.push(
      sql`lower(Body) LIKE ${param("String", `%${escapeLike(spec.text.toLowerCase())}%`)}`,
    );
  }
  const where = attributeConditions(spec.attributes, [sql`LogAttributes`, sql`ResourceAttributes`]);
  const and = (parts: Sql[]) =>
    parts.reduce((acc, p, i) => i === 0 ? p : sql`${acc} AND ${p}`, sql`1`);
  const grouped = (spec.group_by ?? []).includes("service");
  return sql`SELECT ${grouped ? sql`toString(ServiceName) AS service, ` : sql``}count() AS n
FROM otel_logs
PREWHERE ${and(prewhere)}
WHERE ${where.length ? and(where) : sql`1`}
${grouped ? sql`GROUP BY service` : sql``}`;
}

async function logCounts(
  store: Store,
  spec: LogSpec,
  window: TimeRange,
  options: QueryOptions,
): Promise<GroupValue[]> {
  const found = await rows<{ service?: string; n: string }>(
    store,
    logCountQuery(spec, window),
    options,
  );
  return found.map((row): GroupValue => ({
    labels: row.service === undefined ? {} : { service: row.service },
    value: Number(row.n),
  }));
}

type NewErrorSpec = Extract<RuleSpec, { kind: "new_error_group" }>;

/** Fingerprints whose first occurrence ever is inside the window; exported for snapshot tests. */
export function newErrorsQuery(spec: NewErrorSpec, window: TimeRange): Sql {
  const fromMin = Math.floor(Number(window.fromNs / 1_000_000_000n) / 60) * 60;
  const service = spec.service === undefined
    ? sql``
    : sql`AND ServiceName = ${param("String", spec.service)}`;
  return sql`SELECT Fingerprint AS fingerprint, count AS n,
  sample.3 AS type, sample.4 AS message, services
FROM (
  SELECT Fingerprint, sum(Spans) + sum(Logs) AS count, argMaxMerge(Sample) AS sample,
    arrayStringConcat(arraySort(groupUniqArray(toString(ServiceName))), ',') AS services
  FROM otel_error_groups_1m
  WHERE Minute >= toDateTime(${param("UInt32", fromMin)}) ${service}
    AND Fingerprint IN (
      SELECT Fingerprint FROM otel_error_group_catalog
      GROUP BY Fingerprint
      HAVING min(FirstSeen) >= ${timeParam(window.fromNs)} AND min(FirstSeen) <= ${
    timeParam(window.toNs)
  })
  GROUP BY Fingerprint
)`;
}

async function newErrors(
  store: Store,
  spec: NewErrorSpec,
  window: TimeRange,
  options: QueryOptions,
): Promise<GroupValue[]> {
  const found = await rows<
    { fingerprint: string; n: string; type: string; message: string; services: string }
  >(store, newErrorsQuery(spec, window), options);
  return found.map((row) => ({
    labels: { fingerprint: row.fingerprint },
    value: Number(row.n),
    context: { type: row.type, message: row.message, services: row.services },
  }));
}
