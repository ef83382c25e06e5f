/**
 * `tracehouse services`: the services table — rate, error rate, p50/p95/p99.
 *
 * @module
 */
import { COMMON_FLAGS, TIME_FLAGS, timeRange } from "../args.ts";
import type { Command } from "../command.ts";
import { commandContext, exitFor } from "../context.ts";
import { formatDuration, formatTime } from "../format.ts";
import { type Column, printRows } from "../output.ts";
import type { ServiceSummary as Service } from "../../sql/services.ts";

/** `services` command. */
export const servicesCommand: Command = {
  name: "services",
  summary: "services with request rate, error rate and latency percentiles",
  usage: "services [flags]",
  flags: { ...TIME_FLAGS, ...COMMON_FLAGS },
  examples: [
    "tracehouse services",
    "tracehouse services --since 24h --output csv > services.csv",
    "tracehouse services --url https://tracehouse.example.com --token-file ~/.tracehouse-token",
  ],
  async run(flags, _positionals, io) {
    const range = timeRange(flags);
    const ctx = await commandContext(flags, io);
    const answer = await ctx.client.get<{ services: Service[]; truncated: boolean }>(
      "/services",
      [["from", range.from], ["to", range.to]],
    );
    if (answer.truncated) io.stderr("tracehouse: warning: the server cut the service list\n");
    const seconds = Math.max(1, (Date.parse(range.to) - Date.parse(range.from)) / 1000);
    const columns: Column<Service>[] = [
      { header: "SERVICE", value: (s) => s.name },
      { header: "RATE/S", value: (s) => (s.spanCount / seconds).toFixed(2), align: "right" },
      {
        header: "ERRORS",
        value: (s) => `${(s.errorRate * 100).toFixed(1)}%`,
        align: "right",
        style: (s, cell, c) => s.errorCount > 0 ? c.red(cell) : cell,
      },
      { header: "P50", value: (s) => formatDuration(s.p50Ns), align: "right" },
      { header: "P95", value: (s) => formatDuration(s.p95Ns), align: "right" },
      { header: "P99", value: (s) => formatDuration(s.p99Ns), align: "right" },
      { header: "SPANS", value: (s) => String(s.spanCount), align: "right" },
      { header: "OPS", value: (s) => String(s.operations), align: "right" },
      {
        header: "LAST SEEN",
        value: (s) => s.lastSeen === null ? "-" : formatTime(s.lastSeen, ctx.local),
      },
    ];
    printRows(answer.services, columns, ctx.format, io);
    return exitFor(ctx, answer.services.length);
  },
};
