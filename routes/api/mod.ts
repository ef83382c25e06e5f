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
import { HTTPException } from "hono/http-exception";
import { InvalidParamError } from "../../sql/invalid_param.ts";
import { ClickHouseError, type Store } from "../../sql/store.ts";
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
const STATUS_CODES: Record<number, string> = {
  400: "invalid_parameter",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  504: "timeout",
};
/** ClickHouse error codes: TIMEOUT_EXCEEDED, TOO_SLOW; TOO_MANY_ROWS_OR_BYTES. */
const TIMEOUT_CODES = new Set([159, 160]);
const TOO_MANY_ROWS = 396;

const INFO = {
  title: "Tracehouse query API",
  version: "1",
  description: "Logs, traces and metrics stored in ClickHouse. Times: RFC 3339, epoch ms or " +
    "`now-1h`; timestamps in answers are RFC 3339 with nanoseconds; durations are integer " +
    'nanoseconds. Errors: `{"error":{"code","message"}}`.',
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
  app.onError((error, c) => {
    if (error instanceof InvalidParamError) {
      return c.json({ error: { code: "invalid_parameter", message: error.message } }, 400);
    }
    if (error instanceof HTTPException) {
      const status = error.status;
      return c.json({
        error: { code: STATUS_CODES[status] ?? "error", message: error.message },
      }, status);
    }
    if (error instanceof ClickHouseError && TIMEOUT_CODES.has(error.code)) {
      return c.json({
        error: {
          code: "timeout",
          message:
            `The query ran past its limit of ${resolved.queryTimeoutSeconds} s; narrow the range or filters`,
        },
      }, 504);
    }
    if (error instanceof ClickHouseError && error.code === TOO_MANY_ROWS) {
      return c.json({
        error: {
          code: "result_too_large",
          message: "The result exceeds the row limit; narrow the query",
        },
      }, 400);
    }
    console.error("tracehouse: query API error:", error);
    return c.json({ error: { code: "internal", message: "The query failed" } }, 500);
  });
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
