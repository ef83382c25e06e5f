/**
 * The UI-port application: health probes, the JSON API and the dashboard,
 * mounted in one place.
 *
 * @module
 */
import { Hono } from "hono";
import { errorId, errorResponse } from "../doors/errors.ts";
import type { Store } from "../sql/store.ts";
import { type ApiOptions, createApiApp } from "./api/mod.ts";
import { createPages, type PagesOptions } from "./pages/mod.ts";

/** What the UI-port app needs from the running process. */
export interface AppDeps {
  store: Store;
  /** True once migrations have been applied. */
  isMigrated: () => boolean;
  /** Limits, auth and caching of `/api`. */
  api?: Partial<ApiOptions>;
  /** Options of the dashboard pages (OTLP endpoint shown in hints, …). */
  pages?: PagesOptions;
}

/**
 * Builds the UI-port app.
 *
 * @example
 * ```ts ignore
 * const app = createApp({ store, isMigrated: () => true });
 * Deno.serve({ port: 8080 }, app.fetch);
 * ```
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    if (!deps.isMigrated()) return c.json({ status: "migrating" }, 503);
    try {
      await deps.store.query("SELECT 1", { settings: { max_execution_time: 2 } });
    } catch (error) {
      // Probes are open to anyone: the engine's words go to the log only.
      const id = errorId();
      console.error(`tracehouse: readiness check failed [error id ${id}]:`, error);
      return c.json({ status: "store unreachable", id }, 503);
    }
    return c.json({ status: "ready", engine: deps.store.kind });
  });
  app.route("/api", createApiApp(deps.store, deps.api));
  app.route(
    "/",
    createPages(deps.store, {
      queryTimeoutSeconds: deps.api?.queryTimeoutSeconds,
      maxRangeHours: deps.api?.maxRangeHours,
      ...deps.pages,
    }),
  );
  app.notFound((c) =>
    c.json(
      { error: { code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` } },
      404,
    )
  );
  app.onError((error) => errorResponse(error, { context: "dashboard" }));
  return app;
}
