/**
 * The query API: JSON endpoints over the query modules in `sql/`, with the
 * cache, the optional token, limits, the OpenAPI document at `/openapi.json`
 * and its reference page at `/docs`. Mount the app at `/api`.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { createApiApp } from "./routes/api/mod.ts";
 * const app = new Hono().route("/api", createApiApp(store, { queryToken: Deno.env.get("TRACEHOUSE_QUERY_TOKEN") }));
 * ```
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { errorResponse } from "../../doors/errors.ts";
import type { Store } from "../../sql/store.ts";
import { alertsApp, type AlertsService } from "./alerts.ts";
import { tokenMiddleware } from "./auth.ts";
import { cacheMiddleware } from "./cache_middleware.ts";
import { renderDocsPage } from "./docs_page.ts";
import type { ApiEnv } from "./env.ts";
import { errorsApp } from "./errors.ts";
import { logsApp } from "./logs.ts";
import { metricsApp } from "./metrics.ts";
import { type ApiOptions, resolveApiOptions } from "./options.ts";
import { serviceMapApp } from "./service_map.ts";
import { servicesApp } from "./services.ts";
import { tracesApp } from "./traces.ts";

export { API_ENV, type ApiOptions, DEFAULT_API_OPTIONS } from "./options.ts";

const OPEN_PATHS = /\/(openapi\.json|docs)$/;
const INFO = {
  title: "Tracehouse query API",
  version: "1",
  description: "Logs, traces and metrics stored in ClickHouse. Times: RFC 3339, epoch ms or " +
    "`now-1h`; timestamps in answers are RFC 3339 with nanoseconds; durations are integer " +
    'nanoseconds. Errors: `{"error":{"code","message","id"?}}`; `id` names the log line of an ' +
    "internal error.",
};

/** Paths in the document are relative to where `routes/app.ts` mounts the app. */
const SERVERS = [{ url: "/api" }];

/** Services beside the store that some routes answer from. */
export interface ApiServices {
  /** The alerting service; `/alerts` reports alerting as off without it. */
  alerts?: AlertsService | null;
}

/**
 * Builds the API app over `store`. Options not given take
 * {@linkcode DEFAULT_API_OPTIONS}.
 */
export function createApiApp(
  store: Store,
  options: Partial<ApiOptions> = {},
  services: ApiServices = {},
): OpenAPIHono<ApiEnv> & { cacheStats: () => { hits: number; misses: number; size: number } } {
  const resolved = resolveApiOptions(options);
  const app = new OpenAPIHono<ApiEnv>();
  const cache = cacheMiddleware(resolved);
  app.onError((error) =>
    errorResponse(error, {
      context: "query API",
      queryTimeoutSeconds: resolved.queryTimeoutSeconds,
    })
  );
  app.notFound((c) =>
    c.json({ error: { code: "not_found", message: `No route ${c.req.path}` } }, 404)
  );
  app.use("*", tokenMiddleware({ token: resolved.queryToken, open: (p) => OPEN_PATHS.test(p) }));
  // Alert state is live: mounted before the answer cache.
  app.route("/alerts", alertsApp(services.alerts ?? null));
  app.use("*", cache);
  app.route("/services", servicesApp(store, resolved));
  app.route("/traces", tracesApp(store, resolved));
  app.route("/logs", logsApp(store, resolved));
  app.route("/metrics", metricsApp(store, resolved));
  app.route("/errors", errorsApp(store, resolved));
  app.route("/service-map", serviceMapApp(store, resolved));
  app.doc31("/openapi.json", { openapi: "3.1.0", info: INFO, servers: SERVERS });
  app.get("/docs", (c) => c.html(renderDocsPage(openApiDocument(app))));
  return Object.assign(app, {
    cacheStats: () => ({
      hits: cache.cache.hits,
      misses: cache.cache.misses,
      size: cache.cache.size,
    }),
  });
}

/** The OpenAPI 3.1 document of an app from {@linkcode createApiApp}. */
export function openApiDocument(
  app: OpenAPIHono<ApiEnv>,
): ReturnType<OpenAPIHono["getOpenAPI31Document"]> {
  return app.getOpenAPI31Document({ openapi: "3.1.0", info: INFO, servers: SERVERS });
}
