/**
 * Optional bearer-token check of the query API (`TRACEHOUSE_QUERY_TOKEN`).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { bearerMatches } from "../../doors/bearer.ts";

/**
 * Requires `Authorization: Bearer <token>` when `token` is set; `open` paths
 * (the OpenAPI document and its page) stay public.
 */
export function tokenMiddleware(
  opts: { token?: string; open?: (path: string) => boolean } = {},
): MiddlewareHandler {
  return async function queryToken(c, next) {
    if (opts.token && !opts.open?.(c.req.path)) {
      if (!bearerMatches(c.req.header("Authorization"), opts.token)) {
        throw new HTTPException(401, { message: "A valid bearer token is required" });
      }
    }
    await next();
  };
}
