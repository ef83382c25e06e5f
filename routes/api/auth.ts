/**
 * Optional token check of the query API (`TRACEHOUSE_QUERY_TOKEN`): a bearer token, or the
 * dashboard's session cookie (`doors/session.ts`).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { hasQueryAccess } from "../../doors/session.ts";

/**
 * Requires `Authorization: Bearer <token>` or a dashboard session when `token` is set; `open` paths
 * (the OpenAPI document and its page) stay public.
 */
export function tokenMiddleware(
  opts: { token?: string; open?: (path: string) => boolean } = {},
): MiddlewareHandler {
  return async function queryToken(c, next) {
    if (opts.token && !opts.open?.(c.req.path)) {
      if (!hasQueryAccess(c, opts.token)) {
        throw new HTTPException(401, { message: "A valid bearer token is required" });
      }
    }
    await next();
  };
}
