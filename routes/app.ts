/**
 * The UI-port application: health probes, the JSON API and the dashboard,
 * mounted in one place, behind the shared doors: cross-site and `Host`
 * checks for everything, and the query token (bearer or login session) for
 * everything but the probes, the login form and the static assets.
 *
 * @module
 */
import { Hono } from "hono";
import { crossSiteMiddleware } from "../doors/cross_site.ts";
import { errorId, errorResponse } from "../doors/errors.ts";
import type { Store } from "../sql/store.ts";
import type { AlertsService } from "./api/alerts.ts";
import { archiveApiApp } from "./api/archive.ts";
import { type ApiOptions, createApiApp } from "./api/mod.ts";
import { dashboardAuth, loginApp } from "./login.ts";
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
  /** Host names browsers may use besides IP literals and localhost (see `doors/cross_site.ts`). */
  allowedHosts?: readonly string[];
  /** The alerting service, when an alerts file is configured. */
  alerts?: AlertsService | null;
  /** The Parquet archive, served at `/api/archive` (docs/archiving.md). */
  archive?: Store & { target: { display: string } };
}

/** Paths anyone may fetch: probes, the login form, the static assets, `/api` (own check). */
const OPEN_PATHS = /^\/(healthz|readyz|login|logout|favicon\.ico|static\/.*|api(\/.*)?)$/;

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
  // Other sites may link to a page (a trace id in a chat message), nothing else.
  app.use(crossSiteMiddleware({ allowedHosts: deps.allowedHosts, allowNavigation: true }));
  const token = deps.api?.queryToken;
  if (token) {
    app.use(dashboardAuth(token, (path) => OPEN_PATHS.test(path)));
    app.route("/", loginApp(token));
  }
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
  if (deps.archive) app.route("/api/archive", archiveApiApp(deps.archive, deps.api));
  app.route("/api", createApiApp(deps.store, deps.api, { alerts: deps.alerts }));
  app.route(
    "/",
    createPages(deps.store, {
      queryTimeoutSeconds: deps.api?.queryTimeoutSeconds,
      maxRangeHours: deps.api?.maxRangeHours,
      alerts: deps.alerts,
      archive: deps.archive,
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
