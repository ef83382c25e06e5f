/**
 * Credentials of a ClickHouse HTTP request, from any of the three places
 * ClickHouse reads them (never two at once), checked in constant time.
 *
 * @module
 */
import { sameSecret } from "../doors/bearer.ts";
import { EndpointError } from "./errors.ts";

/** A user name and password. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * The credentials a request presents: `Authorization: Basic`,
 * `X-ClickHouse-User`/`X-ClickHouse-Key`, or `user`/`password` URL
 * parameters; `default` with no password when it presents none.
 */
export function requestCredentials(request: Request, params: URLSearchParams): Credentials {
  const found: Credentials[] = [];
  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    const match = /^Basic\s+([A-Za-z0-9+/=]*)\s*$/i.exec(authorization);
    if (!match) {
      throw new EndpointError(
        "AUTHENTICATION_FAILED",
        "Unsupported Authorization header: this endpoint accepts Basic authentication",
      );
    }
    let decoded: string;
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0)));
    } catch {
      throw new EndpointError("AUTHENTICATION_FAILED", "Malformed Basic authorization header");
    }
    const colon = decoded.indexOf(":");
    found.push(
      colon < 0
        ? { username: decoded, password: "" }
        : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) },
    );
  }
  const headerUser = request.headers.get("x-clickhouse-user");
  const headerKey = request.headers.get("x-clickhouse-key");
  if (headerUser !== null || headerKey !== null) {
    found.push({ username: headerUser ?? "default", password: headerKey ?? "" });
  }
  if (params.has("user") || params.has("password")) {
    found.push({
      username: params.get("user") ?? "default",
      password: params.get("password") ?? "",
    });
  }
  if (found.length > 1) {
    throw new EndpointError(
      "BAD_ARGUMENTS",
      "Invalid authentication: it is not allowed to use more than one of the Authorization header, " +
        "X-ClickHouse-User/X-ClickHouse-Key headers and user/password parameters at once",
    );
  }
  return found[0] ?? { username: "default", password: "" };
}

/**
 * Throws `AUTHENTICATION_FAILED` unless `given` matches `expected`. Both are
 * compared in constant time (`doors/bearer.ts`); an empty expected password
 * matches nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCredentials } from "./auth.ts";
 * checkCredentials({ username: "otel", password: "s3cret" }, { username: "otel", password: "s3cret" });
 * assert.throws(() => checkCredentials({ username: "otel", password: "" }, { username: "otel", password: "" }));
 * ```
 */
export function checkCredentials(given: Credentials, expected: Credentials): void {
  const userOk = sameSecret(given.username, expected.username);
  const passwordOk = sameSecret(given.password, expected.password);
  if (!userOk || !passwordOk) {
    throw new EndpointError(
      "AUTHENTICATION_FAILED",
      `${given.username.slice(0, 100)}: Authentication failed: password is incorrect, ` +
        "or there is no user with such name",
    );
  }
}
