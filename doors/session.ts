/**
 * The dashboard's login session: once a browser has shown the query token on the login form,
 * it holds an `HttpOnly; SameSite=Strict` cookie instead, so pages and their `/api` calls work
 * without the page ever seeing the token.
 *
 * The cookie is `v1.<issued-at>.<HMAC-SHA256 keyed by the query token>`: it does not reveal the
 * token, expires after {@linkcode SESSION_MAX_AGE_SECONDS} on the server side too, and every
 * session ends when the token changes.
 *
 * @module
 */
import { createHmac } from "node:crypto";
import { getCookie } from "hono/cookie";
import type { Context } from "hono";
import { bearerMatches, sameSecret } from "./bearer.ts";

/** Name of the session cookie. */
export const SESSION_COOKIE = "tracehouse_session";
/** Lifetime of a session: 7 days. */
export const SESSION_MAX_AGE_SECONDS = 7 * 24 * 3600;

function mac(token: string, issued: number): string {
  return createHmac("sha256", token).update(`tracehouse-session.v1.${issued}`).digest("base64url");
}

/**
 * A new session value for `token`, issued at `now` (ms).
 *
 * @example
 * ```ts
 * import { issueSession, sessionValid } from "./session.ts";
 * const value = issueSession("t0ken");
 * console.assert(sessionValid(value, "t0ken") && !sessionValid(value, "other"));
 * ```
 */
export function issueSession(token: string, now: number = Date.now()): string {
  const issued = Math.floor(now / 1000);
  return `v1.${issued}.${mac(token, issued)}`;
}

/** Whether `value` is a session issued for `token` that has not expired at `now` (ms). */
export function sessionValid(
  value: string | undefined,
  token: string,
  now: number = Date.now(),
): boolean {
  const match = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
  if (!match || token === "") return false;
  const issued = Number(match[1]);
  const age = now / 1000 - issued;
  return sameSecret(match[2], mac(token, issued)) && age >= -60 && age <= SESSION_MAX_AGE_SECONDS;
}

/** Whether the request carries the query token: `Authorization: Bearer` or a session cookie. */
export function hasQueryAccess(c: Context, token: string): boolean {
  return bearerMatches(c.req.header("authorization"), token) ||
    sessionValid(getCookie(c, SESSION_COOKIE), token);
}

/** True when the browser reached us over https (directly or through a proxy that says so). */
function overHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto")?.split(",")[0].trim() === "https";
}

/** The `Set-Cookie` value that starts a session. */
export function sessionCookie(c: Context, value: string): string {
  const secure = overHttps(c) ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; ` +
    `Max-Age=${SESSION_MAX_AGE_SECONDS}${secure}`;
}

/** The `Set-Cookie` value that ends a session. */
export function clearedCookie(c: Context): string {
  const secure = overHttps(c) ? "; Secure" : "";
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`;
}
