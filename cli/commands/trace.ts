/**
 * `tracehouse trace <trace-id>`: one trace as a waterfall, or its JSON.
 *
 * @module
 */
import { COMMON_FLAGS } from "../args.ts";
import type { Command } from "../command.ts";
import { commandContext, exitFor } from "../context.ts";
import { EXIT, ServerError, UsageError } from "../errors.ts";
import { formatDuration, formatTime } from "../format.ts";
import { type Column, printRows } from "../output.ts";
import { renderWaterfall } from "../waterfall.ts";
import type { Trace as TraceAnswer } from "../../sql/traces.ts";

/** `trace` command. */
export const traceCommand: Command = {
  name: "trace",
  summary: "one trace as a waterfall in the terminal",
  usage: "trace <trace-id> [flags]",
  description: "One trace as a waterfall: the span tree, bars scaled to the terminal width, " +
    "durations, errors marked with ✗. --output json prints the API's answer; ndjson and csv " +
    "print one span per row.",
  flags: {
    logs: { type: "boolean", description: "interleave the trace's logs under their spans" },
    width: { type: "string", value: "<columns>", description: "width of the waterfall [terminal]" },
    ...COMMON_FLAGS,
  },
  examples: [
    "tracehouse trace 5b8efff798038103d269b633813fc60c   # exit 1 when unknown",
    "tracehouse trace 5b8efff798038103d269b633813fc60c --logs",
    "tracehouse trace 5b8efff798038103d269b633813fc60c -o json | jq '.spans | length'",
  ],
  async run(flags, positionals, io) {
    if (positionals.length !== 1) {
      throw new UsageError("trace takes one argument: the trace id (32 hexadecimal digits)");
    }
    const traceId = positionals[0];
    if (!/^[0-9a-fA-F]{32}$/.test(traceId)) {
      throw new UsageError(`Invalid trace id "${traceId}": expected 32 hexadecimal digits`);
    }
    let width = io.width;
    if (typeof flags.width === "string") {
      width = Number(flags.width);
      if (!/^\d+$/.test(flags.width) || width < 40 || width > 1000) {
        throw new UsageError(`Invalid --width "${flags.width}": expected 40 to 1000 columns`);
      }
    }
    const ctx = await commandContext(flags, io);
    let answer: TraceAnswer;
    try {
      answer = await ctx.client.get<TraceAnswer>(
        `/traces/${traceId.toLowerCase()}`,
        flags.logs === true ? [["logs", "1"]] : [],
      );
    } catch (error) {
      // An unknown trace is "no results", not a server failure.
      if (error instanceof ServerError && error.status === 404) {
        io.stderr(`tracehouse: trace ${traceId} not found\n`);
        return EXIT.empty;
      }
      throw error;
    }
    if (answer.truncated) io.stderr("tracehouse: warning: the trace has more spans than shown\n");
    if (ctx.format === "json") {
      io.stdout(JSON.stringify(answer, null, 2) + "\n");
      return exitFor(ctx, 1);
    }
    if (ctx.format !== "table") {
      const columns: Column<TraceAnswer["spans"][number]>[] = [
        { header: "start", value: (s) => s.start },
        { header: "spanId", value: (s) => s.spanId },
        { header: "parentSpanId", value: (s) => s.parentSpanId },
        { header: "service", value: (s) => s.service },
        { header: "name", value: (s) => s.name },
        { header: "kind", value: (s) => s.kind },
        { header: "durationNs", value: (s) => String(s.durationNs) },
        { header: "statusCode", value: (s) => s.statusCode },
      ];
      printRows(answer.spans, columns, ctx.format, io);
      return exitFor(ctx, 1);
    }
    const errors = answer.spans.filter((s) => /error/i.test(s.statusCode)).length;
    io.stdout(
      `trace ${answer.traceId}  ${formatTime(answer.start, ctx.local)}  ${
        formatDuration(answer.durationNs)
      }  ${answer.spans.length} spans  ${
        errors > 0 ? io.colours.red(`${errors} errors`) : "0 errors"
      }\n\n`,
    );
    const lines = renderWaterfall(answer.spans, {
      width,
      colours: io.colours,
      local: ctx.local,
      logs: answer.logs,
    });
    io.stdout(lines.join("\n") + "\n");
    return exitFor(ctx, 1);
  },
};
