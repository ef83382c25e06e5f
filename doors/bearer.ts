/**
 * Bearer tokens and passwords, checked the same way at every door (OTLP HTTP and gRPC, `/api`,
 * the dashboard, the ClickHouse-compatible endpoint).
 *
 * Secrets are compared in constant time: both sides are hashed with SHA-256 first, so neither
 * their contents nor their lengths show in how long the comparison takes, then the digests are
 * compared with `timingSafeEqual`.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The token of an `Authorization: Bearer <token>` header, or `undefined` when the header is
 * absent, uses another scheme, or carries no token. The scheme is case-insensitive
 * (RFC 9110 §11.1); surrounding whitespace is ignored.
 *
 * @example
 * ```ts
 * import { parseBearer } from "./bearer.ts";
 * console.assert(parseBearer("Bearer s3cret") === "s3cret");
 * console.assert(parseBearer("bearer  s3cret ") === "s3cret");
 * console.assert(parseBearer("Basic dXNlcjpwYXNz") === undefined);
 * console.assert(parseBearer(undefined) === undefined);
 * ```
 */
export function parseBearer(authorization: string | null | undefined): string | undefined {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match?.[1];
}

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Compares a secret given by a caller with the expected one in constant time. An empty
 * expected secret never matches: "no token configured" is decided by the caller, not here.
 *
 * @example
 * ```ts
 * import { sameSecret } from "./bearer.ts";
 * console.assert(sameSecret("s3cret", "s3cret"));
 * console.assert(!sameSecret("s3cret!", "s3cret"));
 * console.assert(!sameSecret(undefined, "s3cret"));
 * console.assert(!sameSecret("", ""));
 * ```
 */
export function sameSecret(given: string | null | undefined, expected: string): boolean {
  // Hash even when nothing was given, so a missing secret costs as much as a wrong one.
  const equal = timingSafeEqual(digest(given ?? ""), digest(expected));
  return equal && expected !== "" && given !== undefined && given !== null;
}

/**
 * True when `authorization` is `Bearer <token>` with exactly `token`.
 *
 * @example
 * ```ts
 * import { bearerMatches } from "./bearer.ts";
 * console.assert(bearerMatches("Bearer s3cret", "s3cret"));
 * console.assert(!bearerMatches("Bearer other", "s3cret"));
 * console.assert(!bearerMatches(undefined, "s3cret"));
 * ```
 */
export function bearerMatches(authorization: string | null | undefined, token: string): boolean {
  return sameSecret(parseBearer(authorization), token);
}
