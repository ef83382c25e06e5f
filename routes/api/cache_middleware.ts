/**
 * Answer cache and HTTP validators for the query API.
 *
 * The key is the path plus the sorted query string plus a time bucket: a
 * window that touches now (`now-1h`, no `to`, or a `to` within the last
 * minute) is cached for `cacheLiveSeconds` and its relative times resolve
 * against the bucket start, so every request in a bucket sees one answer; a
 * window wholly in the past is cached for `cachePastSeconds`. Every 200 answer
 * carries an `ETag` and `Cache-Control`; `If-None-Match` answers 304.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { LruCache } from "../../sql/cache.ts";
import { parseTime } from "../../params/time.ts";
import type { ApiEnv } from "./env.ts";
import type { ApiOptions } from "./options.ts";

interface CachedAnswer {
  body: string;
  etag: string;
  contentType: string;
}

/** Late data may still arrive for this long after a window ends. */
const LATE_DATA_MS = 60_000;

async function etagOf(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const bytes = new Uint8Array(digest).slice(0, 16);
  return `"${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "");
    return t === etag || t === "*";
  });
}

function isPastWindow(url: URL, now: number): boolean {
  const from = url.searchParams.get("from");
  const to = url.searchParams.get("to");
  if (!to || !from || from.trim().startsWith("now") || to.trim().startsWith("now")) return false;
  try {
    return parseTime(to, "to", now) < BigInt(now - LATE_DATA_MS) * 1_000_000n;
  } catch {
    return false; // the route reports the bad parameter
  }
}

/** Normalised cache key parts of a request: path and sorted parameters. */
export function normalisedQuery(url: URL): string {
  const params = [...url.searchParams.entries()].sort(([a, x], [b, y]) =>
    a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0
  );
  return `${url.pathname}?${new URLSearchParams(params).toString()}`;
}

/**
 * The cache and validator middleware; also pins the request's clock (`now`).
 * Expose `cache` for stats.
 */
export function cacheMiddleware(
  options: ApiOptions,
): MiddlewareHandler<ApiEnv> & { cache: LruCache<CachedAnswer> } {
  const cache = new LruCache<CachedAnswer>(options.cacheSize, options.now);
  const liveMs = options.cacheLiveSeconds * 1000;
  const handler: MiddlewareHandler<ApiEnv> = async function queryCache(c, next) {
    const now = options.now();
    if (c.req.method !== "GET") {
      c.set("now", now);
      return await next();
    }
    const url = new URL(c.req.url);
    const past = isPastWindow(url, now);
    // Answers for one bucket share one clock so they can be cached; it is the
    // bucket's end, not its start, so a fresh answer includes what arrived just now.
    const bucket = liveMs > 0 ? Math.ceil(now / liveMs) * liveMs : now;
    c.set("now", past ? now : bucket);
    const key = `${normalisedQuery(url)}#${past ? "past" : bucket}`;
    const maxAge = past ? options.cachePastSeconds : options.cacheLiveSeconds;
    const cacheControl = `private, max-age=${maxAge}`;
    const ifNoneMatch = c.req.header("If-None-Match");
    const hit = cache.get(key);
    if (hit) {
      const headers = { ETag: hit.etag, "Cache-Control": cacheControl, "X-Cache": "hit" };
      if (matches(ifNoneMatch, hit.etag)) return c.body(null, 304, headers);
      return c.body(hit.body, 200, { ...headers, "Content-Type": hit.contentType });
    }
    await next();
    if (c.res.status !== 200) return;
    const body = await c.res.clone().text();
    const etag = await etagOf(body);
    const contentType = c.res.headers.get("Content-Type") ?? "application/json";
    if (body.length <= 4_000_000) {
      cache.set(key, { body, etag, contentType }, maxAge * 1000);
    }
    const headers = { ETag: etag, "Cache-Control": cacheControl, "X-Cache": "miss" };
    c.res = matches(ifNoneMatch, etag)
      ? new Response(null, { status: 304, headers })
      : new Response(body, { status: 200, headers: { ...headers, "Content-Type": contentType } });
  };
  return Object.assign(handler, { cache });
}
