/**
 * Opaque keyset cursors. A page ends at the key `(time, tie)` of its last row;
 * the next page asks for rows strictly after that key in the list's order, so
 * rows inserted meanwhile never shift the pages (no OFFSET, no skip, no repeat).
 *
 * The cursor also carries a fingerprint of the filters it was issued for:
 * replaying it with other filters is a 400, not a silently wrong page.
 *
 * @module
 */
import { InvalidParamError } from "./invalid_param.ts";

/** The position a page ended at. */
export interface CursorKey {
  /** Nanoseconds since the epoch of the last row. */
  timeNs: bigint;
  /** Tie-breaker among rows with the same time (a hash or an id, `[0-9a-z]`). */
  tie: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A short, stable fingerprint of normalised filter values.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./cursor.ts";
 * console.assert(fingerprint({ a: "1" }) === fingerprint({ a: "1" }));
 * ```
 */
export function fingerprint(filters: unknown): string {
  const text = JSON.stringify(filters, (_k, v) => typeof v === "bigint" ? v.toString() : v);
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

/**
 * Encodes a cursor for `key`, bound to the filter fingerprint `scope`.
 *
 * @example
 * ```ts
 * import { decodeCursor, encodeCursor } from "./cursor.ts";
 * const text = encodeCursor({ timeNs: 5n, tie: "abc" }, "s1");
 * console.assert(decodeCursor(text, "s1").timeNs === 5n);
 * ```
 */
export function encodeCursor(key: CursorKey, scope: string): string {
  const json = JSON.stringify({ v: 1, t: key.timeNs.toString(), k: key.tie, s: scope });
  let binary = "";
  for (const byte of encoder.encode(json)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes a cursor from {@linkcode encodeCursor}; throws a 400-mapped error when invalid. */
export function decodeCursor(text: string, scope: string): CursorKey {
  const invalid = (why: string) => new InvalidParamError("cursor", why);
  if (text.length > 512 || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid("malformed cursor");
  let data: unknown;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    data = JSON.parse(decoder.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    throw invalid("malformed cursor");
  }
  const { v, t, k, s } = (data ?? {}) as Record<string, unknown>;
  if (
    v !== 1 || typeof t !== "string" || !/^\d{1,19}$/.test(t) || typeof k !== "string" ||
    !/^[0-9a-z]{0,64}$/.test(k) || typeof s !== "string"
  ) {
    throw invalid("malformed cursor");
  }
  if (s !== scope) throw invalid("the cursor belongs to a query with other filters");
  return { timeNs: BigInt(t), tie: k };
}
