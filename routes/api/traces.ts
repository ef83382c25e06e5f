/**
 * `GET /traces` and `GET /traces/{traceId}`.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { DURATION_NS } from "../../params/duration.ts";
import { HTTPException } from "hono/http-exception";
import type { Store } from "../../sql/store.ts";
import { getTrace, listTraces } from "../../sql/traces.ts";
import { type ApiEnv, queryOptions, validationHook } from "./env.ts";
import type { ApiOptions } from "./options.ts";
import {
  attributesOf,
  durationNsOf,
  errorResponses,
  ErrorSchema,
  limitOf,
  listOf,
  pageParams,
  rangeOf,
  serviceParam,
  timeParams,
} from "./params.ts";
import { TraceSchema, TracesSchema } from "./schemas.ts";

const duration = z.string().regex(
  DURATION_NS,
  "expected integer nanoseconds or a duration like 250ms",
)
  .optional();

const listQuery = z.object({
  ...timeParams,
  ...pageParams,
  service: serviceParam,
  spanName: z.string().max(1024).optional().openapi({ description: "Exact span name." }),
  status: z.enum(["ok", "error", "unset"]).optional().openapi({ description: "Span status." }),
  minDuration: duration.openapi({
    description: "Span duration at least: ns or `15us`, `250ms`, `2s`.",
  }),
  maxDuration: duration.openapi({
    description: "Span duration at most: ns or `15us`, `250ms`, `2s`.",
  }),
});
const LIST_PARAMS = Object.keys(listQuery.shape);

const listRoute = createRoute({
  method: "get",
  path: "/",
  summary: "Trace summaries, newest first",
  description: "A trace is listed when one of its spans in the range matches every filter. " +
    "Attribute filters: `attr.<key>=<value>` (span or resource attributes). Keyset pagination.",
  request: { query: listQuery },
  responses: {
    200: { content: { "application/json": { schema: TracesSchema } }, description: "Traces" },
    ...errorResponses,
  },
});

const traceRoute = createRoute({
  method: "get",
  path: "/{traceId}",
  summary: "One trace: all spans ordered by start time",
  description: "Looks the trace's time slice up in otel_traces_trace_id_ts first. " +
    "`logs=1` adds the trace's logs.",
  request: {
    params: z.object({
      traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, "expected 32 hexadecimal digits"),
    }),
    query: z.object({
      logs: z.enum(["0", "1", "true", "false"]).optional().openapi({
        description: "Include logs.",
      }),
    }),
  },
  responses: {
    200: { content: { "application/json": { schema: TraceSchema } }, description: "The trace" },
    404: { content: { "application/json": { schema: ErrorSchema } }, description: "Unknown trace" },
    ...errorResponses,
  },
});

/** The traces sub-app, mounted at `/api/traces`. */
export function tracesApp(store: Store, options: ApiOptions): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const attributes = attributesOf(c, LIST_PARAMS);
    const result = await listTraces(
      store,
      {
        range: rangeOf(query, options, c.get("now")),
        services: listOf(query.service),
        spanName: query.spanName,
        status: query.status,
        minDurationNs: durationNsOf(query.minDuration, "minDuration"),
        maxDurationNs: durationNsOf(query.maxDuration, "maxDuration"),
        attributes,
      },
      { limit: limitOf(query.limit, options), cursor: query.cursor },
      queryOptions(options, c.req.raw.signal),
    );
    return c.json(result, 200);
  });
  app.openapi(traceRoute, async (c) => {
    const { traceId } = c.req.valid("param");
    const query = c.req.valid("query");
    attributesOf(c, ["logs"]);
    const trace = await getTrace(store, traceId, {
      logs: query.logs === "1" || query.logs === "true",
      maxSpans: options.maxTraceSpans,
      ...queryOptions(options, c.req.raw.signal),
    });
    if (!trace) {
      throw new HTTPException(404, { message: `Trace ${traceId.toLowerCase()} not found` });
    }
    return c.json(trace, 200);
  });
  return app;
}
