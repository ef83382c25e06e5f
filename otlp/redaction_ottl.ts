/**
 * The redaction rules of `redaction.ts` written as the OTTL statements of the collector's
 * `transform/redact` processor (`collector/config.yaml`), per OTTL context. The config holds
 * exactly these statements; `otlp/redaction_test.ts` compares them, so the two cannot drift.
 * To change a rule, change `redaction.ts`, then paste the output of
 *
 *   deno run otlp/redaction_ottl.ts
 *
 * into the config's `transform/redact` section.
 *
 * @module
 */
import {
  SECRET_KEY_PATTERNS,
  STATEMENT_KEYS,
  STATEMENT_RULES,
  VALUE_RULES,
  type ValueRule,
} from "./redaction.ts";

/** The OTTL contexts that redact, per pipeline. */
export const REDACT_CONTEXTS = {
  trace_statements: ["resource", "span", "spanevent"],
  log_statements: ["resource", "log"],
  metric_statements: ["resource", "datapoint"],
} as const;

/** One OTTL context of the processor. */
export type RedactContext = typeof REDACT_CONTEXTS[keyof typeof REDACT_CONTEXTS][number];

/**
 * A string literal as OTTL reads it from a plain YAML scalar in a collector config: `\` and `"`
 * escaped for OTTL, `$` doubled for the config's `${env:…}` expansion.
 */
function literal(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replaceAll("$", () => "$$")}"`;
}

function pattern(rule: ValueRule): string {
  return literal(`${rule.ignoreCase ? "(?i)" : ""}${rule.pattern}`);
}

/**
 * The statements of one context, in the order they run.
 *
 * @example
 * ```ts
 * import { ottlStatements } from "./redaction_ottl.ts";
 * console.assert(ottlStatements("span")[0].startsWith("delete_matching_keys(attributes, "));
 * ```
 */
export function ottlStatements(context: RedactContext): string[] {
  const out = SECRET_KEY_PATTERNS.map((p) =>
    `delete_matching_keys(attributes, ${literal(`(?i)${p}`)})`
  );
  if (context === "span" || context === "log") {
    for (const key of STATEMENT_KEYS) {
      for (const rule of STATEMENT_RULES) {
        out.push(
          `replace_pattern(attributes[${literal(key)}], ${pattern(rule)}, ${
            literal(rule.replacement)
          })`,
        );
      }
    }
  }
  for (const rule of VALUE_RULES) {
    out.push(
      `replace_all_patterns(attributes, "value", ${pattern(rule)}, ${literal(rule.replacement)})`,
    );
  }
  const text = context === "span" ? "status.message" : context === "log" ? "body" : undefined;
  for (const rule of text ? VALUE_RULES : []) {
    const where = context === "log" ? " where IsString(body)" : "";
    out.push(`replace_pattern(${text}, ${pattern(rule)}, ${literal(rule.replacement)})${where}`);
  }
  return out;
}

/** The `transform/redact` processor's YAML, indented to sit under `processors:`. */
export function redactProcessorYaml(): string {
  const lines = ["  transform/redact:", "    error_mode: ignore"];
  for (const [group, contexts] of Object.entries(REDACT_CONTEXTS)) {
    lines.push(`    ${group}:`);
    for (const context of contexts) {
      lines.push(`      - context: ${context}`, "        statements:");
      for (const s of ottlStatements(context)) lines.push(`          - ${s}`);
    }
  }
  return lines.join("\n");
}

if (import.meta.main) console.log(redactProcessorYaml());
