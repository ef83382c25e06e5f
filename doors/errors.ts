/**
 * One error classifier and one JSON error envelope for every door:
 * `{ "error": { "code", "message", "id"? } }`.
 *
 * Errors the caller can act on (bad parameters, a missing token, a full queue, a query past its
 * time limit) keep their message. Anything else is internal: it is logged once with a short id
 * and answered with that id and a fixed message, so no caller (authenticated or not) sees engine
 * text, SQL, file paths or stack traces. Operators find the details in the log by the id.
 *
 * Doors that must answer in another format (OTLP's `google.rpc.Status`, gRPC status codes) map
 * the same {@linkcode Classified} value instead of inventing their own rules.
 *
 * @module
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { IngestError } from "../otlp/ingest.ts";
import { InvalidParamError } from "../sql/invalid_param.ts";
import { ClickHouseError } from "../sql/store.ts";

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; id?: string };
}

/** What a door needs to answer an error: status, stable code, safe message, log id. */
export interface Classified {
  status: ContentfulStatusCode;
  /** Stable, machine-readable: `invalid_parameter`, `unauthorized`, `internal`, … */
  code: string;
  /** Safe to show to any caller. */
  message: string;
  /** Set when the error was logged; the same id is in the log line. */
  id?: string;
  /** Seconds, for 429/503 answers clients should retry. */
  retryAfter?: number;
  /** Headers of the original answer (e.g. `WWW-Authenticate`). */
  headers?: Headers;
}

/**
 * An `HTTPException` with its own stable error code, for refusals that share a status
 * (403 `cross_site` vs 403 `host_not_allowed`).
 *
 * @example
 * ```ts
 * import { DoorError } from "./errors.ts";
 * const error = new DoorError(403, "cross_site", "Cross-site request refused");
 * console.assert(error.status === 403 && error.code === "cross_site");
 * ```
 */
export class DoorError extends HTTPException {
  /** The `code` of the envelope. */
  readonly code: string;

  constructor(status: ContentfulStatusCode, code: string, message: string) {
    super(status, { message });
    this.name = "DoorError";
    this.code = code;
  }
}

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  408: "request_timeout",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  503: "unavailable",
  504: "timeout",
};

/** ClickHouse error codes: TIMEOUT_EXCEEDED, TOO_SLOW; TOO_MANY_ROWS_OR_BYTES. */
const TIMEOUT_CODES = new Set([159, 160]);
const TOO_MANY_ROWS = 396;

/** A short random id that ties an answer to its log line. */
export function errorId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Options of {@linkcode classifyError}. */
export interface ClassifyOptions {
  /** Names the door in the log line, e.g. `query API`. Default `request`. */
  context?: string;
  /** Where internal errors are logged. Default `console.error`. */
  log?: (line: string, error: unknown) => void;
  /** `Retry-After` seconds of retryable ingest failures. Default 1. */
  retryAfterSeconds?: number;
  /** The query time limit, named in the 504 message when given. */
  queryTimeoutSeconds?: number;
}

function internal(error: unknown, options: ClassifyOptions, status: 500 | 503): Classified {
  const id = errorId();
  const log = options.log ?? ((line, e) => console.error(line, e));
  log(`tracehouse: ${options.context ?? "request"} failed [error id ${id}]:`, error);
  return status === 503
    ? {
      status,
      code: "unavailable",
      message: `The store is unavailable; retry later (error id ${id})`,
      id,
      retryAfter: options.retryAfterSeconds ?? 1,
    }
    : { status, code: "internal", message: `Internal error (error id ${id})`, id };
}

/**
 * Sorts any thrown value into what may be shown and what must only be logged.
 *
 * @example
 * ```ts
 * import { HTTPException } from "hono/http-exception";
 * import { classifyError } from "./errors.ts";
 * const shown = classifyError(new HTTPException(401, { message: "A token is required" }));
 * console.assert(shown.status === 401 && shown.code === "unauthorized");
 * const hidden = classifyError(new Error("DB::Exception: /var/lib/secret"), { log: () => {} });
 * console.assert(hidden.status === 500 && !hidden.message.includes("secret") && !!hidden.id);
 * ```
 */
export function classifyError(error: unknown, options: ClassifyOptions = {}): Classified {
  if (error instanceof DoorError) {
    return {
      status: error.status as ContentfulStatusCode,
      code: error.code,
      message: error.message,
      headers: error.res?.headers,
    };
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    if (status >= 500) return internal(error, options, 500);
    return {
      status,
      code: CODES[status] ?? `http_${status}`,
      message: error.message,
      headers: error.res?.headers,
    };
  }
  if (error instanceof InvalidParamError) {
    return { status: 400, code: "invalid_parameter", message: error.message };
  }
  if (error instanceof ClickHouseError && TIMEOUT_CODES.has(error.code)) {
    return {
      status: 504,
      code: "timeout",
      message: `The query ran past its ${
        options.queryTimeoutSeconds ? `limit of ${options.queryTimeoutSeconds} s` : "time limit"
      }; narrow the range or filters`,
    };
  }
  if (error instanceof ClickHouseError && error.code === TOO_MANY_ROWS) {
    return {
      status: 400,
      code: "result_too_large",
      message: "The result exceeds the row limit; narrow the query",
    };
  }
  if (error instanceof IngestError) {
    // "invalid" messages come from our decoder and name the bad field; the others may carry
    // engine text and are logged instead.
    if (error.reason === "invalid") {
      return { status: 400, code: "invalid_data", message: error.message };
    }
    if (error.reason === "queue_full") {
      return {
        status: 429,
        code: "too_many_requests",
        message: error.message,
        retryAfter: options.retryAfterSeconds ?? 1,
      };
    }
    return internal(error, options, 503);
  }
  return internal(error, options, 500);
}

/**
 * The JSON envelope of a classified error, with `Retry-After` and the original headers.
 *
 * @example
 * ```ts
 * import { classifyError, errorJson } from "./errors.ts";
 * const response = errorJson(classifyError(new Error("boom"), { log: () => {} }));
 * const body = await response.json();
 * console.assert(response.status === 500 && body.error.code === "internal" && !!body.error.id);
 * ```
 */
export function errorJson(classified: Classified): Response {
  const body: ErrorBody = { error: { code: classified.code, message: classified.message } };
  if (classified.id) body.error.id = classified.id;
  const headers = new Headers(classified.headers);
  headers.set("content-type", "application/json");
  if (classified.retryAfter !== undefined) {
    headers.set("retry-after", String(classified.retryAfter));
  }
  if (classified.status === 401 && !headers.has("www-authenticate")) {
    headers.set("www-authenticate", "Bearer");
  }
  return new Response(JSON.stringify(body), { status: classified.status, headers });
}

/**
 * Classifies `error` and answers with the JSON envelope: the `onError` of every Hono app.
 *
 * @example
 * ```ts ignore
 * app.onError((error) => errorResponse(error, { context: "query API" }));
 * ```
 */
export function errorResponse(error: unknown, options: ClassifyOptions = {}): Response {
  return errorJson(classifyError(error, options));
}
