/**
 * The ways a CLI command fails, each with its documented exit code:
 * 1 no results (`--fail-empty`), 2 usage, 3 server or auth error.
 *
 * @module
 */

/** Exit codes of every CLI command (docs/cli.md). */
export const EXIT = { ok: 0, empty: 1, usage: 2, server: 3 } as const;

/** A bad flag, argument or value: the message says which and what is expected (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The server could not be reached or answered with an error (exit 3). `status` is the HTTP
 * status, 0 when there was no answer; `code` the API's error code when it sent one.
 */
export class ServerError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(message: string, status = 0, code = "") {
    super(message);
    this.name = "ServerError";
    this.status = status;
    this.code = code;
  }
}
