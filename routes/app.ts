/**
 * The UI-port application: health probes, the JSON API and the dashboard,
 * mounted in one place.
 *
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Store } from "../sql/store.ts";
import { archiveApiApp } from "./api/archive.ts";
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
  /** The Parquet archive, served at `/api/archive` (docs/archiving.md). */
  archive?: Store & { target: { display: string } };
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string };
}

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  503: "unavailable",
};

/**
 * Turns any thrown error into `{ "error": { "code", "message" } }`; internal
 * errors are logged and answered without their details.
 */
export function errorResponse(error: Error): Response {
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const body: ErrorBody = {
      error: { code: CODES[status] ?? `http_${status}`, message: error.message },
    };
    return Response.json(body, { status, headers: error.res?.headers });
  }
  console.error("tracehouse: unhandled error in a request:", error);
  const body: ErrorBody = { error: { code: "internal", message: "Internal server error" } };
  return Response.json(body, { status: 500 });
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
      return c.json({ status: "store unreachable", message: (error as Error).message }, 503);
    }
    return c.json({ status: "ready", engine: deps.store.kind });
  });
  if (deps.archive) app.route("/api/archive", archiveApiApp(deps.archive, deps.api));
  app.route("/api", createApiApp(deps.store, deps.api));
  app.route(
    "/",
    createPages(deps.store, {
      queryTimeoutSeconds: deps.api?.queryTimeoutSeconds,
      maxRangeHours: deps.api?.maxRangeHours,
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
  app.onError((error) => errorResponse(error));
  return app;
}
