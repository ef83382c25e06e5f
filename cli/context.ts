/**
 * What every API command needs from its flags: a client, the output format,
 * the time zone choice, and the exit code for an empty answer.
 *
 * @module
 */
import { type Flags, intFlag } from "./args.ts";
import { ApiClient, PAGE_SIZE } from "./client.ts";
import { EXIT } from "./errors.ts";
import { type Format, type Io, parseFormat } from "./output.ts";

/** The resolved common flags of an API command. */
export interface CommandContext {
  client: ApiClient;
  format: Format;
  local: boolean;
  failEmpty: boolean;
  io: Io;
}

/** Resolves the common flags (`--url`, `--token-file`, `--output`, `--local`, `--fail-empty`). */
export async function commandContext(flags: Flags, io: Io): Promise<CommandContext> {
  const format = parseFormat(typeof flags.output === "string" ? flags.output : undefined);
  return {
    client: await ApiClient.fromFlags(flags, io.env),
    format,
    local: flags.local === true,
    failEmpty: flags["fail-empty"] === true,
    io,
  };
}

/** The exit code after printing `count` results; notes on stderr when they came from the archive. */
export function exitFor(ctx: CommandContext, count: number): number {
  if (ctx.client.source !== null) ctx.io.stderr(`tracehouse: read from the ${ctx.client.source}\n`);
  if (count === 0 && ctx.failEmpty) {
    ctx.io.stderr("tracehouse: no results\n");
    return EXIT.empty;
  }
  return EXIT.ok;
}

/** `--limit` (rows in all, across pages) and `--page-size` (rows per API request). */
export function pagingOf(flags: Flags, fallbackLimit: number): { limit: number; pageSize: number } {
  return {
    limit: intFlag(flags, "limit", { min: 1, max: 1_000_000, fallback: fallbackLimit }),
    pageSize: intFlag(flags, "page-size", { min: 1, max: 100_000, fallback: PAGE_SIZE }),
  };
}

/** `--limit` and `--page-size` flag specs. */
export const PAGING_FLAGS = {
  limit: {
    type: "string" as const,
    short: "n",
    value: "<rows>",
    description: "rows to print in all, across pages [100]",
  },
  "page-size": {
    type: "string" as const,
    value: "<rows>",
    description: "rows per API request; more are fetched by cursor [1000]",
  },
};
