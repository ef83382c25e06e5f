/**
 * The HTTP listener of the UI/API and OTLP/HTTP doors, with the deadlines and the connection cap
 * `Deno.serve` does not offer: a client that sends its headers or its body too slowly
 * (slow-loris) gets `408` and its connection closed, and connections past the cap are closed
 * as soon as they are accepted, so a flood of idle sockets cannot starve real clients.
 *
 * It is Node's HTTP server (`node:http`, which Deno implements with Node's own parser and
 * timeout rules: `headersTimeout`, `requestTimeout`, `keepAliveTimeout`, `maxConnections`)
 * driven by a fetch-style handler through `@hono/node-server`.
 *
 * @module
 */
import { createAdaptorServer } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Deadlines and caps of a listener; every field has a default. */
export interface ListenLimits {
  /** Time a client has to send the request line and headers, ms. Default 10 000. */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request (headers + body), ms. Default 60 000. */
  requestTimeoutMs?: number;
  /** Idle time before a keep-alive connection is closed, ms. Default 5 000. */
  keepAliveTimeoutMs?: number;
  /** Open connections; more are closed on accept. Default 1 024. */
  maxConnections?: number;
}

/** The defaults of {@linkcode ListenLimits}. */
export const LISTEN_DEFAULTS: Required<ListenLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
};

/** Where to listen and with which limits. */
export interface ListenOptions extends ListenLimits {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
}

/** A running listener: the same shape as the parts of `Deno.HttpServer` the server uses. */
export interface Listener {
  readonly addr: Deno.NetAddr;
  /** Stops accepting, lets requests in flight finish (up to 10 s), then closes what is left. */
  shutdown(): Promise<void>;
  /** Settles when the listener has closed. */
  readonly finished: Promise<void>;
}

/**
 * Serves `handler` on `hostname:port` until `shutdown()`.
 *
 * @example
 * ```ts
 * import { listen } from "./listen.ts";
 * const server = await listen(() => new Response("ok"), { hostname: "127.0.0.1", port: 0 });
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * console.assert((await response.text()) === "ok");
 * await server.shutdown();
 * ```
 */
export async function listen(
  handler: (request: Request) => Response | Promise<Response>,
  options: ListenOptions,
): Promise<Listener> {
  const limits = { ...LISTEN_DEFAULTS, ...withoutUndefined(options) };
  const server = createAdaptorServer({
    fetch: (request: Request) => handler(withBytes(request)),
    // Its faster Request/Response classes would replace the globals, and `Deno.serve` (the
    // ClickHouse endpoint) refuses answers built from another class.
    overrideGlobalObjects: false,
    serverOptions: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two deadlines on this interval (30 s by default), so a deadline is
      // only as sharp as the interval.
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)),
      ),
    },
  }) as Server;
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    const where = `${options.hostname}:${options.port}`;
    if (error.code === "EADDRINUSE") throw new Deno.errors.AddrInUse(`${where} is in use`);
    if (error.code === "EADDRNOTAVAIL") {
      throw new Deno.errors.AddrNotAvailable(`${where} is not an address of this host`);
    }
    throw error;
  });
  const address = server.address() as AddressInfo;
  const finished = new Promise<void>((resolve) => server.once("close", () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    addr: { transport: "tcp", hostname: address.address, port: address.port },
    finished,
    shutdown: () =>
      stopping ??= (async () => {
        server.close();
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), 10_000);
        await finished;
        clearTimeout(timer);
      })(),
  };
}

/**
 * The adapter's requests are lightweight stand-ins that build a native `Request` on demand;
 * they lack `bytes()` (the inherited native one throws "Illegal invocation"), so it is added
 * on top of their fast `arrayBuffer()`.
 */
function withBytes(request: Request): Request {
  Object.defineProperty(request, "bytes", {
    value: async () => new Uint8Array(await request.arrayBuffer()),
  });
  return request;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<
    T
  >;
}
