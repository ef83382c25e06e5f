/**
 * The server-span lifecycle shared by every framework integration: extract the incoming trace
 * context, start a SERVER span named by method (and route, once known), record the semantic
 * convention attributes, the response status, exceptions and `http.server.request.duration`.
 *
 * @module
 */
import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from "@opentelemetry/api";
import { currentState, SCOPE_NAME, SDK_VERSION } from "./sdk_state.ts";

const HANDLE_KEY = createContextKey("@tracehouse/sdk server request");
const KNOWN_METHODS = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
]);

/** What a framework integration knows about an incoming request. */
export interface ServerRequestInfo {
  method: string;
  /** Absolute URL, or path plus query when the host is unknown. */
  url: string;
  /** Reads one request header (lower-case name). */
  header(name: string): string | undefined;
  /** Every header name, for propagation. */
  headerNames(): string[];
  clientAddress?: string;
  protocolVersion?: string;
  /** Route template already known at the start, e.g. from a `routes` option. */
  route?: string;
}

/** One request in flight. */
export interface ServerRequestHandle {
  readonly span: Span;
  /** Context to run the handler in: the server span is active in it. */
  readonly context: Context;
  /** Names the span `METHOD route` and sets `http.route`. */
  setRoute(route: string): void;
  /** Records an exception on the span and marks it as an error. */
  recordException(error: unknown): void;
  /** Sets the response status and ends the span (idempotent; nested handles only annotate). */
  end(status?: number, error?: unknown): void;
}

const infoGetter: TextMapGetter<ServerRequestInfo> = {
  get: (carrier, key) => carrier.header(key.toLowerCase()),
  keys: (carrier) => carrier.headerNames(),
};

/**
 * The request handle active in `ctx`, if a server integration started one.
 *
 * @example
 * ```ts
 * import { activeServerRequest } from "./http_server.ts";
 * activeServerRequest()?.setRoute("/users/:id");
 * ```
 */
export function activeServerRequest(
  ctx: Context = context.active(),
): ServerRequestHandle | undefined {
  return ctx.getValue(HANDLE_KEY) as ServerRequestHandle | undefined;
}

/**
 * Starts (or joins) the server span for a request. When an outer integration already handles
 * this request (for example `node:http` under Express, or Deno's built-in server span) the
 * answer annotates that span instead of creating a second one.
 *
 * @example
 * ```ts
 * import { startServerRequest } from "./http_server.ts";
 * const handle = startServerRequest({
 *   method: "GET",
 *   url: "http://localhost/users/1",
 *   header: () => undefined,
 *   headerNames: () => [],
 * });
 * handle.setRoute("/users/:id");
 * handle.end(200);
 * ```
 */
export function startServerRequest(info: ServerRequestInfo): ServerRequestHandle {
  const outer = activeServerRequest();
  if (outer) return nestedHandle(outer, info.route);
  const state = currentState();
  const active = trace.getActiveSpan();
  if (state?.denoOtel && active && active.isRecording()) {
    // Deno's built-in instrumentation already made the server span: annotate it.
    const ctx = context.active();
    const handle = annotatingHandle(active, ctx, info.method);
    if (info.route) handle.setRoute(info.route);
    return handle;
  }
  const method = normaliseMethod(info.method);
  const url = parseUrl(info.url);
  const parent = propagation.extract(context.active(), info, infoGetter);
  const attributes: Attributes = {
    "http.request.method": method,
    "url.path": url.pathname,
    "url.scheme": url.protocol.replace(":", ""),
  };
  if (method === "_OTHER") attributes["http.request.method_original"] = info.method;
  if (url.search) attributes["url.query"] = url.search.slice(1);
  if (url.hostname && url.hostname !== "unknown.invalid") {
    attributes["server.address"] = url.hostname;
    if (url.port) attributes["server.port"] = Number(url.port);
  }
  const ua = info.header("user-agent");
  if (ua) attributes["user_agent.original"] = ua;
  if (info.clientAddress) attributes["client.address"] = info.clientAddress;
  if (info.protocolVersion) attributes["network.protocol.version"] = info.protocolVersion;
  const tracer = trace.getTracer(SCOPE_NAME, SDK_VERSION);
  const span = tracer.startSpan(method === "_OTHER" ? "HTTP" : method, {
    kind: SpanKind.SERVER,
    attributes,
  }, parent);
  const started = performance.now();
  let route = info.route;
  let ended = false;
  let errorType: string | undefined;
  const handle: ServerRequestHandle = {
    span,
    context: undefined as unknown as Context,
    setRoute(next) {
      if (ended || !next) return;
      route = next;
      span.updateName(`${method === "_OTHER" ? "HTTP" : method} ${next}`);
      span.setAttribute("http.route", next);
    },
    recordException(error) {
      errorType = recordError(span, error) ?? errorType;
    },
    end(status, error) {
      if (ended) return;
      if (error !== undefined) handle.recordException(error);
      ended = true;
      const metricAttributes: Attributes = {
        "http.request.method": method,
        "url.scheme": attributes["url.scheme"],
      };
      if (route) metricAttributes["http.route"] = route;
      if (status !== undefined) {
        span.setAttribute("http.response.status_code", status);
        metricAttributes["http.response.status_code"] = status;
        if (status >= 500) {
          errorType ??= String(status);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      if (errorType) {
        span.setAttribute("error.type", errorType);
        metricAttributes["error.type"] = errorType;
      }
      span.end();
      state?.serverDuration.record((performance.now() - started) / 1000, metricAttributes);
    },
  };
  if (route) handle.setRoute(route);
  (handle as { context: Context }).context = trace.setSpan(parent, span).setValue(
    HANDLE_KEY,
    handle,
  );
  return handle;
}

function nestedHandle(outer: ServerRequestHandle, route: string | undefined): ServerRequestHandle {
  if (route) outer.setRoute(route);
  return {
    span: outer.span,
    context: context.active(),
    setRoute: (r) => outer.setRoute(r),
    recordException: (e) => outer.recordException(e),
    end: (_status, error) => {
      if (error !== undefined) outer.recordException(error);
    },
  };
}

function annotatingHandle(span: Span, parent: Context, rawMethod: string): ServerRequestHandle {
  const method = normaliseMethod(rawMethod);
  let ended = false;
  const handle: ServerRequestHandle = {
    span,
    context: undefined as unknown as Context,
    setRoute(route) {
      if (ended || !route) return;
      span.updateName(`${method === "_OTHER" ? "HTTP" : method} ${route}`);
      span.setAttribute("http.route", route);
    },
    recordException: (error) => {
      recordError(span, error);
    },
    end(_status, error) {
      if (error !== undefined) recordError(span, error);
      ended = true;
    },
  };
  (handle as { context: Context }).context = parent.setValue(HANDLE_KEY, handle);
  return handle;
}

function recordError(span: Span, error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  return err.name && err.name !== "Error" ? err.name : err.constructor?.name ?? "Error";
}

/**
 * Upper-cases a known HTTP method, else `_OTHER` (semantic conventions).
 *
 * @example
 * ```ts
 * import { normaliseMethod } from "./http_server.ts";
 * console.log(normaliseMethod("get")); // GET
 * ```
 */
export function normaliseMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : "_OTHER";
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    try {
      return new URL(raw, "http://unknown.invalid");
    } catch {
      return new URL("http://unknown.invalid/");
    }
  }
}
