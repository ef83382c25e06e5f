/**
 * Optional bearer-token check of the query API (`TRACEHOUSE_QUERY_TOKEN`).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Requires `Authorization: Bearer <token>` when `token` is set; `open` paths
 * (the OpenAPI document and its page) stay public.
 */
export function tokenMiddleware(
  opts: { token?: string; open?: (path: string) => boolean } = {},
): MiddlewareHandler {
  return async function queryToken(c, next) {
    if (opts.token && !opts.open?.(c.req.path)) {
      const header = c.req.header("Authorization") ?? "";
      const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? "";
      if (!sameText(given, opts.token)) {
        throw new HTTPException(401, { message: "A valid bearer token is required" });
      }
    }
    await next();
  };
}
