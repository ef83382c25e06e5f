/**
 * The CLI's entry: the command table, dispatch, and the mapping of failures
 * to exit codes (0 ok, 1 no results with `--fail-empty`, 2 usage, 3 server
 * or auth error). `main.ts` hands every command named here to {@linkcode runCli}.
 *
 * @example
 * ```ts ignore
 * import { runCli, terminalIo } from "./cli/mod.ts";
 * Deno.exitCode = await runCli(["services", "--since", "1h"], terminalIo());
 * ```
 *
 * @module
 */
import { type Command, runCommand } from "./command.ts";
import { archiveCommand } from "./commands/archive.ts";
import { completionCommand } from "./commands/completion.ts";
import { errorsCommand } from "./commands/errors.ts";
import { logsCommand } from "./commands/logs.ts";
import { metricsCommand } from "./commands/metrics.ts";
import { servicesCommand } from "./commands/services.ts";
import { traceCommand } from "./commands/trace.ts";
import { tracesCommand } from "./commands/traces.ts";
import { EXIT, ServerError, UsageError } from "./errors.ts";
import { palette } from "./format.ts";
import type { Io } from "./output.ts";

/** Every CLI command, by name, in help order. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [
    servicesCommand,
    tracesCommand,
    traceCommand,
    logsCommand,
    metricsCommand,
    errorsCommand,
    archiveCommand,
    completionCommand,
  ].map((c) => [c.name, c]),
);

/** The CLI part of `tracehouse --help`. */
export function commandsHelp(): string {
  return [...COMMANDS.values()].map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n");
}

/**
 * Whether to colour: only on a terminal, and never with `NO_COLOR` set to anything but ""
 * (https://no-color.org).
 *
 * @example
 * ```ts
 * import { coloursEnabled } from "./mod.ts";
 * console.assert(coloursEnabled(true, {}) && !coloursEnabled(true, { NO_COLOR: "1" }));
 * console.assert(!coloursEnabled(false, {}));
 * ```
 */
export function coloursEnabled(tty: boolean, env: Record<string, string | undefined>): boolean {
  return tty && !env.NO_COLOR;
}

/** Io for a real terminal: colours only when stdout is a TTY and `NO_COLOR` is unset. */
export function terminalIo(stores?: Io["stores"]): Io {
  const encoder = new TextEncoder();
  const tty = Deno.stdout.isTerminal();
  const env = Deno.env.toObject();
  let width = 120;
  if (tty) {
    try {
      width = Deno.consoleSize().columns;
    } catch { /* keep the default */ }
  }
  return {
    stdout: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    stderr: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    colours: palette(coloursEnabled(tty, env)),
    width,
    env,
    stores,
  };
}

function writeAll(target: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += target.writeSync(bytes.subarray(offset));
}

/** Runs `argv` (`<command> [flags]`) and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const command = COMMANDS.get(name);
  if (!command) {
    io.stderr(`tracehouse: unknown command "${name}". Run with --help to see the commands.\n`);
    return EXIT.usage;
  }
  try {
    return await runCommand(command, rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `tracehouse ${name}: ${error.message}\nRun \`tracehouse ${name} --help\` for usage.\n`,
      );
      return EXIT.usage;
    }
    if (error instanceof ServerError) {
      io.stderr(`tracehouse ${name}: ${error.message}\n`);
      return EXIT.server;
    }
    throw error;
  }
}
