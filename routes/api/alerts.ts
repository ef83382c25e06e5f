/**
 * `GET /alerts` (rules with their current state per group, silences), the history of state
 * changes, and silences: `POST /alerts/silences`, `DELETE /alerts/silences/{id}`. Rules are read
 * only: they live in the alerts file. Mounted before the answer cache: alert state is live.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AlertManager } from "../../alerts/manager.ts";
import { durationSchema, LABEL_NAME } from "../../alerts/rule_schema.ts";
import { type ApiEnv, validationHook } from "./env.ts";
import { attributesOf, errorResponses, ErrorSchema } from "./params.ts";
import { AlertHistorySchema, AlertsSchema, SilenceSchema } from "./schemas.ts";

/** What the routes need from the alerting service. */
export type AlertsService = Pick<
  AlertManager,
  "status" | "createSilence" | "deleteSilence" | "history"
>;

/** Longest silence accepted through the API. */
const MAX_SILENCE_MS = 366 * 86_400_000;

const statusRoute = createRoute({
  method: "get",
  path: "/",
  summary: "Alert rules with the current state of each group",
  description: "Rules come from the alerts file (`--alerts-file`); `enabled` is false without one.",
  responses: {
    200: { content: { "application/json": { schema: AlertsSchema } }, description: "Alerts" },
    ...errorResponses,
  },
});

const historyRoute = createRoute({
  method: "get",
  path: "/history",
  summary: "The newest state transitions, newest first",
  request: {
    query: z.object({
      rule: z.string().max(128).optional().openapi({ description: "Only this rule." }),
      limit: z.string().regex(/^\d{1,4}$/, "expected a positive integer").optional(),
    }),
  },
  responses: {
    200: {
      content: { "application/json": { schema: AlertHistorySchema } },
      description: "Transitions",
    },
    ...errorResponses,
  },
});

const SilenceInput = z.object({
  matchers: z.record(
    z.string().regex(LABEL_NAME, "expected a label name"),
    z.string().max(1024),
  ).refine((m) => Object.keys(m).length > 0 && Object.keys(m).length <= 20, {
    message: "give 1 to 20 matchers",
  }).openapi({ example: { alertname: "checkout-errors", service: "checkout" } }),
  duration: durationSchema.optional().openapi({ type: "string", example: "2h" }),
  endsAt: z.iso.datetime({ offset: true }).optional(),
  comment: z.string().max(1024).default(""),
}).strict().openapi("SilenceInput");

const createSilenceRoute = createRoute({
  method: "post",
  path: "/silences",
  summary: "Silence alerts whose labels match every matcher, until `endsAt` or for `duration`",
  request: { body: { content: { "application/json": { schema: SilenceInput } }, required: true } },
  responses: {
    201: { content: { "application/json": { schema: SilenceSchema } }, description: "Created" },
    ...errorResponses,
  },
});

const deleteSilenceRoute = createRoute({
  method: "delete",
  path: "/silences/{id}",
  summary: "End a silence created through the API",
  request: { params: z.object({ id: z.uuid() }) },
  responses: {
    204: { description: "Deleted" },
    404: {
      content: { "application/json": { schema: ErrorSchema } },
      description: "No such silence",
    },
    ...errorResponses,
  },
});

function unavailable(): never {
  throw new HTTPException(404, {
    message: "Alerting is off: start Tracehouse with --alerts-file (TRACEHOUSE_ALERTS_FILE)",
  });
}

/** The alerts sub-app, mounted at `/api/alerts`; `service` is null when alerting is off. */
export function alertsApp(service: AlertsService | null): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(statusRoute, async (c) => {
    attributesOf(c, []);
    if (!service) return c.json({ enabled: false as const, rules: [], silences: [] }, 200);
    return c.json(await service.status(), 200);
  });
  app.openapi(historyRoute, async (c) => {
    const query = c.req.valid("query");
    attributesOf(c, ["rule", "limit"]);
    if (!service) return c.json({ transitions: [] }, 200);
    const limit = query.limit === undefined
      ? 100
      : Math.min(Math.max(Number(query.limit), 1), 1000);
    const transitions = await service.history(query.rule, limit);
    return c.json({
      transitions: transitions.map((t) => ({ ...t, at: new Date(t.at).toISOString() })),
    }, 200);
  });
  app.openapi(createSilenceRoute, async (c) => {
    if (!service) unavailable();
    const input = c.req.valid("json");
    const now = Date.now();
    if ((input.duration === undefined) === (input.endsAt === undefined)) {
      throw new HTTPException(400, { message: 'Invalid body: give either "duration" or "endsAt"' });
    }
    const endsAt = input.endsAt !== undefined ? Date.parse(input.endsAt) : now + input.duration!;
    if (endsAt <= now || endsAt - now > MAX_SILENCE_MS) {
      throw new HTTPException(400, {
        message: "Invalid body: the silence must end in the future and within 366 days",
      });
    }
    const created = await service.createSilence({
      matchers: input.matchers,
      endsAt,
      comment: input.comment,
    });
    return c.json({
      id: created.id,
      matchers: created.matchers,
      startsAt: new Date(created.startsAt).toISOString(),
      endsAt: new Date(created.endsAt).toISOString(),
      comment: created.comment,
      source: created.source,
    }, 201);
  });
  app.openapi(deleteSilenceRoute, async (c) => {
    if (!service) unavailable();
    const { id } = c.req.valid("param");
    if (!(await service.deleteSilence(id))) {
      throw new HTTPException(404, { message: `No active silence ${id}` });
    }
    return c.body(null, 204);
  });
  return app;
}
