/**
 * Express instrumentation (4 and 5): wraps `app.handle`, names spans by `req.baseUrl +
 * req.route.path`, and records errors that reach the end of the middleware stack.
 *
 * @module
 */
import { context } from "@opentelemetry/api";
import type { IncomingMessage, ServerResponse } from "node:http";
import { beginNodeRequest } from "./node_http.ts";

type Next = (error?: unknown) => void;
type ErrorMiddleware = (error: unknown, req: unknown, res: unknown, next: Next) => void;

interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

interface Layer {
  handle?: unknown;
}

/** The parts of an Express app the instrumentation uses. */
export interface ExpressLike {
  (req: IncomingMessage, res: ServerResponse, next?: Next): void;
  handle(req: IncomingMessage, res: ServerResponse, callback?: Next): void;
  use(...args: unknown[]): unknown;
  set(setting: string, value?: unknown): unknown;
  router?: { stack?: Layer[] };
  _router?: { stack?: Layer[] };
}

/**
 * Tells whether `app` looks like an Express application.
 *
 * @example
 * ```ts
 * import { isExpressApp } from "./express.ts";
 * console.log(isExpressApp(() => {})); // false
 * ```
 */
export function isExpressApp(app: unknown): app is ExpressLike {
  const a = app as Partial<ExpressLike>;
  return typeof app === "function" && typeof a.handle === "function" &&
    typeof a.use === "function" && typeof a.set === "function";
}

/**
 * Instruments an Express app in place.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { instrumentExpress } from "./express.ts";
 * const app = express();
 * instrumentExpress(app as never);
 * ```
 */
export function instrumentExpress(app: ExpressLike): void {
  const errorLayer: ErrorMiddleware = function tracehouseErrors(error, req, _res, next) {
    const handle = beginNodeRequest(req as IncomingMessage, _res as ServerResponse);
    handle.recordException(error);
    next(error);
  };
  app.use(errorLayer);
  const originalHandle = app.handle;
  app.handle = function tracedHandle(req, res, callback) {
    keepLast(app, errorLayer);
    const handle = beginNodeRequest(req, res);
    const originalEnd = res.end;
    res.end = function tracedEnd(this: ServerResponse, ...args: unknown[]) {
      const r = req as ExpressRequest;
      if (typeof r.route?.path === "string") handle.setRoute(`${r.baseUrl ?? ""}${r.route.path}`);
      return (originalEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse["end"];
    return context.with(handle.context, () => originalHandle.call(this, req, res, callback));
  };
}

function keepLast(app: ExpressLike, layer: ErrorMiddleware): void {
  const stack = (app.router ?? app._router)?.stack;
  if (!stack || stack.length === 0 || stack[stack.length - 1]?.handle === layer) return;
  const index = stack.findIndex((l) => l.handle === layer);
  if (index < 0) return;
  const [ours] = stack.splice(index, 1);
  stack.push(ours);
}
