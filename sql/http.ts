/**
 * The remote engine: a ClickHouse server (or cluster, or Tracehouse's own
 * ClickHouse-compatible endpoint) over HTTP through `@clickhouse/client-web`.
 *
 * Same contract as the embedded engine: `{name:Type}` parameters bound by the
 * server, per-call settings, typed {@linkcode ClickHouseError}s. Parameters
 * are serialised by `params.ts` (shared with the embedded engine) and sent as
 * `param_<name>` URL parameters verbatim, so both engines bind identical text.
 *
 * @module
 */
import {
  type ClickHouseClient,
  ClickHouseError as ClientError,
  type ClickHouseSettings,
  createClient,
} from "@clickhouse/client-web";
import { quoteIdentifier, quoteTableName } from "./identifiers.ts";
import { encodeNative } from "./native/mod.ts";
import { formatParams } from "./params.ts";
import {
  type CallOptions,
  ClickHouseError,
  type InsertOptions,
  isNativeBlock,
  type NativeBlock,
  type QueryResult,
  type Settings,
  type Store,
} from "./store.ts";
import { PLAIN_NAME } from "./identifiers.ts";

/** Options of {@linkcode HttpStore.open}. */
export interface HttpStoreOptions {
  /** Server URL, e.g. `http://127.0.0.1:8123`. */
  url: string;
  /** Default `default`. */
  username?: string;
  /** Default empty. */
  password?: string;
  /** Database for unqualified names; created when missing. Default `default`. */
  database?: string;
  /** Per-request timeout in milliseconds. Default 60,000. */
  requestTimeoutMs?: number;
}

/** Options of {@linkcode HttpStore.insert}. */
export interface HttpInsertOptions extends InsertOptions {
  /**
   * Wire format of row objects. `Native` (default) is the fastest to encode and parse; a
   * {@linkcode NativeBlock} always goes as `Native`.
   */
  format?: "Native" | "JSONEachRow";
}

const SETTING_NAME = /^[a-z_][a-z0-9_]*$/;
/** Sent with every request: a server's default, stated so any server behaves the same. */
const BASE_SETTINGS: ClickHouseSettings = { output_format_json_quote_64bit_integers: 1 };

interface Summary {
  read_rows?: string;
  read_bytes?: string;
  elapsed_ns?: string;
}

/**
 * A ClickHouse server reached over HTTP.
 *
 * @example
 * ```ts ignore
 * import { HttpStore } from "./http.ts";
 * const store = await HttpStore.open({ url: "http://127.0.0.1:8123", database: "tracehouse" });
 * const [row] = await store.query<{ n: number }>("SELECT {n:UInt8} AS n", { params: { n: 1 } });
 * await store.close();
 * ```
 */
export class HttpStore implements Store {
  readonly kind = "remote" as const;
  readonly database: string;
  readonly url: string;
  #client: ClickHouseClient;
  #auth: string;
  #timeoutMs: number;
  #closed = false;

  private constructor(client: ClickHouseClient, options: Required<HttpStoreOptions>) {
    this.#client = client;
    this.url = options.url;
    this.database = options.database;
    this.#auth = `Basic ${btoa(`${options.username}:${options.password}`)}`;
    this.#timeoutMs = options.requestTimeoutMs;
  }

  /** Connects, and creates the database when it does not exist yet. */
  static async open(options: HttpStoreOptions): Promise<HttpStore> {
    const resolved: Required<HttpStoreOptions> = {
      username: "default",
      password: "",
      database: "default",
      requestTimeoutMs: 60_000,
      ...options,
    };
    if (!PLAIN_NAME.test(resolved.database)) {
      throw new TypeError(`Invalid database name: "${resolved.database}"`);
    }
    const connect = (database: string) =>
      createClient({
        url: resolved.url,
        username: resolved.username,
        password: resolved.password,
        database,
        request_timeout: resolved.requestTimeoutMs,
        clickhouse_settings: BASE_SETTINGS,
      });
    // Fail at startup, not at the first query: check the server answers, and create the
    // database, which must exist before a client can name it on every request.
    const bootstrap = connect("default");
    try {
      await bootstrap.command({
        query: resolved.database === "default"
          ? "SELECT 1"
          : `CREATE DATABASE IF NOT EXISTS \`${resolved.database}\``,
      }).catch((error) => rethrow(error, resolved.url));
    } finally {
      await bootstrap.close();
    }
    return new HttpStore(connect(resolved.database), resolved);
  }

