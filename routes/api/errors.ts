/**
 * `GET /errors` and `GET /errors/{fingerprint}`: error groups from the error-group rollup.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { getErrorGroup, listErrorGroups } from "../../sql/errors.ts";
import type { Store } from "../../sql/store.ts";
import { type ApiEnv, queryOptions, validationHook } from "./env.ts";
import type { ApiOptions } from "./options.ts";
import {
  attributesOf,
  errorResponses,
  ErrorSchema,
  limitOf,
  listOf,
  pageParams,
  rangeOf,
  serviceParam,
  timeParams,
} from "./params.ts";
import { ErrorGroupSchema, ErrorGroupsSchema } from "./schemas.ts";

const listQuery = z.object({ ...timeParams, ...pageParams, service: serviceParam });
const LIST_PARAMS = Object.keys(listQuery.shape);
const detailQuery = z.object({ ...timeParams, service: serviceParam });
const DETAIL_PARAMS = Object.keys(detailQuery.shape);

const listRoute = createRoute({
  method: "get",
  path: "/",
  summary: "Error groups (by error.fingerprint), most recently seen first",
  description: "Read from the per-minute error-group rollup; the range is widened to whole " +
    "minutes. Each group carries a sparkline over the answer's `buckets`. Keyset pagination.",
  request: { query: listQuery },
  responses: {
    200: {
      content: { "application/json": { schema: ErrorGroupsSchema } },
      description: "Error groups",
    },
    ...errorResponses,
  },
});

const detailRoute = createRoute({
  method: "get",
  path: "/{fingerprint}",
  summary: "One error group: occurrences over time, per service, sample exception",
  description: "The sample's stack trace is read from its span (last `exception` event) or log.",
  request: {
    params: z.object({
      fingerprint: z.string().regex(/^[0-9a-fA-F]{16}$/, "expected 16 hexadecimal digits"),
    }),
    query: detailQuery,
  },
  responses: {
    200: {
      content: { "application/json": { schema: ErrorGroupSchema } },
      description: "The error group",
    },
    404: {
      content: { "application/json": { schema: ErrorSchema } },
      description: "No occurrence of this fingerprint in the range",
    },
    ...errorResponses,
  },
});

/** The error-groups sub-app, mounted at `/api/errors`. */
export function errorsApp(store: Store, options: ApiOptions): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    attributesOf(c, LIST_PARAMS);
    const result = await listErrorGroups(
      store,
      { range: rangeOf(query, options, c.get("now")), services: listOf(query.service) },
      { limit: limitOf(query.limit, options), cursor: query.cursor },
      queryOptions(options, c.req.raw.signal),
    );
    return c.json(result, 200);
  });
  app.openapi(detailRoute, async (c) => {
    const query = c.req.valid("query");
    attributesOf(c, DETAIL_PARAMS);
    const { fingerprint } = c.req.valid("param");
    const group = await getErrorGroup(
      store,
      fingerprint,
      { range: rangeOf(query, options, c.get("now")), services: listOf(query.service) },
      queryOptions(options, c.req.raw.signal),
    );
    if (!group) {
      throw new HTTPException(404, {
        message: `Error group ${fingerprint.toLowerCase()} has no occurrence in the range`,
      });
    }
    return c.json(group, 200);
  });
  return app;
}
