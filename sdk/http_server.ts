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
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type TextMapGetter,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { currentState, type SdkState } from "./running.ts";
import { SCOPE_NAME, SDK_VERSION } from "./scope.ts";
import { ServerSpan } from "./server_span.ts";
import { adoptAttributes } from "./span_attributes.ts";

const HANDLE_KEY = createContextKey("@tracehouse/sdk server request");
/**
 * The API's span key (`createContextKey` is `Symbol.for(description)` in every 1.x release),
 * checked once against `trace.getSpan` before {@linkcode RequestContext} answers for it.
 */
const SPAN_KEY = createContextKey("OpenTelemetry Context Key SPAN");
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
  /** The URL already split (saves parsing `url`). */
  target?: RequestTarget;
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
  const active = context.active();
  const outer = activeServerRequest(active);
  if (outer) return nestedHandle(outer, info.route);
  const state = currentState();
  if (state?.denoOtel) {
    const span = trace.getSpan(active);
    if (span?.isRecording()) {
      // Deno's built-in instrumentation already made the server span: annotate it.
      const handle = annotatingHandle(span, active, info.method);
      if (info.route) handle.setRoute(info.route);
      return handle;
    }
  }
  return new ServerRequest(info, active, state);
}

class ServerRequest implements ServerRequestHandle {
  readonly span: Span;
  readonly context: Context;
  #method: string;
  #scheme: string;
  #route: string | undefined;
  /** Start time for a span that does not time itself (not recording); else NaN. */
  #started = NaN;
  #ended = false;
  #errorType: string | undefined;
  #state: SdkState | undefined;
  /** The request's context when it is the SDK's own (see `RequestContext`). */
  #own: RequestContext | undefined;

  constructor(info: ServerRequestInfo, active: Context, state: SdkState | undefined) {
    const method = normaliseMethod(info.method);
    const target = info.target ?? requestTarget(info.url);
    this.#method = method;
    this.#scheme = target.scheme;
    this.#route = info.route;
    this.#state = state;
    // With the SDK's own W3C propagators, a request without `traceparent` or `baggage` headers
    // has nothing to extract.
    const parent = state && !state.denoOtel && !info.header("traceparent") &&
        !info.header("baggage")
      ? active
      : propagation.extract(active, info, infoGetter);
    const attributes: Attributes = {
      "http.request.method": method,
      "url.path": target.path,
      "url.scheme": target.scheme,
    };
    if (method === "_OTHER") attributes["http.request.method_original"] = info.method;
    if (target.query) attributes["url.query"] = target.query;
    if (target.host) {
      attributes["server.address"] = target.host;
      if (target.port) attributes["server.port"] = target.port;
    }
    const ua = info.header("user-agent");
    if (ua) attributes["user_agent.original"] = ua;
    if (info.clientAddress) attributes["client.address"] = info.clientAddress;
    if (info.protocolVersion) {
      attributes["network.protocol.version"] = info.protocolVersion;
    }
    if (info.route) attributes["http.route"] = info.route;
    // The SDK's own samplers (sampler.ts) never read attributes, so the span gets them after
    // the sampling decision: `startSpan` would copy them twice more first, and a sampled-out
    // span skips them. Any other tracer (Deno's) sees them at the start, as the API intends.
    const ownSampler = state !== undefined && !state.denoOtel;
    const name = spanName(method, info.route);
    if (ownSampler && state.serverSpans) {
      // The SDK's own span class on the default set-up (see server_span.ts).
      this.span = state.serverSpans.start(name, parent, attributes);
    } else {
      this.span = tracerFor(state).startSpan(
        name,
        ownSampler ? SERVER_KIND : { kind: SpanKind.SERVER, attributes },
        parent,
      );
      if (ownSampler) adoptAttributes(this.span, attributes);
    }
    // The SDK's span ends with its own start, end and duration: reading them saves two clock
    // reads per request (each an op on Deno).
    if (!state || state.denoOtel || !(this.span as Partial<ReadableSpanTiming>).duration) {
      this.#started = performance.now();
    }
    // Under the SDK's own context manager, a small wrapper adds the span and the handle without
    // copying the context's map.
    if (state && !state.denoOtel && spanKeyWorks()) {
      this.#own = RequestContext.of(parent, this);
      this.context = this.#own;
    } else this.context = trace.setSpan(parent, this.span).setValue(HANDLE_KEY, this);
  }

