/**
 * `tracehouse traces`: trace search, newest first, following the API's cursors.
 *
 * @module
 */
import {
  attrParams,
  COMMON_FLAGS,
  durationFlag,
  listFlag,
  stringFlag,
  TIME_FLAGS,
  timeRange,
} from "../args.ts";
import type { Params } from "../client.ts";
import type { Command } from "../command.ts";
import { commandContext, exitFor, PAGING_FLAGS, pagingOf } from "../context.ts";
import { UsageError } from "../errors.ts";
import { formatDuration, formatTime } from "../format.ts";
import { type Column, printRows } from "../output.ts";
// The API answers with this shape as it is (`routes/api/traces.ts`).
import type { TraceSummary } from "../../sql/traces.ts";

const STATUSES = ["ok", "error", "unset"];

/** Flags shared by `traces` and `logs`: service and attribute filters. */
export const FILTER_FLAGS = {
  service: {
    type: "string" as const,
    short: "s",
    multiple: true,
    value: "<name>",
    description: "only this service (repeatable)",
  },
  attr: {
    type: "string" as const,
    multiple: true,
    value: "<key=value>",
    description: "attribute equals value (repeatable)",
  },
};

/** `traces` command. */
export const tracesCommand: Command = {
  name: "traces",
  summary: "search traces by service, operation, status, duration and attributes",
  usage: "traces [flags]",
  flags: {
    ...FILTER_FLAGS,
    operation: { type: "string", value: "<span name>", description: "exact span name" },
    status: { type: "string", value: "ok|error|unset", description: "span status" },
    "min-duration": {
      type: "string",
      value: "<duration>",
      description: "a span at least this long, e.g. 500ms",
    },
    "max-duration": {
      type: "string",
      value: "<duration>",
      description: "a span at most this long",
    },
    ...TIME_FLAGS,
    ...PAGING_FLAGS,
    ...COMMON_FLAGS,
  },
  examples: [
    "tracehouse traces --service checkout --status error --since 15m",
    "tracehouse traces --min-duration 500ms --attr http.route=/orders --limit 20",
    "tracehouse traces --from 2026-12-01T10:00:00Z --to 2026-12-01T11:00:00Z -o ndjson",
  ],
  async run(flags, _positionals, io) {
    const range = timeRange(flags);
    const { limit, pageSize } = pagingOf(flags, 100);
    const params: Params = [["from", range.from], ["to", range.to]];
    for (const s of listFlag(flags, "service")) params.push(["service", s]);
    const operation = stringFlag(flags, "operation");
    if (operation !== undefined) params.push(["spanName", operation]);
    const status = stringFlag(flags, "status");
    if (status !== undefined) {
      if (!STATUSES.includes(status)) {
        throw new UsageError(
          `Invalid --status "${status}": expected one of ${STATUSES.join(", ")}`,
        );
      }
      params.push(["status", status]);
    }
    for (const flag of ["min-duration", "max-duration"]) {
      const ms = durationFlag(flags, flag);
      if (ms !== undefined) {
        params.push([flag === "min-duration" ? "minDuration" : "maxDuration", nsText(ms)]);
      }
    }
    params.push(...attrParams(flags));
    const ctx = await commandContext(flags, io);
    const traces: TraceSummary[] = [];
    for await (
      const t of ctx.client.list<TraceSummary>("/traces", "traces", params, limit, { pageSize })
    ) {
      traces.push(t);
    }
    const columns: Column<TraceSummary>[] = [
      { header: "START", value: (t) => formatTime(t.start, ctx.local) },
      { header: "TRACE ID", value: (t) => t.traceId },
      { header: "DURATION", value: (t) => formatDuration(t.durationNs), align: "right" },
      { header: "SPANS", value: (t) => String(t.spanCount), align: "right" },
      {
        header: "ERRORS",
        value: (t) => String(t.errorCount),
        align: "right",
        style: (t, cell, c) => t.errorCount > 0 ? c.red(cell) : cell,
      },
      {
        header: "ROOT",
        value: (t) => `${t.rootService || "?"}: ${t.rootSpan || "(root missing)"}`,
      },
    ];
    printRows(traces, columns, ctx.format, io);
    return exitFor(ctx, traces.length);
  },
};

/** Milliseconds as whole nanoseconds in text (the API's duration form). */
function nsText(ms: number): string {
  return String(Math.round(ms * 1_000_000));
}
