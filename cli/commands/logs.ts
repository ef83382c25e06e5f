/**
 * `tracehouse logs`: log search with the trace filters plus severity and a
 * body substring; `--follow` keeps polling and prints new records as they
 * arrive.
 *
 * @module
 */
import {
  attrParams,
  COMMON_FLAGS,
  durationFlag,
  type Flags,
  listFlag,
  stringFlag,
  TIME_FLAGS,
  timeRange,
} from "../args.ts";
import type { Params } from "../client.ts";
import type { Command } from "../command.ts";
import {
  type CommandContext,
  commandContext,
  exitFor,
  PAGING_FLAGS,
  pagingOf,
} from "../context.ts";
import { EXIT, UsageError } from "../errors.ts";
import { formatTime } from "../format.ts";
import { type Column, csvLines, type Io, printRows, tableLines } from "../output.ts";
import { rfc3339Ns } from "../waterfall.ts";
import type { LogRecord } from "../../sql/logs.ts";
import { toRfc3339 } from "../../sql/time_range.ts";
import { FILTER_FLAGS } from "./traces.ts";

const SEVERITIES = ["trace", "debug", "info", "warn", "error", "fatal"];

/** How far back each poll of `--follow` looks again, for records that arrive late. */
const FOLLOW_OVERLAP_MS = 10_000;

/** `logs` command. */
export const logsCommand: Command = {
  name: "logs",
  summary: "search logs; --follow tails new ones",
  usage: "logs [flags]",
  flags: {
    ...FILTER_FLAGS,
    severity: {
      type: "string",
      value: "<level>",
      description: "at least this severity: trace debug info warn error fatal or 1-24",
    },
    grep: { type: "string", short: "g", value: "<text>", description: "body contains (any case)" },
    "trace-id": { type: "string", value: "<id>", description: "only logs of this trace" },
    follow: { type: "boolean", short: "f", description: "keep printing new logs until Ctrl-C" },
    interval: {
      type: "string",
      value: "<duration>",
      description: "with --follow: time between polls [1s]",
    },
    ...TIME_FLAGS,
    ...PAGING_FLAGS,
    ...COMMON_FLAGS,
  },
  examples: [
    "tracehouse logs --service checkout --severity error --since 30m",
    'tracehouse logs --grep "card declined" -o ndjson | jq .traceId',
    "tracehouse logs --follow --service checkout",
  ],
  async run(flags, _positionals, io) {
    const params = filterParams(flags);
    if (flags.follow === true) return await follow(flags, params, io);
    const range = timeRange(flags);
    const { limit, pageSize } = pagingOf(flags, 100);
    const ctx = await commandContext(flags, io);
    const logs: LogRecord[] = [];
    for await (
      const record of ctx.client.list<LogRecord>(
        "/logs",
        "logs",
        [
          ["from", range.from],
          ["to", range.to],
          ...params,
        ],
        limit,
        { pageSize },
      )
    ) {
      logs.push(record);
    }
    printRows(logs, columns(ctx), ctx.format, io);
    return exitFor(ctx, logs.length);
  },
};

/** The filter parameters of `logs` (everything but time and paging). */
function filterParams(flags: Flags): Params {
  const params: Params = [];
  for (const s of listFlag(flags, "service")) params.push(["service", s]);
  const severity = stringFlag(flags, "severity");
  if (severity !== undefined) {
    const n = Number(severity);
    if (
      !SEVERITIES.includes(severity.toLowerCase()) && !(/^\d+$/.test(severity) && n >= 1 && n <= 24)
    ) {
      throw new UsageError(
        `Invalid --severity "${severity}": expected ${SEVERITIES.join(", ")} or a number 1-24`,
      );
    }
    params.push(["severity", severity.toLowerCase()]);
  }
  const grep = stringFlag(flags, "grep");
  if (grep !== undefined) params.push(["q", grep]);
  const traceId = stringFlag(flags, "trace-id");
  if (traceId !== undefined) {
    if (!/^[0-9a-fA-F]{32}$/.test(traceId)) {
      throw new UsageError(`Invalid --trace-id "${traceId}": expected 32 hexadecimal digits`);
    }
    params.push(["traceId", traceId.toLowerCase()]);
  }
  params.push(...attrParams(flags));
  return params;
}

