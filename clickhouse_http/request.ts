/**
 * The parts of a ClickHouse HTTP request that do not depend on its body:
 * query id, database, default output format, settings, bound parameters,
 * output protocol revision.
 *
 * @module
 */
import { EndpointError } from "./errors.ts";
import { type RequestSettings, settingsFromParams } from "./settings.ts";
import { PLAIN_NAME } from "../sql/identifiers.ts";

/** What a request asks for, besides its query text and data. */
export interface RequestOptions {
  queryId: string;
  /** `database` parameter or `X-ClickHouse-Database`; undefined for the store's own. */
  database?: string;
  /** Output format unless the query says `FORMAT …`. */
  defaultFormat: string;
  settings: RequestSettings;
  /** `param_<name>` values in ClickHouse's text form. */
  params: Record<string, string>;
  /** `client_protocol_version`: Native output is written for this protocol revision. */
  protocolVersion: number;
}

const FORMAT = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Reads {@linkcode RequestOptions} from the URL parameters and `X-ClickHouse-*` headers. */
export function requestOptions(request: Request, params: URLSearchParams): RequestOptions {
  const queryId = params.get("query_id") || crypto.randomUUID();
  if (queryId.length > 256) throw new EndpointError("BAD_ARGUMENTS", "query_id is too long");
  if (params.has("session_id")) {
    throw new EndpointError(
      "NOT_IMPLEMENTED",
      "Sessions (session_id) are not supported by this endpoint: every request is independent",
    );
  }
  for (const flag of ["compress", "decompress"]) {
    const value = params.get(flag);
    if (value !== null && value !== "0" && value !== "false") {
      throw new EndpointError(
        "NOT_IMPLEMENTED",
        `ClickHouse block compression (${flag}=${value.slice(0, 20)}) is not supported by this ` +
          "endpoint: use Content-Encoding: gzip or no compression",
      );
    }
  }
  const database = request.headers.get("x-clickhouse-database") ?? params.get("database") ?? "";
  if (database !== "" && !PLAIN_NAME.test(database)) {
    throw new EndpointError(
      "UNKNOWN_DATABASE",
      `Database ${database.slice(0, 100)} does not exist`,
    );
  }
  const defaultFormat = request.headers.get("x-clickhouse-format") ??
    params.get("default_format") ?? "TabSeparated";
  if (!FORMAT.test(defaultFormat)) {
    throw new EndpointError(
      "BAD_ARGUMENTS",
      `Invalid format name: '${defaultFormat.slice(0, 50)}'`,
    );
  }
  const protocolVersion = Number(params.get("client_protocol_version") ?? 0);
  if (!Number.isSafeInteger(protocolVersion) || protocolVersion < 0) {
    throw new EndpointError(
      "BAD_ARGUMENTS",
      "client_protocol_version must be a non-negative integer",
    );
  }
  return {
    queryId,
    database: database || undefined,
    defaultFormat,
    settings: settingsFromParams(params),
    params: boundParams(params),
    protocolVersion,
  };
}

/** `param_<name>` entries of `source`, keyed by `<name>`. */
export function boundParams(source: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of source) {
    if (!key.startsWith("param_")) continue;
    const name = key.slice("param_".length);
    if (!PLAIN_NAME.test(name)) {
      throw new EndpointError(
        "BAD_ARGUMENTS",
        `Invalid query parameter name: '${name.slice(0, 100)}'`,
      );
    }
    out[name] = value;
  }
  return out;
}
