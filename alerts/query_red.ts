/**
 * Service RED rules: error rate, request rate (per second) or a latency percentile (milliseconds)
 * of services or operations over the window, from the span rollups (`redRows` of
 * `sql/services.ts`: whole hours from the hourly rollup, the rest from the per-minute one).
 *
 * @module
 */
import { redRows } from "../sql/services.ts";
import { param, type Sql, sql } from "../sql/sql_template.ts";
import type { TimeRange } from "../sql/time_range.ts";
import type { RuleSpec } from "./rule_schema.ts";

type RedSpec = Extract<RuleSpec, { kind: "service_red" }>;

/** Group-by labels of a RED rule: as given, else per service unless one service is chosen. */
export function redGroupBy(spec: RedSpec): ("service" | "operation")[] {
  return spec.group_by ?? (spec.service === undefined ? ["service"] : []);
}

/** The SQL of a RED rule over `window`; one row per group with spans, errors and quantiles. */
export function redQuery(spec: RedSpec, window: TimeRange): Sql {
  let condition = sql`1`;
  if (spec.service !== undefined) {
    condition = sql`${condition} AND ServiceName = ${param("String", spec.service)}`;
  }
  if (spec.operation !== undefined) {
    condition = sql`${condition} AND SpanName = ${param("String", spec.operation)}`;
  }
  const groupBy = redGroupBy(spec);
  const labels = groupBy.map((g) =>
    g === "service" ? sql`toString(ServiceName) AS service` : sql`toString(SpanName) AS operation`
  );
  const select = labels.reduce((acc, l) => sql`${acc}${l}, `, sql``);
  const group = groupBy.length
    ? sql`GROUP BY ${
      groupBy.map((g) => g === "service" ? sql`service` : sql`operation`)
        .reduce((acc, g, i) => i === 0 ? g : sql`${acc}, ${g}`)
    }`
    : sql``;
  return sql`SELECT ${select}sum(Spans) AS spans, sum(Errors) AS errors,
  quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(Durations) AS q
FROM (${redRows(window, condition)})
${group}
HAVING spans > 0`;
}

/** The value a RED rule compares, from one row. */
export function redValue(
  spec: RedSpec,
  row: { spans: string; errors: string; q: number[] },
  windowMs: number,
): number {
  const spans = Number(row.spans);
  switch (spec.signal) {
    case "error_rate":
      return Number(row.errors) / spans;
    case "request_rate":
      return spans / (windowMs / 1000);
    default: {
      const index = { p50: 0, p90: 1, p95: 2, p99: 3 }[spec.signal];
      return (row.q[index] ?? 0) / 1e6;
    }
  }
}
