/**
 * `@tracehouse/sdk`: OpenTelemetry traces, metrics and logs for Hono, Express, Fastify,
 * `Deno.serve` and `node:http` apps in one call, on Deno, Node and Bun.
 *
 * ```ts
 * import { Hono } from "hono";
 * import { instrumentApp, log, shutdown } from "@tracehouse/sdk";
 *
 * const app = instrumentApp(new Hono(), { serviceName: "checkout" });
 * app.get("/users/:id", (c) => {
 *   log.info("user viewed", { "user.id": c.req.param("id") });
 *   return c.json({ id: c.req.param("id") });
 * });
 * await shutdown();
 * ```
 *
 * @module
 */
export { type AppKind, detectApp, instrumentApp } from "./instrument_app.ts";
export {
  DEFAULT_ENDPOINT,
  type InstrumentOptions,
  type OtlpProtocol,
  type SamplerName,
} from "./config.ts";
export { forceFlush, init, isDenoOtelActive, shutdown } from "./sdk_state.ts";
export { SDK_VERSION } from "./scope.ts";
export { getTracer, recordException, withSpan } from "./tracing.ts";
export { counter, gauge, getMeter, histogram } from "./metrics.ts";
export { getLogger, type Log, log, type LogAttributes } from "./logs.ts";
export { activeServerRequest, type ServerRequestHandle } from "./http_server.ts";
