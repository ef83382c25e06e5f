/**
 * `node:http` / `node:https` server instrumentation (also the base for Express and Fastify).
 *
 * @module
 */
import { type Context, context } from "@opentelemetry/api";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ServerRequestHandle, startServerRequest } from "../http_server.ts";
import { compileRoutes, type RouteMatcher } from "../route_match.ts";
import type { RouteOptions } from "./fetch_handler.ts";
import { NodeRequestInfo } from "./node_request_info.ts";

/** The handle of a request, on its `IncomingMessage` and its `ServerResponse`. */
const HANDLE = Symbol("@tracehouse/sdk request");

type WithHandle = { [HANDLE]?: ServerRequestHandle };

/** The parts of a `node:http` server the instrumentation uses. */
export interface NodeServerLike {
  emit(event: string | symbol, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  listen(...args: unknown[]): unknown;
  address(): unknown;
}

/**
 * Tells whether `app` looks like a `node:http` (or `node:https`) server.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { isNodeServer } from "./node_http.ts";
 * console.log(isNodeServer(createServer())); // true
 * ```
 */
export function isNodeServer(app: unknown): app is NodeServerLike {
  const a = app as Partial<NodeServerLike> | null;
  return typeof app === "object" && app !== null && typeof a?.emit === "function" &&
    typeof a.on === "function" && typeof a.listen === "function" &&
    typeof a.address === "function";
}

/**
 * Instruments a `node:http` server in place: every `request` event runs in a SERVER span.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { instrumentNodeServer } from "./node_http.ts";
 * const server = createServer((_req, res) => res.end("ok"));
 * instrumentNodeServer(server);
 * ```
 */
export function instrumentNodeServer(server: NodeServerLike, options: RouteOptions = {}): void {
  const matchRoute = compileRoutes(options.routes ?? []);
  const originalEmit = server.emit;
  server.emit = function tracedEmit(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== "request") return originalEmit.call(this, event, ...args);
    const req = args[0] as IncomingMessage;
    const res = args[1] as ServerResponse;
    const handle = beginNodeRequest(req, res, matchRoute);
    return context.with(handle.context, () => {
      try {
        return originalEmit.call(this, event, ...args);
      } catch (error) {
        handle.end(500, error);
        throw error;
      }
    });
  };
}

/**
 * Starts (or joins) the server span of a `node:http` request and ends it when the response
 * finishes or the connection closes.
 *
 * @example
 * ```ts
 * import { beginNodeRequest } from "./node_http.ts";
 * console.log(typeof beginNodeRequest);
 * ```
 */
export function beginNodeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  matchRoute?: RouteMatcher,
): ServerRequestHandle {
  const existing = (req as WithHandle)[HANDLE];
  if (existing) return existing;
  const info = new NodeRequestInfo(req);
  info.route = matchRoute?.(info.target.path);
  const handle = startServerRequest(info);
  (req as WithHandle)[HANDLE] = handle;
  (res as WithHandle)[HANDLE] = handle;
  // Body events come from the socket's async context: bind them to the request's. Requests
  // without a body skip this (it costs a few µs per request).
  if (req.headers["content-length"] || req.headers["transfer-encoding"]) {
    bindEmitter(handle.context, req);
  }
  // "close" follows "finish" for completed responses and also covers aborted ones. One shared
  // listener (no closure, no `once` wrapper): the response emits "close" once.
  res.on("close", endOnClose);
  return handle;
}

/**
 * The span handle of a request started by {@linkcode beginNodeRequest}.
 *
 * @example
 * ```ts
 * import { nodeRequestHandle } from "./node_http.ts";
 * console.log(typeof nodeRequestHandle);
 * ```
 */
export function nodeRequestHandle(req: IncomingMessage): ServerRequestHandle | undefined {
  return (req as WithHandle)[HANDLE];
}

function endOnClose(this: ServerResponse): void {
  (this as WithHandle)[HANDLE]?.end(this.statusCode);
}

function bindEmitter(ctx: Context, emitter: IncomingMessage | ServerResponse): void {
  try {
    context.bind(ctx, emitter);
  } catch {
    // a context manager without event-emitter binding: callbacks keep their own context
  }
}
