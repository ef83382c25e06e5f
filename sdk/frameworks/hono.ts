/**
 * Hono instrumentation: wraps `app.fetch` (so it works wherever the app is served) and the
 * app's error handler (so thrown exceptions are recorded), and names spans by route template.
 *
 * @module
 */
import { context } from "@opentelemetry/api";
import { activeServerRequest, startServerRequest } from "../http_server.ts";

type MatchEntry = [[unknown, { path?: string; method?: string }], unknown];

/** The parts of a Hono app the instrumentation uses. */
export interface HonoLike {
  fetch: (request: Request, ...rest: unknown[]) => Response | Promise<Response>;
  router: { match(method: string, path: string): [MatchEntry[], ...unknown[]] };
  errorHandler?: (error: Error, c: unknown) => Response | Promise<Response>;
  onError: (handler: (error: Error, c: unknown) => Response | Promise<Response>) => unknown;
  getPath?: (request: Request, options?: unknown) => string;
}

/**
 * Tells whether `app` looks like a Hono app.
 *
 * @example
 * ```ts
 * import { isHonoApp } from "./hono.ts";
 * console.log(isHonoApp({})); // false
 * ```
 */
export function isHonoApp(app: unknown): app is HonoLike {
  const a = app as Partial<HonoLike> & { route?: unknown };
  return typeof app === "object" && app !== null && typeof a.fetch === "function" &&
    typeof a.onError === "function" && typeof a.route === "function" &&
    typeof a.router?.match === "function";
}

/**
 * Instruments a Hono app in place.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { instrumentHono } from "./hono.ts";
 * const app = new Hono();
 * instrumentHono(app as never);
 * ```
 */
export function instrumentHono(app: HonoLike): void {
  const originalFetch = app.fetch;
  app.fetch = function tracedFetch(request: Request, ...rest: unknown[]): Promise<Response> {
    const handle = startServerRequest({
      method: request.method,
      url: request.url,
      header: (name) => request.headers.get(name) ?? undefined,
      headerNames: () => [...request.headers.keys()],
      clientAddress: (rest[0] as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr
        ?.hostname,
    });
    return context.with(handle.context, async () => {
      try {
        const response = await originalFetch.call(app, request, ...rest);
        const route = routeOf(app, request);
        if (route) handle.setRoute(route);
        handle.end(response.status);
        return response;
      } catch (error) {
        handle.end(500, error);
        throw error;
      }
    });
  };
  const wrap = (handler: NonNullable<HonoLike["errorHandler"]>) =>
    function tracedErrorHandler(error: Error, c: unknown): Response | Promise<Response> {
      activeServerRequest()?.recordException(error);
      return handler(error, c);
    };
  if (app.errorHandler) app.errorHandler = wrap(app.errorHandler);
  const originalOnError = app.onError;
  app.onError = function onError(handler) {
    return originalOnError.call(app, wrap(handler));
  };
}

function routeOf(app: HonoLike, request: Request): string | undefined {
  try {
    const path = app.getPath ? app.getPath(request) : new URL(request.url).pathname;
    const method = request.method === "HEAD" ? "GET" : request.method;
    const [entries] = app.router.match(method, path);
    let fallback: string | undefined;
    for (let i = entries.length - 1; i >= 0; i--) {
      const route = entries[i]?.[0]?.[1];
      if (!route?.path) continue;
      if (route.method && route.method !== "ALL") return route.path;
      if (!fallback && route.path !== "*" && route.path !== "/*") fallback = route.path;
    }
    return fallback;
  } catch {
    return undefined;
  }
}
