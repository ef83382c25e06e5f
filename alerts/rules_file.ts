/**
 * Loads the alerts file (YAML): parses it keeping positions, validates it with the zod schema of
 * `rule_schema.ts`, and reports every problem with its line, column and field path. Applies the
 * file's defaults, so the rest of `alerts/` sees complete rules.
 *
 * @module
 */
import { isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import {
  type AlertsFile,
  alertsFileSchema,
  type ReceiverSpec,
  type RuleSpec,
  type SilenceSpec,
} from "./rule_schema.ts";

/** One problem found in the file. */
export interface RulesFileIssue {
  line: number;
  column: number;
  /** Field path as written, e.g. `rules[2].threshold`; empty for syntax errors. */
  path: string;
  message: string;
}

/** Thrown for a file that cannot be read, parsed or validated; the message lists every issue. */
export class RulesFileError extends Error {
  readonly file: string;
  readonly issues: RulesFileIssue[];
  constructor(file: string, issues: RulesFileIssue[]) {
    const lines = issues.map((i) =>
      `  ${file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ""}${i.message}`
    );
    super(`Invalid alerts file ${file}:\n${lines.join("\n")}`);
    this.name = "RulesFileError";
    this.file = file;
    this.issues = issues;
  }
}

/** A rule with the file's defaults applied. */
export interface Rule {
  /** The rule's name, unique in the file; the key of its stored state. */
  name: string;
  spec: RuleSpec;
  intervalMs: number;
  forMs: number;
  noData: "ok" | "alert" | "keep";
  receivers: string[];
}

/** A receiver with its HMAC secret resolved from the environment. */
export interface Receiver extends ReceiverSpec {
  secretValue?: string;
}

/** The loaded file. */
export interface AlertsConfig {
  rules: Rule[];
  receivers: Map<string, Receiver>;
  silences: SilenceSpec[];
}

/** Default evaluation interval. */
export const DEFAULT_INTERVAL_MS = 60_000;
/** Largest alerts file read. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)
    .join("");
}

/**
 * Parses and validates the text of an alerts file; `file` names it in errors. `env` resolves
 * receivers' `secret_env`.
 *
 * @example
 * ```ts
 * import { parseAlertsFile } from "./rules_file.ts";
 * const config = parseAlertsFile(
 *   "rules:\n  - name: errors\n    kind: log_count\n    severity: error\n    window: 5m\n    comparison: '>'\n    threshold: 10\n",
 *   "alerts.yaml",
 * );
 * console.assert(config.rules[0].intervalMs === 60_000);
 * ```
 */
export function parseAlertsFile(
  text: string,
  file: string,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): AlertsConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new RulesFileError(
      file,
      doc.errors.map((e) => ({
        line: e.linePos?.[0].line ?? 1,
        column: e.linePos?.[0].col ?? 1,
        path: "",
        message: e.message.split("\n")[0],
      })),
    );
  }
  const position = (path: readonly PropertyKey[]) => {
    // The deepest node that exists: a missing field is reported where its parent is.
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return { line: 1, column: 1 };
  };
  const result = alertsFileSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    throw new RulesFileError(file, issuesOf(result.error, position));
  }
  return resolve(result.data, file, position, env);
}

function issuesOf(
  error: z.ZodError,
  position: (path: readonly PropertyKey[]) => { line: number; column: number },
): RulesFileIssue[] {
  return error.issues.map((issue) => {
    // Unknown keys are reported on the object; point at the key itself.
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = keys.length ? [...issue.path, keys[0]] : issue.path;
    const message = keys.length
      ? "unknown field (the fields of each section are listed in docs/alerts.md)"
      : issue.code === "invalid_type" && /received undefined$/.test(issue.message)
      ? "required field is missing"
      : issue.message;
    return { ...position(path), path: pathText(path), message };
  }).sort((a, b) => a.line - b.line || a.column - b.column);
}

function resolve(
  file: AlertsFile,
  name: string,
  position: (path: readonly PropertyKey[]) => { line: number; column: number },
  env: (name: string) => string | undefined,
): AlertsConfig {
  const issues: RulesFileIssue[] = [];
  const receivers = new Map<string, Receiver>();
  file.receivers?.forEach((spec, i) => {
    const receiver: Receiver = { ...spec, secretValue: spec.secret };
    if (spec.secret_env !== undefined) {
      const value = env(spec.secret_env);
      if (!value || value.length < 16) {
        const path = ["receivers", i, "secret_env"];
        issues.push({
          ...position(path),
          path: pathText(path),
          message:
            `environment variable ${spec.secret_env} is not set or shorter than 16 characters`,
        });
      }
      receiver.secretValue = value;
    }
    receivers.set(spec.name, receiver);
  });
  if (issues.length) throw new RulesFileError(name, issues);
  const allReceivers = [...receivers.keys()];
  return {
    rules: file.rules.map((spec) => ({
      name: spec.name,
      spec,
      intervalMs: spec.interval ?? file.defaults?.interval ?? DEFAULT_INTERVAL_MS,
      forMs: spec.for ?? file.defaults?.for ?? 0,
      noData: spec.no_data ?? file.defaults?.no_data ?? "ok",
      receivers: spec.receivers ?? file.defaults?.receivers ?? allReceivers,
    })),
    receivers,
    silences: file.silences ?? [],
  };
}

/** Reads and parses an alerts file; a missing or unreadable file is a {@linkcode RulesFileError}. */
export async function loadAlertsFile(
  path: string,
  env?: (name: string) => string | undefined,
): Promise<AlertsConfig> {
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (info.size > MAX_FILE_BYTES) {
      throw new RulesFileError(path, [{
        line: 1,
        column: 1,
        path: "",
        message: `larger than ${MAX_FILE_BYTES} bytes`,
      }]);
    }
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof RulesFileError) throw error;
    throw new RulesFileError(path, [{
      line: 1,
      column: 1,
      path: "",
      message: `cannot read the file: ${(error as Error).message}`,
    }]);
  }
  return parseAlertsFile(text, path, env);
}
