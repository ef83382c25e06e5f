/**
 * Traces outgoing `node:http` / `node:https` requests (`request` and `get`) and propagates the
 * trace context in their headers.
 *
 * @module
 */
import { context, type Histogram } from "@opentelemetry/api";
import http from "node:http";
import https from "node:https";
import { startClientRequest } from "./http_client.ts";

type RequestFn = typeof http.request;

interface RequestOptionsLike {
  protocol?: string | null;
  hostname?: string | null;
  host?: string | null;
  port?: number | string | null;
  path?: string | null;
  method?: string;
}

/**
 * Patches `http.request/get` and `https.request/get`; returns a function that restores them.
 *
 * @example
 * ```ts
 * import { metrics } from "@opentelemetry/api";
 * import { installHttpClientInstrumentation } from "./instrument_http_client.ts";
 * const restore = installHttpClientInstrumentation(metrics.getMeter("x").createHistogram("d"));
 * restore();
 * ```
 */
export function installHttpClientInstrumentation(histogram: Histogram): () => void {
  const restores: (() => void)[] = [];
  for (const [mod, scheme] of [[http, "http:"], [https, "https:"]] as const) {
    const target = mod as unknown as { request: RequestFn; get: RequestFn };
    const originalRequest = target.request;
    const originalGet = target.get;
    try {
      target.request = wrapRequest(originalRequest, scheme, histogram);
      target.get = function get(...args: unknown[]) {
        const req = (target.request as (...a: unknown[]) => http.ClientRequest)(...args);
        req.end();
        return req;
      } as RequestFn;
    } catch {
      continue; // a frozen module: leave it alone
    }
    restores.push(() => {
      target.request = originalRequest;
      target.get = originalGet;
    });
  }
  syncEsm();
  return () => {
    for (const restore of restores) restore();
    syncEsm();
  };
}

function wrapRequest(original: RequestFn, scheme: string, histogram: Histogram): RequestFn {
  return function request(this: unknown, ...args: unknown[]): http.ClientRequest {
    const target = describe(args, scheme);
    const handle = target ? startClientRequest(target.method, target.url, histogram) : undefined;
    if (!handle) return (original as (...a: unknown[]) => http.ClientRequest).apply(this, args);
    let req: http.ClientRequest;
    try {
      req = context.with(
        handle.context,
        () => (original as (...a: unknown[]) => http.ClientRequest).apply(this, args),
      );
    } catch (error) {
      handle.end(undefined, error);
      throw error;
    }
    try {
      for (const [key, value] of Object.entries(handle.headers)) req.setHeader(key, value);
    } catch {
      // headers already sent: the span still records the call
    }
    req.once("response", (res: http.IncomingMessage) => {
      const done = () => handle.end(res.statusCode);
      res.once("end", done);
      res.once("close", done);
    });
    req.once("error", (error: Error) => handle.end(undefined, error));
    req.once("close", () => handle.end());
    return req;
  } as RequestFn;
}

function describe(args: unknown[], scheme: string): { method: string; url: URL } | undefined {
  try {
    let url: URL | undefined;
    let options: RequestOptionsLike = {};
    if (typeof args[0] === "string" || args[0] instanceof URL) {
      url = new URL(String(args[0]));
      if (args[1] && typeof args[1] === "object") options = args[1] as RequestOptionsLike;
    } else if (args[0] && typeof args[0] === "object") {
      options = args[0] as RequestOptionsLike;
    }
    if (!url) {
      const host = options.hostname ?? options.host?.replace(/:\d+$/, "") ?? "localhost";
      const port = options.port ? `:${options.port}` : "";
      const hostPart = host.includes(":") ? `[${host}]` : host;
      url = new URL(`${options.protocol ?? scheme}//${hostPart}${port}${options.path ?? "/"}`);
    }
    return { method: options.method ?? "GET", url };
  } catch {
    return undefined;
  }
}

function syncEsm(): void {
  // Node keeps named ESM exports of built-ins in sync only on request.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process;
  try {
    const mod = proc?.getBuiltinModule?.("node:module") as
      | { syncBuiltinESMExports?: () => void }
      | undefined;
    mod?.syncBuiltinESMExports?.();
  } catch {
    // not available on this runtime
  }
}
