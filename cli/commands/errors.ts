/**
 * `tracehouse errors`: error groups (errors sharing an `error.fingerprint`),
 * newest first with a sparkline; `errors <fingerprint>` one group with its
 * exception, services and latest occurrences. Over `GET /api/errors` and
 * `GET /api/errors/{fingerprint}` (docs/api.md).
 *
 * @module
 */
import { COMMON_FLAGS, type Flags, listFlag, TIME_FLAGS, timeRange } from "../args.ts";
import type { Params } from "../client.ts";
import type { Command } from "../command.ts";
import {
  type CommandContext,
  commandContext,
  exitFor,
  PAGING_FLAGS,
  pagingOf,
} from "../context.ts";
import { EXIT, ServerError, UsageError } from "../errors.ts";
import { formatTime } from "../format.ts";
import { type Column, printRows } from "../output.ts";
import { FILTER_FLAGS } from "./traces.ts";
// The API answers with these shapes as they are (`routes/api/errors.ts`).
import type { ErrorGroup, ErrorGroupDetail as ErrorDetail } from "../../sql/errors.ts";

const BARS = "▁▂▃▄▅▆▇█";

/**
 * Counts as a one-line bar chart, scaled to the largest.
 *
 * @example
 * ```ts
 * import { sparkline } from "./errors.ts";
 * console.assert(sparkline([0, 1, 2, 4]) === " ▂▄█");
 * ```
 */
export function sparkline(counts: readonly number[]): string {
  const max = Math.max(0, ...counts);
  return counts.map((n) =>
    n <= 0 || max === 0 ? " " : BARS[Math.min(7, Math.ceil((n / max) * 8) - 1)]
  ).join("");
}

/** `errors` command. */
export const errorsCommand: Command = {
  name: "errors",
  summary: "error groups by fingerprint; `errors <fingerprint>` for one",
  usage: "errors [<fingerprint>] [flags]",
  description: "Error groups (spans and error logs sharing an error.fingerprint), newest last " +
    "occurrence first, with counts and a sparkline over the range. With a fingerprint: the " +
    "group's exception and stack trace, counts per service and its latest occurrences.",
  flags: {
    service: FILTER_FLAGS.service,
    ...TIME_FLAGS,
    ...PAGING_FLAGS,
    ...COMMON_FLAGS,
  },
  examples: [
    "tracehouse errors --since 24h",
    "tracehouse errors --service checkout -o json | jq '.[0].fingerprint'",
    "tracehouse errors 3f2a9c0d1b7e4a55 --since 7d",
  ],
  async run(flags, positionals, io) {
    if (positionals.length > 1) throw new UsageError("errors takes at most one fingerprint");
    const fingerprint = positionals[0];
    if (fingerprint !== undefined && !/^[0-9a-f]{16}$/.test(fingerprint)) {
      throw new UsageError(`Invalid fingerprint "${fingerprint}": expected 16 hexadecimal digits`);
    }
    const range = timeRange(flags);
    const params: Params = [["from", range.from], ["to", range.to]];
    for (const s of listFlag(flags, "service")) params.push(["service", s]);
    const ctx = await commandContext(flags, io);
    try {
      return fingerprint === undefined
        ? await listGroups(ctx, flags, params)
        : await showGroup(ctx, fingerprint, params);
    } catch (error) {
      if (error instanceof ServerError && error.status === 404 && error.code === "not_found") {
        if (fingerprint !== undefined && !/No route/.test(error.message)) {
          io.stderr(`tracehouse: error group ${fingerprint} has no occurrence in the range\n`);
          return EXIT.empty;
        }
        throw new ServerError(
          `${ctx.client.baseUrl} has no error-groups API (/api/errors): it predates error groups`,
          404,
        );
      }
      throw error;
    }
  },
};

async function listGroups(ctx: CommandContext, flags: Flags, params: Params): Promise<number> {
  const { limit, pageSize } = pagingOf(flags, 100);
  const groups: ErrorGroup[] = [];
  for await (
    const g of ctx.client.list<ErrorGroup>("/errors", "groups", params, limit, { pageSize })
  ) {
    groups.push(g);
  }
  const columns: Column<ErrorGroup>[] = [
    { header: "LAST SEEN", value: (g) => formatTime(g.lastSeen, ctx.local) },
    { header: "FINGERPRINT", value: (g) => g.fingerprint },
    {
      header: "COUNT",
      value: (g) => String(g.count),
      align: "right",
      style: (_g, cell, c) => c.red(cell),
    },
    { header: "TREND", value: (g) => sparkline(g.sparkline ?? []) },
    { header: "SERVICES", value: (g) => g.services.join(",") },
    { header: "ERROR", value: (g) => `${g.type ? `${g.type}: ` : ""}${oneLine(g.message)}` },
  ];
  printRows(groups, columns, ctx.format, ctx.io);
  return exitFor(ctx, groups.length);
}

async function showGroup(
  ctx: CommandContext,
  fingerprint: string,
  params: Params,
): Promise<number> {
  const group = await ctx.client.get<ErrorDetail>(`/errors/${fingerprint}`, params);
  if (ctx.format === "json") {
    ctx.io.stdout(JSON.stringify(group, null, 2) + "\n");
    return exitFor(ctx, 1);
  }
  const columns: Column<ErrorDetail["occurrences"][number]>[] = [
    { header: "TIME", value: (o) => formatTime(o.time, ctx.local) },
    { header: "SOURCE", value: (o) => o.source },
    { header: "SERVICE", value: (o) => o.service },
    { header: "TRACE ID", value: (o) => o.traceId || "-" },
    { header: "NAME", value: (o) => o.name },
    { header: "MESSAGE", value: (o) => oneLine(o.message) },
  ];
  if (ctx.format !== "table") {
    printRows(group.occurrences, columns, ctx.format, ctx.io);
    return exitFor(ctx, 1);
  }
  const { colours } = ctx.io;
  const lines = [
    colours.bold(`${group.type || "error"}: ${oneLine(group.message)}`),
    `fingerprint ${group.fingerprint}  ${group.count} occurrences (${group.spanCount} spans, ${group.logCount} logs)`,
    `first seen ${formatTime(group.firstSeenEver, ctx.local)}, in range ${
      formatTime(group.firstSeen, ctx.local)
    } … ${formatTime(group.lastSeen, ctx.local)}`,
    `services: ${group.byService.map((s) => `${s.service} ${s.count}`).join(", ")}`,
    `sample trace: ${group.sample.traceId || "-"}`,
  ];
  if (group.exception?.stacktrace) {
    lines.push("", colours.dim(group.exception.stacktrace.trimEnd()));
  }
  ctx.io.stdout(lines.join("\n") + "\n\n");
  printRows(group.occurrences, columns, "table", ctx.io);
  return exitFor(ctx, 1);
}

function oneLine(text: string): string {
  return text.replaceAll(/\s*\n\s*/g, " ⏎ ");
}
