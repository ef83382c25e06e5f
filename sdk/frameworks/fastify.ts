/**
 * Fastify instrumentation: the underlying `node:http` server gets SERVER spans, and Fastify
 * hooks add the route template and record errors.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { beginNodeRequest, instrumentNodeServer, type NodeServerLike } from "./node_http.ts";

type Done = () => void;

interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { url?: string };
  routerPath?: string;
}

interface FastifyReplyLike {
  raw: ServerResponse;
}

/** The parts of a Fastify instance the instrumentation uses. */
export interface FastifyLike {
  addHook(name: string, hook: (...args: never[]) => void): unknown;
  inject: unknown;
  server: NodeServerLike;
}

/**
 * Tells whether `app` looks like a Fastify instance.
 *
 * @example
 * ```ts
 * import { isFastifyApp } from "./fastify.ts";
 * console.log(isFastifyApp({})); // false
 * ```
 */
export function isFastifyApp(app: unknown): app is FastifyLike {
  const a = app as Partial<FastifyLike> | null;
  return (typeof app === "object" || typeof app === "function") && app !== null &&
    typeof a?.addHook === "function" && typeof a.inject === "function" &&
    typeof a.server === "object" && a.server !== null;
}

/**
 * Instruments a Fastify instance in place; call it before `listen()` / `ready()`.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { instrumentFastify } from "./fastify.ts";
 * const app = Fastify();
 * instrumentFastify(app as never);
 * ```
 */
export function instrumentFastify(app: FastifyLike): void {
  instrumentNodeServer(app.server);
  app.addHook("onRequest", (request: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => {
    const route = request.routeOptions?.url ?? request.routerPath;
    if (route) beginNodeRequest(request.raw, reply.raw).setRoute(route);
    done();
  });
  app.addHook(
    "onError",
    (request: FastifyRequestLike, reply: FastifyReplyLike, error: unknown, done: Done) => {
      beginNodeRequest(request.raw, reply.raw).recordException(error);
      done();
    },
  );
}
