/**
 * The shape of a CLI command and its `--help` text, generated from the same
 * flag list the parser uses so the two never disagree.
 *
 * @module
 */
import { type Flags, type FlagSpec, parseFlags } from "./args.ts";
import type { Io } from "./output.ts";

/** One CLI command: its flags, help and the function that runs it. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line after `tracehouse `, e.g. `traces [flags]`. */
  usage: string;
  /** Longer description for `--help` (optional). */
  description?: string;
  flags: Record<string, FlagSpec>;
  examples: string[];
  /** Runs with parsed flags and positionals; returns the exit code. */
  run(flags: Flags, positionals: string[], io: Io): Promise<number>;
}

/** The `--help` text of `command`. */
export function helpText(command: Command): string {
  const flagLines = Object.entries(command.flags).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    const left = `${short}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    return `  ${left.padEnd(36)} ${spec.description}`;
  });
  return [
    `Usage: tracehouse ${command.usage}`,
    "",
    command.description ?? command.summary,
    "",
    "Flags:",
    ...flagLines,
    "",
    "Examples:",
    ...command.examples.map((e) => `  ${e}`),
    "",
    "Exit codes: 0 ok, 1 no results with --fail-empty, 2 usage error, 3 server or auth error.",
    "",
  ].join("\n");
}

/** Parses `argv` for `command`, printing help instead when `--help` is given. */
export async function runCommand(
  command: Command,
  argv: readonly string[],
  io: Io,
): Promise<number> {
  const { flags, positionals } = parseFlags(argv, command.flags);
  if (flags.help === true) {
    io.stdout(helpText(command));
    return 0;
  }
  return await command.run(flags, positionals, io);
}
