/**
 * `instrumentApp()`: detect the framework and instrument it, starting the SDK if needed.
 *
 * @module
 */
import type { InstrumentOptions } from "./config.ts";
import { instrumentExpress, isExpressApp } from "./frameworks/express.ts";
import { instrumentFastify, isFastifyApp } from "./frameworks/fastify.ts";
import { type FetchHandler, wrapFetchHandler } from "./frameworks/fetch_handler.ts";
import { instrumentHono, isHonoApp } from "./frameworks/hono.ts";
import { instrumentNodeServer, isNodeServer } from "./frameworks/node_http.ts";
import { ensureStarted, errorMessage } from "./sdk_state.ts";
import { warn } from "./warn.ts";

const INSTRUMENTED = Symbol.for("@tracehouse/sdk instrumented");

/** Which kind of app `instrumentApp` recognised. */
export type AppKind = "hono" | "express" | "fastify" | "node:http" | "fetch-handler" | "unknown";

/**
 * Names the framework of `app` the way {@linkcode instrumentApp} detects it.
 *
 * @example
 * ```ts
 * import { detectApp } from "./instrument_app.ts";
 * console.log(detectApp((_req: Request) => new Response("ok"))); // fetch-handler
 * ```
 */
export function detectApp(app: unknown): AppKind {
  if (isHonoApp(app)) return "hono";
  if (isFastifyApp(app)) return "fastify";
  if (isExpressApp(app)) return "express";
  if (isNodeServer(app)) return "node:http";
  if (typeof app === "function") return "fetch-handler";
  if (typeof (app as { fetch?: unknown } | null)?.fetch === "function") return "fetch-handler";
  return "unknown";
}

/**
 * Starts the SDK (once per process) and instruments `app`: a Hono app, an Express app, a
 * Fastify instance or a `node:http` server is patched in place and returned; a fetch-style
 * handler (`Deno.serve`, `Bun.serve`) is returned wrapped, so use the return value. An object
 * with a `fetch` method gets that method wrapped. Never throws: anything unrecognised is
 * returned unchanged with a warning.
 *
 * @example
 * ```ts
 * import { instrumentApp, shutdown } from "./mod.ts";
 * const handler = instrumentApp((_req: Request) => new Response("hello"), {
 *   serviceName: "hello",
 *   routes: ["/hello/:name"],
 * });
 * const res = await handler(new Request("http://localhost/hello/ada"));
 * console.log(res.status); // 200
 * await shutdown();
 * ```
 */
export function instrumentApp<T>(app: T, options: InstrumentOptions = {}): T {
  const state = ensureStarted(options);
  if (!state) return app;
  const target = app as T & { [INSTRUMENTED]?: boolean };
  try {
    if ((typeof app === "object" || typeof app === "function") && app !== null) {
      if (target[INSTRUMENTED]) return app;
    }
    const routes = options.routes ?? state.config.routes;
    switch (detectApp(app)) {
      case "hono":
        instrumentHono(app as never);
        break;
      case "fastify":
        instrumentFastify(app as never);
        break;
      case "express":
        instrumentExpress(app as never);
        break;
      case "node:http":
        instrumentNodeServer(app as never, { routes });
        break;
      case "fetch-handler": {
        if (typeof app === "function") {
          const wrapped = wrapFetchHandler(app as FetchHandler, { routes });
          (wrapped as { [INSTRUMENTED]?: boolean })[INSTRUMENTED] = true;
          return wrapped as T;
        }
        const holder = app as { fetch: FetchHandler };
        holder.fetch = wrapFetchHandler(holder.fetch.bind(app), { routes });
        break;
      }
      default:
        warn(
          "detect",
          "Cannot instrument this app: not Hono, Express, Fastify, node:http or a fetch handler",
        );
        return app;
    }
    target[INSTRUMENTED] = true;
  } catch (error) {
    warn("instrument", `Cannot instrument this app, it runs untraced: ${errorMessage(error)}`);
  }
  return app;
}
