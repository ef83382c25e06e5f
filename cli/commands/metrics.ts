/**
 * `tracehouse metrics`: the metric names, and `metrics query <name>` for one
 * metric aggregated over time buckets, grouped by service or attributes.
 *
 * @module
 */
import {
  attrParams,
  COMMON_FLAGS,
  type Flags,
  listFlag,
  stringFlag,
  TIME_FLAGS,
  timeRange,
} from "../args.ts";
import type { MetricInfo, MetricSeries } from "../../sql/metrics.ts";
import { GROUP_BY_KEY } from "../../sql/query_common.ts";
import type { Params } from "../client.ts";
import type { Command } from "../command.ts";
import { commandContext, exitFor } from "../context.ts";
import { UsageError } from "../errors.ts";
import { formatTime } from "../format.ts";
import type { Io } from "../output.ts";
import { type Column, printRows } from "../output.ts";
import { FILTER_FLAGS } from "./traces.ts";

const AGGS = ["avg", "sum", "min", "max", "count", "rate", "p50", "p90", "p95", "p99"];

/** `metrics` command. */
export const metricsCommand: Command = {
  name: "metrics",
  summary: "list metrics; `metrics query <name>` charts one as a table",
  usage: "metrics [query <name>] [flags]",
  description: "Without arguments: the metric names seen in the range. With `query <name>`: " +
    "the metric aggregated per --step bucket, one column per series (table, csv) or one " +
    "object per bucket and series (ndjson); --output json prints the API's answer.",
  flags: {
    ...FILTER_FLAGS,
    agg: { type: "string", value: "<agg>", description: `aggregation: ${AGGS.join(" ")} [avg]` },
    step: { type: "string", value: "<duration>", description: "bucket size, e.g. 10s, 1m [auto]" },
    "group-by": {
      type: "string",
      multiple: true,
      value: "<key>",
      description: "service or attr.<key> (repeatable or comma list)",
    },
    source: { type: "string", value: "auto|rollup|raw", description: "table to read [auto]" },
    ...TIME_FLAGS,
    ...COMMON_FLAGS,
  },
  examples: [
    "tracehouse metrics --since 24h",
    "tracehouse metrics query http.server.duration --agg p95 --step 1m --group-by service",
    "tracehouse metrics query orders.placed --agg rate --step 5m -o csv",
  ],
  async run(flags, positionals, io) {
    if (positionals.length === 0) return await listMetrics(flags, io);
    if (positionals[0] !== "query" || positionals.length !== 2) {
      throw new UsageError("Expected `metrics` or `metrics query <name>`");
    }
    return await queryMetric(positionals[1], flags, io);
  },
};

async function listMetrics(flags: Flags, io: Io): Promise<number> {
  for (const flag of ["agg", "step", "group-by", "source", "attr"]) {
    if (flags[flag] !== undefined) {
      throw new UsageError(`--${flag} applies to \`metrics query <name>\` only`);
    }
  }
  const range = timeRange(flags);
  const ctx = await commandContext(flags, io);
  const params: Params = [["from", range.from], ["to", range.to]];
  for (const s of listFlag(flags, "service")) params.push(["service", s]);
  const answer = await ctx.client.get<{ metrics: MetricInfo[]; truncated: boolean }>(
    "/metrics",
    params,
  );
  if (answer.truncated) io.stderr("tracehouse: warning: the server cut the metric list\n");
  const columns: Column<MetricInfo>[] = [
    { header: "NAME", value: (m) => m.name },
    { header: "TYPE", value: (m) => m.type },
    { header: "UNIT", value: (m) => m.unit || "-" },
    { header: "SERVICES", value: (m) => m.services.join(",") },
    { header: "DESCRIPTION", value: (m) => m.description },
  ];
  printRows(answer.metrics, columns, ctx.format, io);
  return exitFor(ctx, answer.metrics.length);
}

async function queryMetric(name: string, flags: Flags, io: Io): Promise<number> {
  const range = timeRange(flags);
  const params: Params = [["name", name], ["from", range.from], ["to", range.to]];
  const agg = stringFlag(flags, "agg");
  if (agg !== undefined) {
    if (!AGGS.includes(agg)) {
      throw new UsageError(`Invalid --agg "${agg}": expected one of ${AGGS.join(", ")}`);
    }
    params.push(["agg", agg]);
  }
  const step = stringFlag(flags, "step");
  if (step !== undefined) {
    if (!/^\d+(s|m|h)?$/.test(step)) {
      throw new UsageError(`Invalid --step "${step}": expected seconds or 10s, 1m, 1h`);
    }
    params.push(["step", step]);
  }
  const groupBy = listFlag(flags, "group-by").flatMap((g) => g.split(",")).map((g) => g.trim());
  for (const key of groupBy) {
    if (!GROUP_BY_KEY.test(key)) {
      throw new UsageError(`Invalid --group-by "${key}": expected service or attr.<key>`);
    }
  }
  if (groupBy.length > 0) params.push(["groupBy", groupBy.join(",")]);
  const source = stringFlag(flags, "source");
  if (source !== undefined) {
    if (!["auto", "rollup", "raw"].includes(source)) {
      throw new UsageError(`Invalid --source "${source}": expected auto, rollup or raw`);
    }
    params.push(["source", source]);
  }
  for (const s of listFlag(flags, "service")) params.push(["service", s]);
  params.push(...attrParams(flags));
  const ctx = await commandContext(flags, io);
  const answer = await ctx.client.get<MetricSeries>("/metrics/query", params);
  if (answer.truncated) io.stderr("tracehouse: warning: the server cut the series\n");
  if (ctx.format === "json") {
    io.stdout(JSON.stringify(answer, null, 2) + "\n");
    return exitFor(ctx, answer.series.length);
  }
  // The first column holds the bucket times, which are never null.
  const [times, ...values] = answer.data as [number[], ...(number | null)[][]];
  const labels = answer.series.map((s) =>
    Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(",") || answer.name
  );
  if (ctx.format === "ndjson") {
    times.forEach((t, i) => {
      answer.series.forEach((s, j) => {
        const value = values[j][i];
        if (value === null) return;
        io.stdout(
          JSON.stringify({ time: new Date(t * 1000).toISOString(), labels: s.labels, value }) +
            "\n",
        );
      });
    });
    return exitFor(ctx, answer.series.length);
  }
  // A bucket row: its time and one value per series.
  const rows = times.map((t, i) => ({ t, values: values.map((v) => v[i]) }));
  const columns: Column<typeof rows[number]>[] = [
    {
      header: "TIME",
      value: (r) => formatTime(new Date(r.t * 1000).toISOString(), ctx.local),
    },
    ...labels.map((label, j): Column<typeof rows[number]> => ({
      header: label,
      value: (r) => r.values[j] === null ? "" : formatValue(r.values[j] as number),
      align: "right",
    })),
  ];
  if (ctx.format === "table") {
    io.stdout(
      `${answer.name} ${answer.agg}${
        answer.unit ? ` (${answer.unit})` : ""
      }, step ${answer.step}s, ${answer.source}\n`,
    );
  }
  printRows(answer.series.length ? rows : [], columns, ctx.format, io);
  return exitFor(ctx, answer.series.length);
}

/** A value with at most 4 significant decimals. */
function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}
