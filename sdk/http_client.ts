/**
 * The client-span lifecycle shared by the `fetch` and `node:http` client instrumentations.
 *
 * @module
 */
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { normaliseMethod } from "./http_server.ts";
import { SCOPE_NAME, SDK_VERSION } from "./scope.ts";

/** One outgoing request in flight. */
export interface ClientRequestHandle {
  readonly span: Span;
  /** Context with the client span active: run the request in it. */
  readonly context: Context;
  /** Propagation headers (`traceparent`, `tracestate`, `baggage`) to add to the request. */
  readonly headers: Record<string, string>;
  /** Records the status (or the failure) and ends the span; idempotent. */
  end(status?: number, error?: unknown): void;
}

/**
 * Starts a CLIENT span for an outgoing request, or returns `undefined` when tracing is
 * suppressed in the active context (the SDK's own exports).
 *
 * @example
 * ```ts
 * import { metrics } from "@opentelemetry/api";
 * import { startClientRequest } from "./http_client.ts";
 * const histogram = metrics.getMeter("example").createHistogram("example");
 * const handle = startClientRequest("GET", new URL("http://127.0.0.1:9/"), histogram);
 * handle?.end(200);
 * ```
 */
export function startClientRequest(
  rawMethod: string,
  url: URL,
  histogram: Histogram,
): ClientRequestHandle | undefined {
  const active = context.active();
  if (isTracingSuppressed(active)) return undefined;
  const method = normaliseMethod(rawMethod);
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  const attributes: Attributes = {
    "http.request.method": method,
    "server.address": url.hostname,
    "server.port": port,
    "url.full": redact(url),
  };
  if (method === "_OTHER") attributes["http.request.method_original"] = rawMethod;
  const span = trace.getTracer(SCOPE_NAME, SDK_VERSION).startSpan(
    method === "_OTHER" ? "HTTP" : method,
    { kind: SpanKind.CLIENT, attributes },
    active,
  );
  const ctx = trace.setSpan(active, span);
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  const started = performance.now();
  let ended = false;
  return {
    span,
    context: ctx,
    headers,
    end(status, error) {
      if (ended) return;
      ended = true;
      const metricAttributes: Attributes = {
        "http.request.method": method,
        "server.address": url.hostname,
        "server.port": port,
      };
      let errorType: string | undefined;
      if (status !== undefined) {
        span.setAttribute("http.response.status_code", status);
        metricAttributes["http.response.status_code"] = status;
        if (status >= 400) errorType = String(status);
      }
      if (error !== undefined) {
        const err = error instanceof Error ? error : new Error(String(error));
        span.recordException(err);
        errorType = err.name || "Error";
      }
      if (errorType) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute("error.type", errorType);
        metricAttributes["error.type"] = errorType;
      }
      span.end();
      histogram.record((performance.now() - started) / 1000, metricAttributes);
    },
  };
}

function redact(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = "REDACTED";
  copy.password = "REDACTED";
  return copy.href;
}
