/**
 * `GET /service-map`: edges between services from paired client/server spans.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { serviceMap } from "../../sql/service_map.ts";
import type { Store } from "../../sql/store.ts";
import { type ApiEnv, queryOptions, validationHook } from "./env.ts";
import type { ApiOptions } from "./options.ts";
import {
  attributesOf,
  errorResponses,
  listOf,
  rangeOf,
  serviceParam,
  timeParams,
} from "./params.ts";
import { ServiceMapSchema } from "./schemas.ts";

const query = z.object({ ...timeParams, service: serviceParam });
const PARAMS = Object.keys(query.shape);

const mapRoute = createRoute({
  method: "get",
  path: "/",
  summary: "Service map: calls, errors and latency per caller → callee edge",
  description: "Calls whose client span starts in the range, paired with their server span " +
    "through the materialized call table. `service` keeps edges touching that service.",
  request: { query },
  responses: {
    200: {
      content: { "application/json": { schema: ServiceMapSchema } },
      description: "Nodes and edges",
    },
    ...errorResponses,
  },
});

/** The service-map sub-app, mounted at `/api/service-map`. */
export function serviceMapApp(store: Store, options: ApiOptions): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(mapRoute, async (c) => {
    const q = c.req.valid("query");
    attributesOf(c, PARAMS);
    const result = await serviceMap(
      store,
      rangeOf(q, options, c.get("now")),
      { services: listOf(q.service) },
      queryOptions(options, c.req.raw.signal),
    );
    return c.json(result, 200);
  });
  return app;
}
