/**
 * Instrumentation for fetch-style handlers: `Deno.serve(handler)`, `Bun.serve({ fetch })`, and
 * any `(request: Request) => Response` function.
 *
 * @module
 */
import { context } from "@opentelemetry/api";
import { type ServerRequestHandle, startServerRequest } from "../http_server.ts";
import { FetchRequestInfo } from "./fetch_request_info.ts";
import { compileRoutes } from "../route_match.ts";

/** A fetch-style request handler, as passed to `Deno.serve`. */
export type FetchHandler<A extends unknown[] = unknown[]> = (
  request: Request,
  ...rest: A
) => Response | Promise<Response>;

/** How to find a request's route template. */
export interface RouteOptions {
  /** Route templates such as `/users/:id` (`URLPattern` syntax); the first that matches wins. */
  routes?: string[];
}

/**
 * Wraps a fetch-style handler so each request runs in a SERVER span.
 *
 * @example
 * ```ts
 * import { wrapFetchHandler } from "./fetch_handler.ts";
 * const handler = wrapFetchHandler((_req: Request) => new Response("ok"), {
 *   routes: ["/users/:id"],
 * });
 * const res = await handler(new Request("http://localhost/users/1"));
 * console.log(res.status); // 200
 * ```
 */
export function wrapFetchHandler<A extends unknown[]>(
  handler: FetchHandler<A>,
  options: RouteOptions = {},
): FetchHandler<A> {
  const matchRoute = compileRoutes(options.routes ?? []);
  return function tracedHandler(request: Request, ...rest: A): Response | Promise<Response> {
    // Deno makes a new string on every read of `url`: read it once, and split it once for the
    // span's attributes and the route match.
    const remote = (rest[0] as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr;
    const info = new FetchRequestInfo(request, request.url, remote?.hostname);
    info.route = matchRoute(info.target.path);
    const handle = startServerRequest(info);
    return context.with(handle.context, () => {
      let result: Response | Promise<Response>;
      try {
        result = handler(request, ...rest);
      } catch (error) {
        handle.end(500, error);
        throw error;
      }
      // A handler that answers at once ends its span at once: no promise, no async frame.
      if (result instanceof Response) {
        handle.end(result.status);
        return result;
      }
      return endWhenSettled(handle, result);
    });
  };
}

async function endWhenSettled(
  handle: ServerRequestHandle,
  pending: Promise<Response>,
): Promise<Response> {
  try {
    const response = await pending;
    handle.end(response.status);
    return response;
  } catch (error) {
    handle.end(500, error);
    throw error;
  }
}