  async query<Row = Record<string, unknown>>(sql: string, options?: CallOptions): Promise<Row[]> {
    const result = await this.#client.query({
      query: sql,
      format: "JSONEachRow",
      clickhouse_settings: requestSettings(options),
      abort_signal: options?.signal,
    }).catch(rethrow);
    return await result.json<Row>().catch(rethrow);
  }

  async queryWithStats<Row = Record<string, unknown>>(
    sql: string,
    options?: CallOptions,
  ): Promise<QueryResult<Row>> {
    const result = await this.#client.query({
      query: sql,
      format: "JSONEachRow",
      // The summary header is complete only when the server buffers the whole answer.
      clickhouse_settings: { ...requestSettings(options), wait_end_of_query: 1 },
      abort_signal: options?.signal,
    }).catch(rethrow);
    const rows = await result.json<Row>().catch(rethrow);
    const summary = parseSummary(result.response_headers["x-clickhouse-summary"]);
    return {
      rows,
      stats: {
        rowsRead: Number(summary.read_rows ?? 0),
        bytesRead: Number(summary.read_bytes ?? 0),
        elapsedMs: Number(summary.elapsed_ns ?? 0) / 1e6,
      },
    };
  }

  async command(sql: string, options?: CallOptions): Promise<void> {
    await this.#client.command({
      query: sql,
      clickhouse_settings: requestSettings(options),
      abort_signal: options?.signal,
    }).catch(rethrow);
  }

  /**
   * Inserts rows in one request. `Native` goes out as one binary body (the web
   * client cannot send bytes, so this is a plain `fetch` with the same URL and
   * credentials); `JSONEachRow` goes through the client.
   */
  async insert(
    table: string,
    rows: readonly Record<string, unknown>[] | NativeBlock,
    options: HttpInsertOptions,
  ): Promise<void> {
    const target = quoteTableName(table);
    const settings = requestSettings({ settings: options.settings });
    const block = isNativeBlock(rows);
    if ((block ? rows.rows : rows.length) === 0) return;
    const columns = options.columns.map((c) => quoteIdentifier(c.name));
    if (!block && options.format === "JSONEachRow") {
      await this.#client.command({
        query: `INSERT INTO ${target} (${columns.join(", ")}) FORMAT JSONEachRow\n${
          rows.map((row) => JSON.stringify(row, jsonReplacer)).join("\n")
        }`,
        clickhouse_settings: settings,
      }).catch(rethrow);
      return;
    }
    const body = block ? rows.native : encodeNative(rows, options.columns);
    await this.#post(`INSERT INTO ${target} (${columns.join(", ")}) FORMAT Native`, body, settings);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
  }

  async #post(query: string, body: Uint8Array, settings: ClickHouseSettings) {
    if (this.#closed) throw new Error("The remote engine is closed");
    const url = new URL(this.url);
    url.searchParams.set("query", query);
    if (this.database !== "default") url.searchParams.set("database", this.database);
    for (const [name, value] of Object.entries({ ...BASE_SETTINGS, ...settings })) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const response = await fetch(url, {
      method: "POST",
      body: body as Uint8Array<ArrayBuffer>,
      headers: { Authorization: this.#auth, "Content-Type": "application/octet-stream" },
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    if (!response.ok || response.headers.has("x-clickhouse-exception-code")) {
      throw ClickHouseError.fromMessage(text || `HTTP ${response.status}`);
    }
  }
}

/** Settings and bound parameters of one call, as URL parameters for the client. */
function requestSettings(
  options: Pick<CallOptions, "params" | "settings"> = {},
): ClickHouseSettings {
  const out: ClickHouseSettings = {};
  for (const [name, value] of Object.entries(options.settings ?? {} as Settings)) {
    if (!SETTING_NAME.test(name)) throw new TypeError(`Invalid setting name: "${name}"`);
    out[name] = value;
  }
  // `params.ts` already produced ClickHouse's text form; the client would escape it again
  // if passed as `query_params`, so the values travel as ready-made `param_*` entries.
  for (const [name, value] of Object.entries(formatParams(options.params))) {
    out[`param_${name}`] = value;
  }
  return out;
}

function parseSummary(header: string | string[] | undefined): Summary {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return {};
  try {
    return JSON.parse(text) as Summary;
  } catch {
    return {};
  }
}

/**
 * Turns the client's error into the store's {@linkcode ClickHouseError}; with
 * `url`, anything else (refused connection, timeout) becomes an error naming it.
 */
function rethrow(error: unknown, url?: string): never {
  if (error instanceof ClientError) {
    const type = error.type ? ` (${error.type})` : "";
    throw new ClickHouseError(
      `Code: ${error.code}. DB::Exception: ${error.message.trim()}${type}`,
      Number(error.code),
      error.type ?? "",
    );
  }
  if (url !== undefined) {
    throw new Error(`Cannot reach ClickHouse at ${url}: ${(error as Error)?.message ?? error}`, {
      cause: error,
    });
  }
  throw error;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}
