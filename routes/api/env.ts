/**
 * What every API sub-app shares: the Hono environment (the request's pinned
 * clock), the validation hook that turns zod failures into our 400 shape, and
 * the ClickHouse limits of every query.
 *
 * @module
 */
import type { Hook } from "@hono/zod-openapi";
import type { Env } from "hono";
import type { QueryOptions } from "../../sql/query_common.ts";
import type { ApiOptions } from "./options.ts";

/** Hono environment of the API: `now` is the request's clock, pinned by the cache middleware. */
export interface ApiEnv extends Env {
  Variables: { now: number };
}

/**
 * Answers 400 `{"error":{"code":"invalid_parameter","message"}}` naming the
 * first parameter zod refused.
 */
// deno-lint-ignore no-explicit-any
export const validationHook: Hook<any, ApiEnv, any, any> = (result, c) => {
  if (result.success) return;
  const issue = result.error.issues[0];
  const name = String(issue?.path?.[0] ?? "request").slice(0, 140);
  return c.json({
    error: { code: "invalid_parameter", message: `Invalid parameter "${name}": ${issue?.message}` },
  }, 400);
};

/** ClickHouse limits applied to every query of a request. */
export function queryOptions(options: ApiOptions, signal?: AbortSignal): QueryOptions {
  return {
    settings: {
      max_execution_time: options.queryTimeoutSeconds,
      max_result_rows: options.maxResultRows,
      result_overflow_mode: "throw",
    },
    signal,
  };
}
