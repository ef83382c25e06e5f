/**
 * `GET /logs`.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { InvalidParamError } from "../../sql/invalid_param.ts";
import { listLogs, SEVERITY_NUMBERS } from "../../sql/logs.ts";
import type { Store } from "../../sql/store.ts";
import { type ApiEnv, queryOptions, validationHook } from "./env.ts";
import type { ApiOptions } from "./options.ts";
import {
  attributesOf,
  errorResponses,
  limitOf,
  listOf,
  pageParams,
  rangeOf,
  serviceParam,
  timeParams,
} from "./params.ts";
import { LogsSchema } from "./schemas.ts";

const logsQuery = z.object({
  ...timeParams,
  ...pageParams,
  order: z.enum(["desc", "asc"]).optional().openapi({ description: "Newest first by default." }),
  service: serviceParam,
  severity: z.string().max(8).optional().openapi({
    description: "Minimum severity: trace, debug, info, warn, error, fatal or 1-24.",
    example: "warn",
  }),
  q: z.string().max(1024).optional().openapi({ description: "Case-insensitive body substring." }),
  traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, "expected 32 hexadecimal digits").optional(),
  spanId: z.string().regex(/^[0-9a-fA-F]{16}$/, "expected 16 hexadecimal digits").optional(),
});
const PARAMS = Object.keys(logsQuery.shape);

const route = createRoute({
  method: "get",
  path: "/",
  summary: "Log records, newest first",
  description: "Attribute filters: `attr.<key>=<value>` (log or resource attributes). " +
    "Keyset pagination; selective filters run in PREWHERE.",
  request: { query: logsQuery },
  responses: {
    200: { content: { "application/json": { schema: LogsSchema } }, description: "Logs" },
    ...errorResponses,
  },
});

/** Parses `severity`: a name or a number 1–24. */
export function severityOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const named = SEVERITY_NUMBERS[raw.toLowerCase()];
  if (named !== undefined) return named;
  if (/^\d{1,2}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 24) return Number(raw);
  throw new InvalidParamError(
    "severity",
    "expected trace, debug, info, warn, error, fatal or 1-24",
  );
}

/** The logs sub-app, mounted at `/api/logs`. */
export function logsApp(store: Store, options: ApiOptions): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const attributes = attributesOf(c, PARAMS);
    const result = await listLogs(store, {
      range: rangeOf(query, options, c.get("now")),
      services: listOf(query.service),
      minSeverity: severityOf(query.severity),
      text: query.q || undefined,
      traceId: query.traceId,
      spanId: query.spanId,
      attributes,
    }, {
      limit: limitOf(query.limit, options),
      cursor: query.cursor,
      order: query.order,
    }, queryOptions(options, c.req.raw.signal));
    return c.json(result, 200);
  });
  return app;
}
