/**
 * Byte-level pre-checks that let the protobuf fast path keep its speed with redaction on: an
 * ASCII string that fails {@linkcode mayRedactValue} (and a key that fails
 * {@linkcode mayRedactKey}) cannot be changed by any rule of `redaction.ts`, so the record is
 * written from the request's bytes as it is; anything else sends the record to the model path,
 * which applies the rules. The checks are supersets of the rules, never exact matches: each
 * looks for what every match of a rule must contain. Keep them in step with `redaction.ts`;
 * `otlp/redaction_scan_test.ts` holds the two paths to identical blocks.
 *
 * @module
 */

/** ASCII lower case of a byte (letters only; others unchanged). */
function lower(b: number): number {
  return b >= 65 && b <= 90 ? b | 0x20 : b;
}

/** Whether `needle` (lower-case ASCII) is at `at`, ignoring case. */
function at(buf: Uint8Array, i: number, end: number, needle: readonly number[]): boolean {
  if (end - i < needle.length) return false;
  for (let k = 0; k < needle.length; k++) if (lower(buf[i + k]) !== needle[k]) return false;
  return true;
}

const bytes = (s: string): readonly number[] => [...s].map((c) => c.charCodeAt(0));
const BEARER = bytes("bearer"), BASIC = bytes("basic"), DIGEST = bytes("digest");
const PASSW = bytes("passw"), SECRET = bytes("secret"), TOKEN = bytes("token");
const API = bytes("api"), KEY = bytes("key");

/**
 * Whether a rule of `VALUE_RULES` could match the ASCII text in `buf[start, end)`: it holds
 * `bearer`/`basic`/`digest`, `://`, `passw`/`secret`/`token`/`api[_-]?key` (any case), a run of
 * 13 digits, or the start of a `dddd[ -]dddd[ -]dddd[ -]d` card.
 *
 * @example
 * ```ts
 * import { mayRedactValue } from "./redaction_scan.ts";
 * const b = (s: string) => new TextEncoder().encode(s);
 * console.assert(mayRedactValue(b("GET /?Token=1"), 0, 13));
 * console.assert(!mayRedactValue(b("Mozilla/5.0 (X11; Linux x86_64)"), 0, 31));
 * ```
 */
export function mayRedactValue(buf: Uint8Array, start: number, end: number): boolean {
  let run = 0, groups = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    const kind = KIND[b];
    if (kind === DIGIT) {
      if (++run >= 13 || groups >= 3) return true;
      continue;
    }
    // A separator after a group of 4+ digits continues a card's chain; anything else breaks it.
    groups = kind === SEPARATOR && run >= 4 ? groups + 1 : 0;
    run = 0;
    if (kind === START && startsRule(buf, i, end)) return true;
  }
  return false;
}

/** Whether a word or `://` a value rule needs starts at `i` (`buf[i]` is of kind START). */
function startsRule(buf: Uint8Array, i: number, end: number): boolean {
  switch (lower(buf[i])) {
    case 58: // ':'
      if (end - i >= 3 && buf[i + 1] === 47 && buf[i + 2] === 47) return true;
      break;
    case 98: // 'b'
      if (at(buf, i, end, BEARER) || at(buf, i, end, BASIC)) return true;
      break;
    case 100: // 'd'
      if (at(buf, i, end, DIGEST)) return true;
      break;
    case 112: // 'p'
      if (at(buf, i, end, PASSW)) return true;
      break;
    case 115: // 's'
      if (at(buf, i, end, SECRET)) return true;
      break;
    case 116: // 't'
      if (at(buf, i, end, TOKEN)) return true;
      break;
    case 97: // 'a'
      if (at(buf, i, end, API)) {
        const k = i + 3 < end && (buf[i + 3] === 95 || buf[i + 3] === 45) ? i + 4 : i + 3;
        if (at(buf, k, end, KEY)) return true;
      }
      break;
  }
  return false;
}

const DIGIT = 1, SEPARATOR = 2, START = 3;
/** Byte kinds for {@linkcode mayRedactValue} (0: nothing a rule starts with): one lookup each. */
const KIND = new Uint8Array(256);
for (let b = 48; b <= 57; b++) KIND[b] = DIGIT;
KIND[32] = KIND[45] = SEPARATOR;
for (const c of ":bBdDpPsStTaA") KIND[c.charCodeAt(0)] = START;

const SUFFIXES = [
  "password",
  "passwd",
  "secret",
  "token",
  "apikey",
  "api.key",
  "api_key",
  "api-key",
]
  .map(bytes);
const HEADER = bytes(".header.");
const STATEMENT_KEYS = ["db.statement", "db.query.text"].map(bytes);

/**
 * Whether a rule could delete an attribute with the ASCII key in `buf[start, end)`, or rewrite
 * its value as a database statement: the key ends in `password`, `passwd`, `secret`, `token` or
 * `api[._-]?key`, or holds `.header.` (any case), or is `db.statement` / `db.query.text` (when
 * `statements`: span and log record attributes, not event attributes).
 *
 * @example
 * ```ts
 * import { mayRedactKey } from "./redaction_scan.ts";
 * const b = (s: string) => new TextEncoder().encode(s);
 * console.assert(mayRedactKey(b("user.Password"), 0, 13));
 * console.assert(!mayRedactKey(b("cache.key"), 0, 9) && mayRedactKey(b("x.API_KEY"), 0, 9));
 * ```
 */
export function mayRedactKey(
  buf: Uint8Array,
  start: number,
  end: number,
  statements = true,
): boolean {
  // Every suffix ends in d, t, n or y: most keys are decided by their last byte.
  const last = end > start ? lower(buf[end - 1]) : 0;
  if (last === 100 || last === 116 || last === 110 || last === 121) {
    for (const suffix of SUFFIXES) {
      if (end - start >= suffix.length && at(buf, end - suffix.length, end, suffix)) return true;
    }
  }
  for (let i = start; i + HEADER.length <= end; i++) {
    if (buf[i] === 46 && at(buf, i, end, HEADER)) return true;
  }
  for (const key of statements ? STATEMENT_KEYS : []) {
    if (end - start === key.length && at(buf, start, end, key)) return true;
  }
  return false;
}