  setRoute(route: string): void {
    if (this.#ended || !route || route === this.#route) return;
    this.#route = route;
    this.span.updateName(spanName(this.#method, route));
    this.span.setAttribute("http.route", route);
  }

  recordException(error: unknown): void {
    this.#errorType = recordError(this.span, error) ?? this.#errorType;
  }

  end(status?: number, error?: unknown): void {
    if (this.#ended) return;
    if (error !== undefined) this.recordException(error);
    this.#ended = true;
    const span = this.span;
    if (status !== undefined) {
      span.setAttribute("http.response.status_code", status);
      // An exception recorded already set the error status, with its message.
      if (status >= 500 && this.#errorType === undefined) {
        this.#errorType = String(status);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    if (this.#errorType) span.setAttribute("error.type", this.#errorType);
    span.end();
    this.#own?.release(span.spanContext());
    const state = this.#state;
    if (!state) return;
    const seconds = spanSeconds(span, this.#started);
    const method = this.#method;
    const scheme = this.#scheme;
    const route = this.#route;
    const errorType = this.#errorType;
    const key = durationKey(method, scheme, route, status, errorType);
    // A known attribute set (nearly every request) needs no attributes and no closure.
    if (state.serverDurationCells?.recordKnown(key, seconds)) return;
    const attributes = () => metricAttributes(method, scheme, route, status, errorType);
    if (state.serverDurationCells) state.serverDurationCells.record(key, attributes, seconds);
    else {
      let cached = fallbackAttributeSets.get(key);
      if (!cached) {
        cached = attributes();
        if (fallbackAttributeSets.size < 1000) fallbackAttributeSets.set(key, cached);
      }
      state.serverDuration.record(seconds, cached);
    }
  }
}

/** The last duration key made for each route, with what it was made of. */
interface KeyEntry {
  method: string;
  scheme: string;
  status: number | undefined;
  errorType: string | undefined;
  key: string;
}
const lastKeys = new Map<string | undefined, KeyEntry>();

/**
 * The `http.server.request.duration` cell key of an attribute set. Requests to a route mostly
 * repeat its last method, scheme and status: reusing that key string skips building and hashing
 * a new one per request.
 */
function durationKey(
  method: string,
  scheme: string,
  route: string | undefined,
  status: number | undefined,
  errorType: string | undefined,
): string {
  const last = lastKeys.get(route);
  if (
    last && last.method === method && last.status === status && last.scheme === scheme &&
    last.errorType === errorType
  ) {
    return last.key;
  }
  const key = `${method}\0${scheme}\0${status ?? ""}\0${errorType ?? ""}\0${route ?? ""}`;
  if (last) {
    last.method = method;
    last.scheme = scheme;
    last.status = status;
    last.errorType = errorType;
    last.key = key;
  } else if (lastKeys.size < 1000) lastKeys.set(route, { method, scheme, status, errorType, key });
  return key;
}

/** Attribute sets for the `Histogram` path (Deno's built-in telemetry), by key. */
/** Span options of a SERVER span whose attributes come after the sampling decision. */
const SERVER_KIND: SpanOptions = Object.freeze({ kind: SpanKind.SERVER });

const fallbackAttributeSets = new Map<string, Attributes>();

function metricAttributes(
  method: string,
  scheme: string,
  route: string | undefined,
  status: number | undefined,
  errorType: string | undefined,
): Attributes {
  const a: Attributes = { "http.request.method": method, "url.scheme": scheme };
  if (route) a["http.route"] = route;
  if (status !== undefined) a["http.response.status_code"] = status;
  if (errorType) a["error.type"] = errorType;
  return Object.freeze(a);
}

/** The span's own timing fields (`ReadableSpan`), present once it has ended. */
interface ReadableSpanTiming {
  duration: [number, number];
}

/** The request's duration in seconds: the span's own when it keeps one, else from `started`. */
function spanSeconds(span: Span, started: number): number {
  if (Number.isNaN(started) && span instanceof ServerSpan) return span.seconds;
  const duration = (span as Partial<ReadableSpanTiming>).duration;
  if (Number.isNaN(started) && duration && duration[0] >= 0) {
    return duration[0] + duration[1] / 1e9;
  }
  return (performance.now() - started) / 1000;
}

/** What {@linkcode activeServerRequest} answers in a request's context after the request ended. */
class EndedRequest implements ServerRequestHandle {
  readonly span: Span;
  readonly context: Context;

  constructor(span: Span, ctx: Context) {
    this.span = span;
    this.context = ctx;
  }

  setRoute(): void {}
  recordException(): void {}
  end(): void {}
}

/**
 * A context holding the request's span and handle on top of `inner` (and of every context made
 * from it): what `trace.setSpan(inner, span).setValue(HANDLE_KEY, handle)` holds, without
 * copying the context's map twice.
 *
 * Once the request has ended, its contexts stop referencing the span and the handle: they answer
 * with the span's context (`trace.wrapSpanContext`) and an ended handle, made on first ask. Deno's
 * `AsyncLocalStorage` keeps each value passed to `run()` alive until the next young-generation
 * collection (a `WeakMap` entry per `run()`); a context still holding the span (attributes,
 * resource, events) made every collection copy the last ~15,000 requests' spans, ~2 µs of
 * collection per request. Work that outlives the response still finds the same trace and parent
 * span id.
 */
class RequestContext implements Context {
  readonly #inner: Context;
  /** Whether the request's span is this context's span (not replaced or deleted since). */
  readonly #hasSpan: boolean;
  /** The request's first context, which holds the state below for all of them. */
  readonly #root: RequestContext;
  /** The live request, until it ends. */
  #request: ServerRequestHandle | undefined;
  /** The span's context, once the request has ended. */
  #spanContext: SpanContext | undefined;
  #ended: ServerRequestHandle | undefined;
  #endedSpan: Span | undefined;

  private constructor(inner: Context, hasSpan: boolean, root: RequestContext | undefined) {
    this.#inner = inner;
    this.#hasSpan = hasSpan;
    this.#root = root ?? this;
  }

  /** The first context of `request`, over `inner`. */
  static of(inner: Context, request: ServerRequestHandle): RequestContext {
    const ctx = new RequestContext(inner, true, undefined);
    ctx.#request = request;
    return ctx;
  }

  /** The request ended: answer with its span's context from now on. */
  release(spanContext: SpanContext): void {
    this.#spanContext = spanContext;
    this.#request = undefined;
  }

  getValue(key: symbol): unknown {
    if (key === HANDLE_KEY) return this.#root.#handle();
    if (key === SPAN_KEY && this.#hasSpan) return this.#root.#span();
    return this.#inner.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.#rewrap(key, this.#inner.setValue(key, value));
  }

  deleteValue(key: symbol): Context {
    return this.#rewrap(key, this.#inner.deleteValue(key));
  }

  #handle(): ServerRequestHandle {
    return this.#request ?? (this.#ended ??= new EndedRequest(this.#span(), this));
  }

  #span(): Span {
    return this.#request?.span ??
      (this.#endedSpan ??= trace.wrapSpanContext(this.#spanContext as SpanContext));
  }

  /** `inner` changed under `key`: keep what this context adds, except what `key` replaces. */
  #rewrap(key: symbol, inner: Context): Context {
    if (key === HANDLE_KEY) {
      return this.#hasSpan ? inner.setValue(SPAN_KEY, this.#root.#span()) : inner;
    }
    if (key === SPAN_KEY) return new RequestContext(inner, false, this.#root);
    return new RequestContext(inner, this.#hasSpan, this.#root);
  }
}

let spanKeyChecked: boolean | undefined;

/** Whether `SPAN_KEY` is the key `trace.getSpan` reads (checked once). */
function spanKeyWorks(): boolean {
  if (spanKeyChecked === undefined) {
    const probe = trace.wrapSpanContext({
      traceId: "1".repeat(32),
      spanId: "1".repeat(16),
      traceFlags: 0,
    });
    spanKeyChecked = trace.getSpan(ROOT_CONTEXT.setValue(SPAN_KEY, probe)) === probe;
  }
  return spanKeyChecked;
}

let cachedTracer: { state: SdkState; tracer: Tracer } | undefined;

function tracerFor(state: SdkState | undefined): Tracer {
  if (!state) return trace.getTracer(SCOPE_NAME, SDK_VERSION);
  if (cachedTracer?.state !== state) {
    cachedTracer = { state, tracer: trace.getTracer(SCOPE_NAME, SDK_VERSION) };
  }
  return cachedTracer.tracer;
}

function spanName(method: string, route: string | undefined): string {
  const m = method === "_OTHER" ? "HTTP" : method;
  return route ? `${m} ${route}` : m;
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
  // Nearly every request: an upper-case known method, answered without a new string.
  if (method === "GET" || method === "POST") return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : "_OTHER";
}

/** The parts of a request URL the span needs. */
export interface RequestTarget {
  scheme: string;
  host?: string;
  port?: number;
  path: string;
  query?: string;
}

/**
 * Splits a request URL (absolute, or a path with a query) into the parts the span needs.
 *
 * @example
 * ```ts
 * import { requestTarget } from "./http_server.ts";
 * console.log(requestTarget("http://localhost:8000/users/7?x=1").path); // /users/7
 * ```
 */
export function requestTarget(raw: string): RequestTarget {
  try {
    const url = new URL(raw);
    return {
      scheme: url.protocol.slice(0, -1),
      host: url.hostname || undefined,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: url.search ? url.search.slice(1) : undefined,
    };
  } catch {
    const [path, query] = raw.split("?", 2);
    return { scheme: "http", path: path || "/", query };
  }
}
