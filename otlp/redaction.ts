/**
 * Redaction of secrets on ingest: the rules of the collector's `transform/redact` processor
 * (`collector/config.yaml`), applied to decoded records by Tracehouse's own receiver when
 * `TRACEHOUSE_REDACT=on`. Both sides pass `collector/testdata/redaction_vectors.json` (this
 * module in `otlp/redaction_test.ts`, the built collector in `tests/collector_redaction_test.ts`),
 * and `otlp/redaction_test.ts` checks that every pattern here appears in the collector config.
 *
 * What is redacted, as OTTL does it:
 * - attributes whose key names a secret are deleted (`delete_matching_keys`);
 * - in every string attribute value (`replace_all_patterns(…, "value", …)`; array and map values
 *   are left alone, as OTTL leaves them), in span status messages and in string log bodies:
 *   bearer/basic/digest credentials, URL passwords (`user:pw@`), `password=`/`token=`/… pairs
 *   (query strings, `key: value` text, JSON), card numbers;
 * - `db.statement` / `db.query.text` of spans and log records: string and number literals
 *   become `?` first.
 *
 * Covered: resource, span, span event, log record and metric data point attributes, span status
 * messages, log bodies. Not covered (as in the collector config): span names, link and scope
 * attributes, exemplar attributes.
 *
 * The patterns are written in the common subset of RE2 (Go) and JavaScript regular expressions:
 * no look-around, no back-references, `\b` and `\s` on ASCII text; case-insensitive rules carry
 * `(?i)` in the collector and the `i` flag here.
 *
 * @module
 */
import type { AnyValue, KeyValue } from "./model.ts";

/** One value rewrite: every match of `pattern` becomes `replacement` (`$1` = group 1). */
export interface ValueRule {
  /** The pattern as written in the collector config, without `(?i)`. */
  pattern: string;
  /** Case-insensitive (`(?i)` in RE2). */
  ignoreCase: boolean;
  /** Go `Regexp.ReplaceAllString` template; JavaScript reads `$1` the same way. */
  replacement: string;
}

/** Attribute keys whose whole value is a secret: the attribute is deleted. */
export const SECRET_KEY_PATTERNS: readonly string[] = [
  "^http\\.(request|response)\\.header\\.(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token)$",
  "(^|[._-])(password|passwd|secret|api[._-]?key|access[._-]?token|refresh[._-]?token|token)$",
];

/** Rules for every redacted string value, in order. */
export const VALUE_RULES: readonly ValueRule[] = [
  {
    pattern: "\\b(bearer|basic|digest)\\s+[A-Za-z0-9._~+/=-]+",
    ignoreCase: true,
    replacement: "$1 [REDACTED]",
  },
  {
    pattern: "://([^:/@\\s]+):[^@/\\s]+@",
    ignoreCase: false,
    replacement: "://$1:[REDACTED]@",
  },
  {
    pattern: "(password|passwd|secret|token|api[_-]?key)([\"']?\\s*[:=]\\s*[\"']?)[^\\s\"',;&#]+",
    ignoreCase: true,
    replacement: "$1$2[REDACTED]",
  },
  {
    pattern:
      "\\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|3[47][0-9]{13}|6(?:011|5[0-9]{2})[0-9]{12}|[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{1,7})\\b",
    ignoreCase: false,
    replacement: "[REDACTED-CARD]",
  },
];

/** Attributes holding a database statement, whose literals are replaced first. */
export const STATEMENT_KEYS: readonly string[] = ["db.statement", "db.query.text"];

/** Rules for statement literals (quoted strings, then numbers), before {@linkcode VALUE_RULES}. */
export const STATEMENT_RULES: readonly ValueRule[] = [
  { pattern: "'(?:[^']|'')*'", ignoreCase: false, replacement: "?" },
  { pattern: "\\b[0-9]+(?:\\.[0-9]+)?\\b", ignoreCase: false, replacement: "?" },
];

const compile = (r: ValueRule): [RegExp, string] => [
  new RegExp(r.pattern, r.ignoreCase ? "gi" : "g"),
  r.replacement,
];
const KEYS = SECRET_KEY_PATTERNS.map((p) => new RegExp(p, "i"));
const VALUES = VALUE_RULES.map(compile);
const STATEMENTS = STATEMENT_RULES.map(compile);
/** Cheap pre-check: text without any of these cannot match a value rule. */
const MAYBE = /bearer|basic|digest|:\/\/|password|passwd|secret|token|api|[0-9]{4}/i;

/**
 * `text` with every {@linkcode VALUE_RULES} match replaced.
 *
 * @example
 * ```ts
 * import { redactText } from "./redaction.ts";
 * console.assert(redactText("Authorization: Bearer abc.def") === "Authorization: Bearer [REDACTED]");
 * console.assert(redactText("GET /?q=1&password=hunter2") === "GET /?q=1&password=[REDACTED]");
 * ```
 */
export function redactText(text: string): string {
  if (!MAYBE.test(text)) return text;
  for (const [re, replacement] of VALUES) text = text.replace(re, replacement);
  return text;
}

/**
 * `sql` with string and number literals replaced by `?`, then {@linkcode redactText}.
 *
 * @example
 * ```ts
 * import { redactStatement } from "./redaction.ts";
 * console.assert(redactStatement("SELECT * FROM t WHERE a = 'x' AND b = 42") === "SELECT * FROM t WHERE a = ? AND b = ?");
 * ```
 */
export function redactStatement(sql: string): string {
  for (const [re, replacement] of STATEMENTS) sql = sql.replace(re, replacement);
  return redactText(sql);
}

/** Whether an attribute with this key is deleted. */
export function isSecretKey(key: string): boolean {
  for (const re of KEYS) if (re.test(key)) return true;
  return false;
}

/**
 * Attributes with secret keys deleted and string values redacted; `attributes` itself when
 * nothing changes. With `statements` (span and log record attributes, as in the collector
 * config) the literals of {@linkcode STATEMENT_KEYS} are replaced first.
 *
 * @example
 * ```ts
 * import { redactAttributes } from "./redaction.ts";
 * const out = redactAttributes([["user.password", "x"], ["url.full", "https://a:b@h/"]]);
 * console.assert(JSON.stringify(out) === '[["url.full","https://a:[REDACTED]@h/"]]');
 * ```
 */
export function redactAttributes(attributes: KeyValue[], statements = false): KeyValue[] {
  let out: KeyValue[] | undefined;
  for (let i = 0; i < attributes.length; i++) {
    const [key, value] = attributes[i];
    if (isSecretKey(key)) {
      out ??= attributes.slice(0, i);
      continue;
    }
    let v: AnyValue = value;
    if (typeof value === "string") {
      v = statements && STATEMENT_KEYS.includes(key) ? redactStatement(value) : redactText(value);
    }
    if (out) out.push(v === value ? attributes[i] : [key, v]);
    else if (v !== value) {
      out = attributes.slice(0, i);
      out.push([key, v]);
    }
  }
  return out ?? attributes;
}