function columns(ctx: CommandContext): Column<LogRecord>[] {
  return [
    { header: "TIME", value: (l) => formatTime(l.time, ctx.local) },
    {
      header: "SEVERITY",
      value: (l) => l.severityText || String(l.severityNumber),
      style: (l, cell, c) =>
        l.severityNumber >= 17 ? c.red(cell) : l.severityNumber >= 13 ? c.yellow(cell) : cell,
    },
    { header: "SERVICE", value: (l) => l.service },
    { header: "TRACE ID", value: (l) => l.traceId || "-" },
    { header: "BODY", value: (l) => l.body.replaceAll("\n", "\\n") },
  ];
}

/** A record's identity for the follow loop's de-duplication across overlapping polls. */
function keyOf(l: LogRecord): string {
  return `${l.time}\u0000${l.service}\u0000${l.traceId}\u0000${l.spanId}\u0000${l.body}`;
}

/**
 * Polls oldest-first from the start (`--since`, default now) and prints each record once.
 * Each poll looks {@linkcode FOLLOW_OVERLAP_MS} back again, because a record can arrive after
 * a poll covered its timestamp; records already printed are remembered for that long.
 */
async function follow(flags: Flags, params: Params, io: Io): Promise<number> {
  if (stringFlag(flags, "to") !== undefined) throw new UsageError("--follow has no end: drop --to");
  const intervalMs = durationFlag(flags, "interval") ?? 1000;
  if (intervalMs < 100 || intervalMs > 3_600_000) {
    throw new UsageError("Invalid --interval: expected 100ms to 1h");
  }
  const { pageSize } = pagingOf(flags, 100);
  const ctx = await commandContext(flags, io);
  if (ctx.format === "json") {
    throw new UsageError("--follow prints one record per line: use --output ndjson, csv or table");
  }
  const hasStart = stringFlag(flags, "since") !== undefined ||
    stringFlag(flags, "from") !== undefined;
  let fromNs = hasStart ? rfc3339Ns(timeRange(flags).from) : BigInt(Date.now()) * 1_000_000n;
  const seen = new Map<string, bigint>();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const cols = columns(ctx);
  let printedHeader = false;
  try {
    while (!stop.signal.aborted) {
      const toNs = BigInt(Date.now()) * 1_000_000n;
      const batch: LogRecord[] = [];
      if (toNs > fromNs) {
        const walk = ctx.client.list<LogRecord>(
          "/logs",
          "logs",
          [
            ["from", toRfc3339(fromNs)],
            ["to", toRfc3339(toNs)],
            ["order", "asc"],
            ...params,
          ],
          Infinity,
          { pageSize, signal: stop.signal },
        );
        for await (const record of walk) {
          const key = keyOf(record);
          if (seen.has(key)) continue;
          seen.set(key, rfc3339Ns(record.time));
          batch.push(record);
        }
      }
      if (batch.length > 0) {
        if (ctx.format === "ndjson") {
          for (const r of batch) io.stdout(JSON.stringify(r) + "\n");
        } else {
          const lines = ctx.format === "csv" ? csvLines(batch, cols) : tableLines(batch, cols, io);
          io.stdout((printedHeader ? lines.slice(1) : lines).join("\n") + "\n");
          printedHeader = true;
        }
      }
      const windowStart = toNs - BigInt(FOLLOW_OVERLAP_MS) * 1_000_000n;
      if (windowStart > fromNs) fromNs = windowStart;
      for (const [key, ns] of seen) if (ns < fromNs) seen.delete(key);
      await sleep(intervalMs, stop.signal);
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
  return EXIT.ok;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
