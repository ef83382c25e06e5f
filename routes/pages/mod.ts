/**
 * The dashboard: server-rendered pages (services, traces, a trace, logs,
 * metrics) with Preact islands where interaction needs them, and the island
 * bundles and stylesheet under `/static/<hash>/`. Mount at `/`.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { createPages } from "./routes/pages/mod.ts";
 * const app = new Hono().route("/", createPages(store));
 * ```
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { VNode } from "preact";
import { classifyError } from "../../doors/errors.ts";
import type { Store } from "../../sql/store.ts";
import type { AlertsService } from "../api/alerts.ts";
import { alertsPage } from "./alerts_page.ts";
import { errorGroupPage, errorsPage } from "./errors_page.ts";
import { serviceMapPage } from "./service_map_page.ts";
import { type Assets, buildAssets } from "../../ui/build/assets.ts";
import { errorState } from "./components.ts";
import type { PageContext } from "./context.ts";
import { type PageName, renderDocument } from "./layout.ts";
import { logsPage } from "./logs_page.ts";
import { metricsPage } from "./metrics_page.ts";
import { servicesPage } from "./services_page.ts";
import { timeState } from "./state.ts";
import { tracePage } from "./trace_page.ts";
import { tracesPage } from "./traces_page.ts";

/** Options of {@linkcode createPages}. */
export interface PagesOptions {
  /** OTLP/HTTP endpoint shown in "send your first trace" hints. Default `http://127.0.0.1:4318`. */
  otlpEndpoint?: string;
  /** `max_execution_time` of page queries, seconds. Default 10. */
  queryTimeoutSeconds?: number;
  /** Largest time range, hours. Default 744. */
  maxRangeHours?: number;
  /** Built assets to reuse (tests share one build); default: built on first request. */
  assets?: Promise<Assets>;
  /** The alerting service for `/alerts`; the page explains how to turn it on without one. */
  alerts?: AlertsService | null;
  /** The Parquet archive; pages with `?archive=1` read it (docs/archiving.md). */
  archive?: Store & { target: { display: string } };
}

/** A page: returns its title and body, or a `Response` (redirects, 404). */
type PageHandler = (
  ctx: PageContext,
  c: Context,
) => Promise<{ title: string; body: VNode; status?: number; keyNav?: boolean } | Response>;

/** Builds the dashboard app. Assets are built on the first request unless given. */
export function createPages(store: Store, options: PagesOptions = {}): Hono {
  const app = new Hono();
  let assets: Promise<Assets> | undefined = options.assets;
  const getAssets = () => assets ??= buildAssets();
  const otlpEndpoint = options.otlpEndpoint ?? "http://127.0.0.1:4318";
  const queryOptions = {
    settings: { max_execution_time: options.queryTimeoutSeconds ?? 10 },
  };

  app.get("/static/:hash/:file", async (c) => {
    const built = await getAssets();
    const file = built.files.get(c.req.param("file"));
    if (!file || `/static/${c.req.param("hash")}/` !== built.base) {
      return c.text("Not found", 404, { "Cache-Control": "no-store" });
    }
    const headers: Record<string, string> = {
      "Content-Type": file.type,
      "Cache-Control": "public, max-age=31536000, immutable",
      "Vary": "Accept-Encoding",
    };
    if (/\bgzip\b/.test(c.req.header("Accept-Encoding") ?? "")) {
      headers["Content-Encoding"] = "gzip";
      return c.body(file.gzip as Uint8Array<ArrayBuffer>, 200, headers);
    }
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, headers);
  });

  const page = (active: PageName, handler: PageHandler) => async (c: Context) => {
    const url = new URL(c.req.url);
    const href = `${url.pathname}${url.search}`;
    const time = timeState(url.searchParams, { maxRangeHours: options.maxRangeHours });
    const fromArchive = url.searchParams.get("archive") === "1";
    const ctx: PageContext = {
      store: fromArchive && options.archive ? options.archive : store,
      href,
      params: url.searchParams,
      time,
      queryOptions,
      otlpEndpoint,
    };
    let result: Awaited<ReturnType<PageHandler>>;
    try {
      result = fromArchive && !options.archive
        ? {
          title: "No archive",
          body: errorState("This server reads no archive: start it with --archive-to."),
          status: 404,
        }
        : await handler(ctx, c);
    } catch (error) {
      result = failure(error, active);
    }
    if (result instanceof Response) return result;
    const doc = renderDocument(
      {
        title: result.title,
        active,
        href,
        time,
        body: result.body,
        keyNav: result.keyNav,
        archive: options.archive
          ? { location: options.archive.target.display, active: fromArchive }
          : undefined,
      },
      await getAssets(),
    );
    return c.html(doc, (result.status ?? 200) as 200, { "Cache-Control": "no-store" });
  };

  app.get("/", (c) => {
    const search = new URL(c.req.url).search;
    return c.redirect(`/services${search}`, 302);
  });
  app.get(
    "/services",
    page("services", async (ctx) => ({
      title: "Services",
      body: await servicesPage(ctx),
      keyNav: true,
    })),
  );
  app.get(
    "/traces",
    page("traces", async (ctx) => ({
      title: "Traces",
      body: await tracesPage(ctx),
      keyNav: true,
    })),
  );
  app.get(
    "/traces/:traceId",
    page("traces", async (ctx, c) => {
      const result = await tracePage(ctx, c.req.param("traceId") ?? "");
      return result;
    }),
  );
  app.get(
    "/logs",
    page("logs", async (ctx) => ({
      title: "Logs",
      body: await logsPage(ctx),
      keyNav: true,
    })),
  );
  app.get(
    "/metrics",
    page("metrics", async (ctx) => ({
      title: "Metrics",
      body: await metricsPage(ctx),
    })),
  );
  app.get(
    "/errors",
    page("errors", async (ctx) => ({ title: "Errors", body: await errorsPage(ctx), keyNav: true })),
  );
  app.get(
    "/errors/:fingerprint",
    page("errors", async (ctx, c) => {
      const fingerprint = c.req.param("fingerprint") ?? "";
      if (!/^[0-9a-fA-F]{16}$/.test(fingerprint)) {
        return {
          title: "Error group",
          body: errorState("An error fingerprint is 16 hexadecimal digits."),
          status: 400,
        };
      }
      const body = await errorGroupPage(ctx, fingerprint);
      if (!body) {
        return {
          title: "Error group",
          body: errorState("This error group has no occurrence in the selected time range."),
          status: 404,
        };
      }
      return { title: `Error ${fingerprint.toLowerCase()}`, body };
    }),
  );
  app.get(
    "/service-map",
    page("service-map", async (ctx) => ({
      title: "Service map",
      body: await serviceMapPage(ctx),
    })),
  );
  app.get(
    "/alerts",
    page("alerts", async () => ({ title: "Alerts", body: await alertsPage(options.alerts) })),
  );
  return app;
}

/** Errors through the shared classifier: the same codes, and engine text only in the log. */
function failure(error: unknown, active: PageName): { title: string; body: VNode; status: number } {
  const title = active[0].toUpperCase() + active.slice(1);
  const classified = classifyError(error, { context: `${active} page` });
  return { title, body: errorState(classified.message), status: classified.status };
}
