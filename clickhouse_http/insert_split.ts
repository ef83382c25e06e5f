/**
 * Where an insert's data starts, when the statement and its data arrive in
 * one stream (`INSERT INTO t FORMAT TSV\n1\t2`, or the URL's statement, a
 * newline, then the body). The engine decides, not a tokenizer: the
 * statement ends at the shortest prefix that the engine prints exactly like
 * the whole statement, and such a prefix can only end right after the format
 * name, so only the places the format name occurs are tried.
 *
 * @module
 */
import { refused } from "./errors.ts";

/** Places the format name occurs that are tried before refusing. */
const MAX_TRIES = 32;
/** Longest statement text the endpoint parses, as ClickHouse's default `max_query_size`. */
export const MAX_STATEMENT_BYTES = 262_144;

/**
 * The offset of the first data byte in `bytes`. `canonical` is the engine's
 * text of the statement, `format` its format name, `canonicalize` asks the
 * engine for the text of a prefix (and rejects what does not parse).
 * Throws `ACCESS_DENIED` when no prefix matches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findDataOffset } from "./insert_split.ts";
 * // A stand-in for the engine that knows one statement.
 * const engine = (text: string) =>
 *   /^insert into t format tsv$/i.test(text.trim())
 *     ? Promise.resolve("INSERT INTO t FORMAT TSV")
 *     : Promise.reject(new Error("syntax"));
 * const bytes = new TextEncoder().encode("insert into t format tsv\n1\ttsv\n");
 * assert.equal(await findDataOffset(bytes, "INSERT INTO t FORMAT TSV", "TSV", engine), 25);
 * ```
 */
export async function findDataOffset(
  bytes: Uint8Array,
  canonical: string,
  format: string,
  canonicalize: (text: string) => Promise<string>,
): Promise<number> {
  const name = new TextEncoder().encode(format.toLowerCase());
  const limit = Math.min(bytes.length, MAX_STATEMENT_BYTES);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let tries = 0;
  for (let at = 0; at + name.length <= limit && tries < MAX_TRIES; at++) {
    // ASCII case-insensitive: `FORMAT tsv` and `values` are how people write them.
    if (!name.every((b, i) => (bytes[at + i] | 0x20) === b || bytes[at + i] === b)) continue;
    tries++;
    const end = at + name.length;
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(0, end));
    } catch {
      continue;
    }
    const same = await canonicalize(text).then((c) => c === canonical, () => false);
    if (same) return dataStart(bytes, end);
  }
  throw refused("cannot tell where the INSERT statement ends and its data begins");
}

/** ClickHouse's rule: data starts after spaces and at most one line break after the format. */
function dataStart(bytes: Uint8Array, from: number): number {
  let pos = from;
  while (pos < bytes.length && (bytes[pos] === 0x20 || bytes[pos] === 0x09)) pos++;
  if (bytes[pos] === 0x0d) pos++;
  if (bytes[pos] === 0x0a) pos++;
  return pos;
}
