/**
 * `GET /metrics` and `GET /metrics/query`.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AGGREGATIONS, autoStep, listMetrics, queryMetric } from "../../sql/metrics.ts";
import type { Store } from "../../sql/store.ts";
import { parseDuration } from "../../params/duration.ts";
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
import { MetricSeriesSchema, MetricsSchema } from "./schemas.ts";

const listQuery = z.object({ ...timeParams, service: serviceParam });

const listRoute = createRoute({
  method: "get",
  path: "/",
  summary: "Metric names with type, unit, description and services",
  request: { query: listQuery },
  responses: {
    200: { content: { "application/json": { schema: MetricsSchema } }, description: "Metrics" },
    ...errorResponses,
  },
});

const seriesQuery = z.object({
  ...timeParams,
  name: z.string().min(1).max(1024).openapi({
    description: "Metric name.",
    example: "http.server.duration",
  }),
  step: z.string().regex(
    /^(\d{1,7}|\d{1,9}(ms|s|m|h|d|w))$/,
    "expected seconds or a duration like 1m",
  )
    .optional().openapi({
      description: "Bucket width: seconds or `10s`, `1m`, `1h`. Default about range/300.",
    }),
  agg: z.enum(AGGREGATIONS).optional().openapi({
    description:
      "avg (default), sum, min, max, count; rate for sums; p50/p90/p95/p99 for histograms.",
  }),
  groupBy: z.string().max(600).optional().openapi({
    description: "Comma list of `service` and `attr.<key>`, at most 4.",
    example: "service,attr.http.method",
  }),
  service: serviceParam,
  source: z.enum(["auto", "rollup", "raw"]).optional().openapi({
    description: "Force the rollup or raw points. Default: rollup when the step is whole minutes.",
  }),
});
const SERIES_PARAMS = Object.keys(seriesQuery.shape);

const seriesRoute = createRoute({
  method: "get",
  path: "/query",
  summary: "One metric aggregated over step buckets, in uPlot's column format",
  description: "Attribute filters: `attr.<key>=<value>` (data point attributes).",
  request: { query: seriesQuery },
  responses: {
    200: {
      content: { "application/json": { schema: MetricSeriesSchema } },
      description: "Series",
    },
    ...errorResponses,
  },
});

/** The metrics sub-app, mounted at `/api/metrics`. */
export function metricsApp(store: Store, options: ApiOptions): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    attributesOf(c, Object.keys(listQuery.shape));
    const range = rangeOf(query, options, c.get("now"));
    const result = await listMetrics(
      store,
      range,
      { services: listOf(query.service) },
      queryOptions(options, c.req.raw.signal),
    );
    return c.json(result, 200);
  });
  app.openapi(seriesRoute, async (c) => {
    const query = c.req.valid("query");
    const attributes = attributesOf(c, SERIES_PARAMS);
    const range = rangeOf(query, options, c.get("now"));
    const step = query.step === undefined
      ? autoStep(range)
      : /^\d+$/.test(query.step)
      ? Number(query.step)
      : Math.ceil(parseDuration(query.step, "step") / 1000);
    const { rowsRead: _rowsRead, ...result } = await queryMetric(store, {
      name: query.name,
      range,
      stepSeconds: step,
      agg: query.agg ?? "avg",
      groupBy: query.groupBy ? query.groupBy.split(",").map((s) => s.trim()) : undefined,
      services: listOf(query.service),
      attributes,
      source: query.source,
    }, queryOptions(options, c.req.raw.signal));
    return c.json(result, 200);
  });
  return app;
}
