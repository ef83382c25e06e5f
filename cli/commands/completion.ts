/**
 * `tracehouse completion bash|zsh`: a completion script for the shell,
 * generated from the command table so it always knows every flag.
 *
 * @module
 */
import type { Command } from "../command.ts";
import { EXIT, UsageError } from "../errors.ts";

/** `completion` command; the command list comes in lazily to avoid an import cycle. */
export const completionCommand: Command = {
  name: "completion",
  summary: "print a bash or zsh completion script",
  usage: "completion bash|zsh",
  description: "Prints a shell completion script for the commands and their flags.",
  flags: { help: { type: "boolean", short: "h", description: "show this help" } },
  examples: [
    "source <(tracehouse completion bash)            # in ~/.bashrc",
    "tracehouse completion zsh > ~/.zfunc/_tracehouse  # with fpath+=~/.zfunc in ~/.zshrc",
  ],
  async run(_flags, positionals, io) {
    const shell = positionals[0];
    if (positionals.length !== 1 || (shell !== "bash" && shell !== "zsh")) {
      throw new UsageError("completion takes one argument: bash or zsh");
    }
    const { COMMANDS } = await import("../mod.ts");
    const commands = [...COMMANDS.values()];
    io.stdout(shell === "bash" ? bashScript(commands) : zshScript(commands));
    return EXIT.ok;
  },
};

function flagWords(command: Command): string[] {
  return Object.entries(command.flags).flatMap(([name, spec]) =>
    spec.short ? [`--${name}`, `-${spec.short}`] : [`--${name}`]
  );
}

/** A bash script: completes the command, then its flags and known flag values. */
export function bashScript(commands: readonly Command[]): string {
  const cases = commands.map((c) => `    ${c.name}) flags="${flagWords(c).join(" ")}" ;;`).join(
    "\n",
  );
  return `# bash completion for tracehouse (tracehouse completion bash)
_tracehouse() {
  local cur prev cmd flags
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${
    commands.map((c) => c.name).join(" ")
  } serve migrate version" -- "$cur") )
    return
  fi
  case "$prev" in
    --output|-o) COMPREPLY=( $(compgen -W "table json ndjson csv" -- "$cur") ); return ;;
    --status) COMPREPLY=( $(compgen -W "ok error unset" -- "$cur") ); return ;;
    --severity) COMPREPLY=( $(compgen -W "trace debug info warn error fatal" -- "$cur") ); return ;;
    --agg) COMPREPLY=( $(compgen -W "avg sum min max count rate p50 p90 p95 p99" -- "$cur") ); return ;;
    --token-file|--to-dir) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  case "$cmd" in
${cases}
    completion) flags="bash zsh" ;;
    *) flags="" ;;
  esac
  COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
}
complete -F _tracehouse tracehouse
`;
}

/** A zsh script (`#compdef`): commands with summaries, then each command's flags. */
export function zshScript(commands: readonly Command[]): string {
  const quote = (text: string) => text.replaceAll("'", "'\\''").replaceAll(":", "\\:");
  const list = commands.map((c) => `    '${c.name}:${quote(c.summary)}'`).join("\n");
  const cases = commands.map((c) => {
    const specs = Object.entries(c.flags).map(([name, spec]) => {
      const text = quote(spec.description.replaceAll("[", "(").replaceAll("]", ")"));
      const value = spec.type === "string" ? `:${quote(spec.value ?? "value")}:` : "";
      const repeat = spec.multiple ? "*" : "";
      return `        '${repeat}--${name}[${text}]${value}'`;
    });
    return `    ${c.name})\n      _arguments \\\n${
      specs.join(" \\\n")
    } \\\n        '*:argument:' ;;`;
  }).join("\n");
  return `#compdef tracehouse
# zsh completion for tracehouse (tracehouse completion zsh)
_tracehouse() {
  local -a commands
  commands=(
${list}
    'serve:receive OTLP, serve the dashboard and the JSON API'
    'migrate:apply schema migrations, then exit'
    'version:print the version'
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "$words[2]" in
${cases}
  esac
}
_tracehouse "$@"
`;
}
