/**
 * Traces outgoing `fetch` calls and propagates the trace context in their headers.
 *
 * @module
 */
import { context, type Histogram } from "@opentelemetry/api";
import { startClientRequest } from "./http_client.ts";

const MARK = Symbol.for("@tracehouse/sdk fetch");

type Fetch = typeof globalThis.fetch;

/**
 * Replaces `globalThis.fetch` with a traced one; returns a function that restores it.
 *
 * @example
 * ```ts
 * import { metrics } from "@opentelemetry/api";
 * import { installFetchInstrumentation } from "./instrument_fetch.ts";
 * const restore = installFetchInstrumentation(metrics.getMeter("x").createHistogram("d"));
 * restore();
 * ```
 */
export function installFetchInstrumentation(histogram: Histogram): () => void {
  const original: Fetch = globalThis.fetch;
  if (typeof original !== "function" || (original as { [MARK]?: boolean })[MARK]) {
    return () => {};
  }
  const traced = function fetch(
    input: RequestInfo | URL,
    init?: RequestInit,
  ): Promise<Response> {
    let url: URL;
    let method: string;
    try {
      const isRequest = typeof Request !== "undefined" && input instanceof Request;
      url = new URL(isRequest ? input.url : input instanceof URL ? input.href : String(input));
      method = init?.method ?? (isRequest ? input.method : "GET");
    } catch {
      return original(input, init);
    }
    const handle = startClientRequest(method, url, histogram);
    if (!handle) return original(input, init);
    const headers = new Headers(
      init?.headers ?? (input instanceof Request ? input.headers : undefined),
    );
    for (const [key, value] of Object.entries(handle.headers)) headers.set(key, value);
    return context.with(handle.context, () => original(input, { ...init, headers })).then(
      (response) => {
        handle.end(response.status);
        return response;
      },
      (error) => {
        handle.end(undefined, error);
        throw error;
      },
    );
  } as Fetch;
  (traced as unknown as { [MARK]: boolean })[MARK] = true;
  globalThis.fetch = traced;
  return () => {
    if (globalThis.fetch === traced) globalThis.fetch = original;
  };
}
