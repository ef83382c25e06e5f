/**
 * ClickHouse-style error answers: the status code a ClickHouse server would
 * pick for an exception, and a body `Code: N. DB::Exception: … (NAME)`.
 *
 * @module
 */
import { errorId } from "../doors/errors.ts";
import { ClickHouseError } from "../sql/store.ts";

/** Exception names ClickHouse answers with 400 Bad Request. */
const BAD_REQUEST = new Set([
  "BAD_ARGUMENTS",
  "CANNOT_COMPILE_REGEXP",
  "CANNOT_PARSE_TEXT",
  "CANNOT_PARSE_ESCAPE_SEQUENCE",
  "CANNOT_PARSE_QUOTED_STRING",
  "CANNOT_PARSE_DATE",
  "CANNOT_PARSE_DATETIME",
  "CANNOT_PARSE_NUMBER",
  "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING",
  "CANNOT_PARSE_IPV4",
  "CANNOT_PARSE_IPV6",
  "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
  "CANNOT_PARSE_UUID",
  "DUPLICATE_COLUMN",
  "ILLEGAL_COLUMN",
  "UNKNOWN_ELEMENT_IN_AST",
  "UNKNOWN_TYPE_OF_AST_NODE",
  "THERE_IS_NO_COLUMN",
  "TOO_DEEP_AST",
  "TOO_BIG_AST",
  "UNEXPECTED_AST_STRUCTURE",
  "SYNTAX_ERROR",
  "INCORRECT_DATA",
  "TYPE_MISMATCH",
  "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
  // Not in ClickHouse's table (they answer 500) but plainly the request's fault here.
  "UNKNOWN_COMPRESSION_METHOD",
  "CANNOT_DECOMPRESS",
  "SETTING_CONSTRAINT_VIOLATION",
  "NO_SUCH_COLUMN_IN_TABLE",
]);

/** Exception names ClickHouse answers with 404 Not Found. */
const NOT_FOUND = new Set([
  "UNKNOWN_TABLE",
  "UNKNOWN_FUNCTION",
  "UNKNOWN_IDENTIFIER",
  "UNKNOWN_TYPE",
  "UNKNOWN_STORAGE",
  "UNKNOWN_DATABASE",
  "UNKNOWN_SETTING",
  "UNKNOWN_DIRECTION_OF_SORTING",
  "UNKNOWN_AGGREGATE_FUNCTION",
  "UNKNOWN_FORMAT",
  "UNKNOWN_DATABASE_ENGINE",
  "UNKNOWN_TYPE_OF_QUERY",
  "UNKNOWN_ROLE",
]);

const OTHER: Record<string, number> = {
  REQUIRED_PASSWORD: 401,
  UNKNOWN_USER: 403,
  WRONG_PASSWORD: 403,
  AUTHENTICATION_FAILED: 403,
  SET_NON_GRANTED_ROLE: 403,
  ACCESS_DENIED: 403,
  QUERY_IS_TOO_LARGE: 413,
  NOT_IMPLEMENTED: 501,
  SOCKET_TIMEOUT: 503,
  CANNOT_OPEN_FILE: 503,
  HTTP_LENGTH_REQUIRED: 411,
  TIMEOUT_EXCEEDED: 408,
  CANNOT_SCHEDULE_TASK: 503,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_METHOD: 405,
};

/** Numeric codes of the exceptions this endpoint raises itself. */
export const ERROR_CODES = {
  UNSUPPORTED_METHOD: 1,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  READONLY: 164,
  UNKNOWN_DATABASE: 81,
  UNKNOWN_TABLE: 60,
  NO_SUCH_COLUMN_IN_TABLE: 16,
  STD_EXCEPTION: 1001,
  THERE_IS_NO_SESSION: 113,
  UNKNOWN_COMPRESSION_METHOD: 89,
  UNKNOWN_SETTING: 115,
  SYNTAX_ERROR: 62,
  QUERY_IS_TOO_LARGE: 229,
  CANNOT_DECOMPRESS: 271,
  SETTING_CONSTRAINT_VIOLATION: 452,
  ACCESS_DENIED: 497,
  AUTHENTICATION_FAILED: 516,
} as const;

/** An exception raised by the endpoint itself, before the engine runs anything. */
export class EndpointError extends ClickHouseError {
  constructor(type: keyof typeof ERROR_CODES, message: string) {
    const code = ERROR_CODES[type];
    super(`Code: ${code}. DB::Exception: ${message}. (${type})`, code, type);
  }
}

/**
 * The HTTP status ClickHouse uses for an exception, by its symbolic name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusForError } from "./errors.ts";
 * assert.ok(statusForError("SYNTAX_ERROR") === 400);
 * assert.ok(statusForError("UNKNOWN_TABLE") === 404);
 * ```
 */
export function statusForError(type: string): number {
  if (BAD_REQUEST.has(type)) return 400;
  if (NOT_FOUND.has(type)) return 404;
  return OTHER[type] ?? 500;
}

/** Options of {@linkcode errorResponse}. */
export interface ErrorResponseOptions {
  /**
   * Whether the caller passed the password. Engine messages reach only
   * callers that did; anything else is logged with an id and answered with
   * that id. Default false.
   */
  authenticated?: boolean;
  /** Where hidden errors are logged. Default `console.error`. */
  log?: (line: string, error: unknown) => void;
}

/**
 * A ClickHouse-style error response for `error`, with `X-ClickHouse-Exception-Code`.
 * The endpoint's own refusals ({@linkcode EndpointError}) are always shown;
 * engine errors only to authenticated callers; anything else (a bug, an I/O
 * failure) is logged with an id and only the id is answered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorResponse } from "./errors.ts";
 * const response = errorResponse(new Error("/secret/path"), new Headers(), { log: () => {} });
 * const text = await response.text();
 * assert.ok(response.status === 500 && !text.includes("secret") && /error id [0-9a-f]+/.test(text));
 * ```
 */
export function errorResponse(
  error: unknown,
  headers: Headers = new Headers(),
  options: ErrorResponseOptions = {},
): Response {
  let chError: ClickHouseError;
  if (
    error instanceof EndpointError || (options.authenticated && error instanceof ClickHouseError)
  ) {
    chError = error;
  } else {
    const id = errorId();
    (options.log ?? ((line, e) => console.error(line, e)))(
      `tracehouse: ClickHouse HTTP endpoint request failed [error id ${id}]:`,
      error,
    );
    chError = new EndpointError("STD_EXCEPTION", `Internal error (error id ${id})`);
  }
  headers.set("Content-Type", "text/plain; charset=UTF-8");
  headers.set("X-ClickHouse-Exception-Code", String(chError.code));
  const status = chError.code === 0 ? 500 : statusForError(chError.type);
  const body = chError.message.endsWith("\n") ? chError.message : `${chError.message}\n`;
  return new Response(body, { status, headers });
}

/** A refusal: `403 ACCESS_DENIED` in ClickHouse's words. */
export function refused(reason: string): EndpointError {
  return new EndpointError(
    "ACCESS_DENIED",
    `Not allowed through this endpoint: ${reason}. It accepts reads of this database's tables, ` +
      "inserts into its tables (INSERT INTO t (columns) FORMAT F, data in the body) and nothing else",
  );
}
