/**
 * `GET /services` and `GET /services/{service}/operations`.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listOperations, listServices } from "../../sql/services.ts";
import type { Store } from "../../sql/store.ts";
import { toRfc3339 } from "../../sql/time_range.ts";
import { type ApiEnv, queryOptions, validationHook } from "./env.ts";
import type { ApiOptions } from "./options.ts";
import { attributesOf, errorResponses, rangeOf, timeParams } from "./params.ts";
import { OperationsSchema, ServicesSchema } from "./schemas.ts";

const servicesRoute = createRoute({
  method: "get",
  path: "/",
  summary: "Services with span count, error rate and latency percentiles",
  description: "Read from the per-minute span rollup; the range is widened to whole minutes.",
  request: { query: z.object(timeParams) },
  responses: {
    200: { content: { "application/json": { schema: ServicesSchema } }, description: "Services" },
    ...errorResponses,
  },
});

const operationsRoute = createRoute({
  method: "get",
  path: "/{service}/operations",
  summary: "Operations (span names) of one service",
  description: "Same figures per span name, with the span kind from the catalog dictionary.",
  request: {
    params: z.object({ service: z.string().min(1).max(1024) }),
    query: z.object(timeParams),
  },
  responses: {
    200: {
      content: { "application/json": { schema: OperationsSchema } },
      description: "Operations",
    },
    ...errorResponses,
  },
});

/** The services sub-app, mounted at `/api/services`. */
export function servicesApp(store: Store, options: ApiOptions): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(servicesRoute, async (c) => {
    const query = c.req.valid("query");
    attributesOf(c, ["from", "to"]);
    const range = rangeOf(query, options, c.get("now"));
    const result = await listServices(store, range, queryOptions(options, c.req.raw.signal));
    return c.json({ from: toRfc3339(range.fromNs), to: toRfc3339(range.toNs), ...result }, 200);
  });
  app.openapi(operationsRoute, async (c) => {
    const query = c.req.valid("query");
    attributesOf(c, ["from", "to"]);
    const range = rangeOf(query, options, c.get("now"));
    const { service } = c.req.valid("param");
    const result = await listOperations(
      store,
      service,
      range,
      queryOptions(options, c.req.raw.signal),
    );
    return c.json(result, 200);
  });
  return app;
}
