/**
 * Manual tracing: `withSpan()` for sync and async work, and `getTracer()`.
 *
 * @module
 */
import {
  type Attributes,
  context,
  type Span,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { SCOPE_NAME, SDK_VERSION } from "./scope.ts";

/**
 * The tracer for `name` (default: the SDK's scope). A no-op until the SDK runs.
 *
 * @example
 * ```ts
 * import { getTracer } from "./tracing.ts";
 * const span = getTracer("billing").startSpan("charge");
 * span.end();
 * ```
 */
export function getTracer(name: string = SCOPE_NAME, version?: string): Tracer {
  return trace.getTracer(name, version ?? (name === SCOPE_NAME ? SDK_VERSION : undefined));
}

/**
 * Runs `fn` inside a new span (a child of the active one) and ends it when `fn` returns or
 * its promise settles. A thrown error or rejection is recorded on the span, which is marked as
 * an error, and then re-thrown unchanged.
 *
 * @example
 * ```ts
 * import { withSpan } from "./tracing.ts";
 * const total = withSpan("sum", () => 1 + 2, { "items.count": 2 });
 * const user = await withSpan("load user", async (span) => {
 *   span.setAttribute("user.id", 7);
 *   return { id: 7 };
 * });
 * console.log(total, user.id);
 * ```
 */
export function withSpan<T>(name: string, fn: (span: Span) => T, attributes?: Attributes): T {
  const span = getTracer().startSpan(name, { attributes });
  const fail = (error: unknown): void => {
    const err = error instanceof Error ? error : new Error(String(error));
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    span.setAttribute("error.type", err.name || "Error");
  };
  let result: T;
  try {
    result = context.with(trace.setSpan(context.active(), span), fn, undefined, span);
  } catch (error) {
    fail(error);
    span.end();
    throw error;
  }
  if (isThenable(result)) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error) => {
        fail(error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

/**
 * Records an exception on the active span (for example in a framework error handler).
 *
 * @example
 * ```ts
 * import { recordException } from "./tracing.ts";
 * recordException(new Error("card declined"));
 * ```
 */
export function recordException(error: unknown): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
