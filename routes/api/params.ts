/**
 * Request parameters shared by the API routes: zod schemas (which also feed
 * the OpenAPI document) and the checks that depend on configuration.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { InvalidParamError } from "../../sql/invalid_param.ts";
import { checkAttributeKey, checkValue } from "../../sql/query_common.ts";
import { parseDurationNs } from "../../params/duration.ts";
import { parseTimeRange } from "../../params/time.ts";
import { type TimeRange } from "../../sql/time_range.ts";
import type { ApiOptions } from "./options.ts";

/** `from` and `to`. */
export const timeParams = {
  from: z.string().max(64).optional().openapi({
    description: "Start: RFC 3339, epoch ms or `now-1h` style. Default `now-1h`.",
    example: "now-1h",
  }),
  to: z.string().max(64).optional().openapi({
    description: "End: RFC 3339, epoch ms or `now` style. Default `now`.",
    example: "now",
  }),
};

/** `limit` and `cursor`. */
export const pageParams = {
  limit: z.string().regex(/^\d{1,7}$/, "expected a positive integer").optional().openapi({
    description: "Rows per page, 1 to the configured maximum (default 1000). Default 100.",
    example: "100",
  }),
  cursor: z.string().max(512).optional().openapi({
    description: "`nextCursor` of the previous page (opaque).",
  }),
};

/** `service`, repeatable. */
export const serviceParam = z.union([z.string().max(1024), z.array(z.string().max(1024)).max(50)])
  .optional().openapi({
    description: "Service name; repeat for several.",
    example: "checkout",
  });

/** Shared schema of an error answer. */
export const ErrorSchema = z.object({
  error: z.object({
    code: z.string().openapi({ example: "invalid_parameter" }),
    message: z.string().openapi({ example: 'Invalid parameter "from": expected RFC 3339' }),
  }),
}).openapi("Error");

/** Error responses every query route may answer. */
export const errorResponses = {
  400: {
    content: { "application/json": { schema: ErrorSchema } },
    description: "A bad parameter, named in the message",
  },
  401: {
    content: { "application/json": { schema: ErrorSchema } },
    description: "Missing or wrong bearer token (when TRACEHOUSE_QUERY_TOKEN is set)",
  },
  504: {
    content: { "application/json": { schema: ErrorSchema } },
    description: "The query ran past its time limit",
  },
};

/** The list of values of a repeatable parameter. */
export function listOf(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** Time range from `from`/`to` with the configured maximum span. */
export function rangeOf(
  query: { from?: string; to?: string },
  options: ApiOptions,
  now: number,
): TimeRange {
  return parseTimeRange(query, { now, maxRangeMs: options.maxRangeHours * 3_600_000 });
}

/** Page size from `limit`, bounded by the configuration. */
export function limitOf(raw: string | undefined, options: ApiOptions): number {
  if (raw === undefined) return options.defaultPageLimit;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > options.maxPageLimit) {
    throw new InvalidParamError("limit", `must be between 1 and ${options.maxPageLimit}`);
  }
  return limit;
}

/** A span-duration filter (see {@linkcode parseDurationNs}), `undefined` when absent. */
export function durationNsOf(raw: string | undefined, name: string): bigint | undefined {
  return raw === undefined ? undefined : parseDurationNs(raw, name);
}

/**
 * Collects `attr.<key>=<value>` parameters, checking keys and values, and
 * refuses any parameter that is neither in `known` nor an attribute filter.
 */
export function attributesOf(c: Context, known: readonly string[]): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (name.startsWith("attr.")) {
      const key = checkAttributeKey(name.slice(5), name.slice(0, 140));
      if (values.length !== 1) throw new InvalidParamError(name, "give each attribute once");
      attributes[key] = checkValue(values[0], name);
    } else if (!known.includes(name)) {
      throw new InvalidParamError(name.slice(0, 140), "unknown parameter");
    }
  }
  return attributes;
}
