/**
 * Instrumentation for fetch-style handlers: `Deno.serve(handler)`, `Bun.serve({ fetch })`, and
 * any `(request: Request) => Response` function.
 *
 * @module
 */
import { context } from "@opentelemetry/api";
import { requestTarget, startServerRequest } from "../http_server.ts";
import { compileRoutes } from "../route_match.ts";

/** A fetch-style request handler, as passed to `Deno.serve`. */
export type FetchHandler<A extends unknown[] = unknown[]> = (
  request: Request,
  ...rest: A
) => Response | Promise<Response>;

/** How to find a request's route template. */
export interface RouteOptions {
  /** Route templates such as `/users/:id`, matched with `URLPattern` in order. */
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
  return function tracedHandler(request: Request, ...rest: A): Promise<Response> {
    // One parse of the URL serves the span's attributes and the route match.
    const target = requestTarget(request.url);
    const remote = (rest[0] as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr;
    const handle = startServerRequest({
      method: request.method,
      url: request.url,
      header: (name) => request.headers.get(name) ?? undefined,
      headerNames: () => [...request.headers.keys()],
      clientAddress: remote?.hostname,
      protocolVersion: undefined,
      target,
      route: matchRoute(target.path),
    });
    return context.with(handle.context, async () => {
      try {
        const response = await handler(request, ...rest);
        handle.end(response.status);
        return response;
      } catch (error) {
        handle.end(500, error);
        throw error;
      }
    });
  };
}
