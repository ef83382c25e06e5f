/**
 * A ClickHouse-compatible HTTP endpoint over the embedded engine, so that
 * ClickHouse clients (`@clickhouse/client-web`, clickhouse-go as used by the
 * collector's `clickhouseexporter`, curl) can write telemetry into
 * Tracehouse's tables and read it back.
 *
 * What it accepts is an allow-list decided by the engine's own parser
 * (`classify.ts`): reads of the database's own tables and a few `system`
 * tables, run with `readonly = 1`; `INSERT INTO t [(cols)] FORMAT F` into
 * Tracehouse's tables with the data in the body; schema changes only with
 * `allowSchemaChanges`. Everything else is refused with `403 ACCESS_DENIED`.
 * No request changes state that outlives it: `SET`, `USE`, temporary tables
 * and sessions are refused, settings travel in the statement's own `SETTINGS`
 * clause, and a request's `database` is switched back after it.
 *
 * Every request needs the endpoint's password (`password.ts`); browser
 * requests from other sites and `Host` names the endpoint does not answer to
 * are refused before anything else (`doors/cross_site.ts`). Engine messages
 * reach authenticated callers only.
 *
 * Supported: `GET /`, `/ping`; the query in the `query` parameter, the body,
 * or both (parameter first, then a newline, then the body, as ClickHouse
 * does); `multipart/form-data` bodies with `query` and `param_*` fields;
 * `param_*`, `database`, `default_format`, `query_id` and allowed settings
 * (`settings.ts`) as URL parameters; `X-ClickHouse-User`/`-Key`/`-Database`/
 * `-Format` headers, Basic auth or `user`/`password` parameters; gzip or
 * plain bodies; insert data written to a file and read with `FROM INFILE`,
 * never inlined into query text; ClickHouse's status codes, error text and
 * `X-ClickHouse-*` response headers; every output format chDB has, with
 * `Native` written for the client's protocol revision.
 *
 * Not supported: sessions, ClickHouse's own block compression, external
 * tables, compressed responses.
 *
 * @module
 */
import { join } from "node:path";
import { crossSiteRefusal } from "../doors/cross_site.ts";
import type { ChdbStore, RawResult } from "../sql/chdb.ts";
import { quoteIdentifier } from "../sql/identifiers.ts";
import { TABLE_COLUMNS } from "../sql/schema.ts";
import { ClickHouseError } from "../sql/store.ts";
import { checkCredentials, type Credentials, requestCredentials } from "./auth.ts";
import { bodyChunks, multipartQuery, readBody } from "./body.ts";
import { type Classified, Classifier, type InsertTarget } from "./classify.ts";
import { MAX_STATEMENT_BYTES } from "./insert_split.ts";
import { EndpointError, errorResponse } from "./errors.ts";
import { toProtocolRevision } from "./native_revision.ts";
import { finish } from "./response.ts";
import { FunctionPolicy } from "./policy.ts";
import { type RequestOptions, requestOptions } from "./request.ts";
import { settingsClause } from "./settings.ts";

/** Options of {@linkcode clickhouseHttpHandler}. */
export interface ClickHouseHttpOptions {
  /** The one accepted user; default `default`. */
  username?: string;
  /** Its password; required, not empty (see `password.ts` for a generated one). */
  password: string;
  /** Largest request body, compressed or not. Default 256 MiB. */
  maxBodyBytes?: number;
  /** Where insert data is staged; default `<data path>/tracehouse_http_inserts`. */
  insertDir?: string;
  /**
   * Upper bound of `max_execution_time`, in seconds, and its value for
   * requests that set none (or 0). Every request shares the engine's one
   * queue with Tracehouse's own ingest, so no query may hold it for long.
   * Default 60.
   */
  maxExecutionTimeSeconds?: number;
  /**
   * Tables of the store's database that inserts may target. Default: the
   * tables of Tracehouse's schema (`sql/schema.ts`).
   */
  insertTables?: Iterable<string>;
  /**
   * Also accept `CREATE DATABASE`, `CREATE TABLE` (MergeTree family and
   * `Memory`, no table settings), `DROP TABLE`, and reads and inserts in any
   * database but the engine's own: for a trusted client that manages its own
   * schema, such as Tracehouse's remote engine in tests. Default false.
   */
  allowSchemaChanges?: boolean;
  /** Host names the endpoint answers to besides IP literals and `localhost`. */
  allowedHosts?: readonly string[];
  /** Where errors hidden from callers are logged with their id. Default `console.error`. */
  log?: (line: string, error: unknown) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY: RawResult = {
  data: new Uint8Array(0),
  stats: { rowsRead: 0, bytesRead: 0, elapsedMs: 0 },
};

/**
 * A fetch handler that answers ClickHouse's HTTP interface from `store`.
 *
 * @example
 * ```ts ignore
 * import { ChdbStore } from "../sql/chdb.ts";
 * import { clickhouseHttpHandler } from "./server.ts";
 * const store = await ChdbStore.open({ path: "./data" });
 * Deno.serve({ hostname: "127.0.0.1", port: 8123 }, clickhouseHttpHandler(store, { password: "s3cret" }));
 * ```
 */
export function clickhouseHttpHandler(
  store: ChdbStore,
  options: ClickHouseHttpOptions,
): (request: Request) => Promise<Response> {
  if (!options.password) {
    throw new TypeError("The ClickHouse HTTP endpoint needs a password");
  }
  const expected: Credentials = {
    username: options.username ?? "default",
    password: options.password,
  };
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024 * 1024;
  const maxSeconds = options.maxExecutionTimeSeconds ?? 60;
  const insertDir = options.insertDir ?? join(store.path, "tracehouse_http_inserts");
  if (/['\\]/.test(insertDir)) throw new TypeError(`Unsafe insert directory: ${insertDir}`);
  const insertTables = new Set(options.insertTables ?? Object.keys(TABLE_COLUMNS));
  const allowedHosts = options.allowedHosts;
  let classifier: Promise<Classifier> | undefined;
  let insertDirReady: Promise<void> | undefined;
  let insertCounter = 0;

  function engineClassifier(): Promise<Classifier> {
    classifier ??= FunctionPolicy.load(store).then((functions) =>
      new Classifier(store, functions, {
        database: store.database,
        insertTables,
        allowSchemaChanges: options.allowSchemaChanges ?? false,
      })
    );
    // A failed load is retried by the next request.
    classifier.catch(() => classifier = undefined);
    return classifier;
  }

  async function stageInsert(prefix: Uint8Array, rest: AsyncIterable<Uint8Array> | undefined) {
    insertDirReady ??= prepareInsertDir(insertDir);
    await insertDirReady;
    // The name comes from a counter, never from the request.
    const path = join(insertDir, `${Deno.pid}-${++insertCounter}.data`);
    const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    try {
      if (prefix.length > 0) await writeAll(file, prefix);
      if (rest) { for await (const chunk of rest) await writeAll(file, chunk); }
    } catch (error) {
      file.close();
      await Deno.remove(path).catch(() => {});
      throw error;
    }
    file.close();
    return path;
  }

  async function runInsert(
    insert: InsertTarget,
    path: string,
    request: RequestOptions,
    headers: Headers,
  ): Promise<Response> {
    const columns = insert.columns.length === 0
      ? ""
      : ` (${insert.columns.map((c) => c.split(".").map(quoteIdentifier).join(".")).join(", ")})`;
    const sql = `INSERT INTO ${quoteIdentifier(insert.database)}.${
      quoteIdentifier(insert.table)
    }${columns} FROM INFILE '${path}' COMPRESSION 'none'${
      settingsClause(request.settings, { readonly: false, maxExecutionTimeSeconds: maxSeconds })
    } FORMAT ${insert.format}`;
    try {
      return finish(await store.execute(sql, "TabSeparated"), request, headers, "");
    } finally {
      await Deno.remove(path).catch(() => {});
    }
  }

  async function run(
    statement: Classified,
    request: RequestOptions,
    headers: Headers,
  ): Promise<Response> {
    if (statement.kind === "schema") {
      // `DROP TABLE IF EXISTS` of a table that does not exist: nothing to run.
      const result = statement.sql === ""
        ? EMPTY
        : await store.execute(statement.sql, "TabSeparated", {
          boundParams: request.params,
          database: request.database,
        });
      (await engineClassifier()).schemaChanged();
      return finish(result, request, headers, "");
    }
    if (statement.kind !== "read") throw new TypeError("inserts run through runInsert");
    const format = statement.format ?? request.defaultFormat;
    const sql = statement.sql +
      settingsClause(request.settings, { readonly: true, maxExecutionTimeSeconds: maxSeconds });
    let result = await store.execute(sql, format, {
      boundParams: request.params,
      database: request.database,
    });
    if (format === "Native" && request.protocolVersion > 0) {
      result = { ...result, data: toProtocolRevision(result.data, request.protocolVersion) };
    }
    return finish(result, request, headers, format);
  }

  async function handle(
    request: Request,
    url: URL,
    headers: Headers,
    state: { authenticated: boolean },
  ): Promise<Response> {
    const params = url.searchParams;
    const refusal = crossSiteRefusal(request, {
      allowedHosts,
      hostCheck: "always",
    });
    if (refusal) throw new EndpointError("ACCESS_DENIED", refusal.message);
    if (request.method !== "GET" && request.method !== "POST" && request.method !== "HEAD") {
      throw new EndpointError(
        "UNSUPPORTED_METHOD",
        `HTTP method ${request.method} is not supported`,
      );
    }
    const urlQuery = params.get("query") ?? "";
    if (
      url.pathname === "/ping" || url.pathname === "/replicas_status" ||
      (request.method !== "POST" && urlQuery === "")
    ) {
      return new Response("Ok.\n", { headers: { "Content-Type": "text/html; charset=UTF-8" } });
    }
    checkCredentials(requestCredentials(request, params), expected);
    state.authenticated = true;
    const engine = await engineClassifier();
    const options = requestOptions(request, params);
    const database = options.database ?? store.database;
    if (!engine.databaseAllowed(database)) {
      throw new EndpointError(
        "ACCESS_DENIED",
        `Database ${database} is not open to this endpoint`,
      );
    }
    headers.set("X-ClickHouse-Query-Id", options.queryId);
    const post = request.method === "POST";
    const classify = (text: string) => engine.classify(text, database, options.params);

    const contentType = request.headers.get("content-type") ?? "";
    if (contentType.toLowerCase().startsWith("multipart/form-data")) {
      const text = await multipartQuery(request, contentType, urlQuery, options, maxBodyBytes);
      const statement = await classify(text);
      if (statement.kind === "insert") {
        throw new EndpointError(
          "BAD_ARGUMENTS",
          "INSERT data must follow the query in the request body",
        );
      }
      if (!post && statement.kind !== "read") throw readOnly();
      return await run(statement, options, headers);
    }
    if (urlQuery !== "") {
      // The usual insert: the statement in the URL, the data streamed in the body.
      const first = await classify(urlQuery).catch((error) => {
        if (error instanceof ClickHouseError && error.type === "SYNTAX_ERROR") return undefined;
        throw error;
      });
      if (first?.kind === "insert") {
        if (!post) throw readOnly();
        const head = encoder.encode(`${urlQuery}\n`);
        const offset = await engine.insertDataOffset(head, first);
        const path = await stageInsert(head.subarray(offset), bodyChunks(request, maxBodyBytes));
        return await runInsert(first.insert, path, options, headers);
      }
      const body = await readBody(request, maxBodyBytes);
      if (first !== undefined && body.length === 0) {
        if (!post && first.kind !== "read") throw readOnly();
        return await run(first, options, headers);
      }
      return await statementInBody(concat(encoder.encode(`${urlQuery}\n`), body));
    }
    return await statementInBody(await readBody(request, maxBodyBytes));

    async function statementInBody(bytes: Uint8Array): Promise<Response> {
      if (bytes.length === 0) throw new EndpointError("SYNTAX_ERROR", "Empty query");
      const tooLarge = bytes.length > MAX_STATEMENT_BYTES;
      const text = decoder.decode(bytes.subarray(0, MAX_STATEMENT_BYTES));
      let statement: Classified;
      try {
        statement = await classify(text);
      } catch (error) {
        if (tooLarge) {
          throw new EndpointError(
            "QUERY_IS_TOO_LARGE",
            `Query is larger than ${MAX_STATEMENT_BYTES} bytes`,
          );
        }
        throw error;
      }
      if (!post && statement.kind !== "read") throw readOnly();
      if (statement.kind === "insert") {
        const offset = await engine.insertDataOffset(bytes, statement);
        const path = await stageInsert(bytes.subarray(offset), undefined);
        return await runInsert(statement.insert, path, options, headers);
      }
      if (tooLarge) {
        throw new EndpointError(
          "QUERY_IS_TOO_LARGE",
          `Query is larger than ${MAX_STATEMENT_BYTES} bytes`,
        );
      }
      return await run(statement, options, headers);
    }
  }

  return async function clickhouseHttp(request: Request): Promise<Response> {
    const headers = new Headers();
    const state = { authenticated: false };
    try {
      const url = new URL(request.url);
      return await handle(request, url, headers, state);
    } catch (error) {
      await request.body?.cancel().catch(() => {});
      return errorResponse(error, headers, {
        authenticated: state.authenticated,
        log: options.log,
      });
    }
  };
}

/** Options of {@linkcode serveClickHouseHttp}. */
export interface ServeClickHouseHttpOptions extends ClickHouseHttpOptions {
  hostname?: string;
  /** `0` picks a free port (see the returned server's `addr`). */
  port?: number;
  /** Called once listening. */
  onListen?: (addr: Deno.NetAddr) => void;
}

/**
 * Serves {@linkcode clickhouseHttpHandler} with `Deno.serve`. Default
 * `127.0.0.1:8123`.
 *
 * @example
 * ```ts ignore
 * import { ChdbStore } from "../sql/chdb.ts";
 * import { serveClickHouseHttp } from "./server.ts";
 * const store = await ChdbStore.open({ path: "./data" });
 * const server = serveClickHouseHttp(store, { port: 8123, password: "s3cret" });
 * await server.shutdown();
 * ```
 */
export function serveClickHouseHttp(
  store: ChdbStore,
  options: ServeClickHouseHttpOptions,
): Deno.HttpServer<Deno.NetAddr> {
  const handler = clickhouseHttpHandler(store, options);
  return Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8123,
    onListen: options.onListen ?? (() => {}),
    onError: (error) => errorResponse(error, new Headers(), { log: options.log }),
  }, handler);
}

function readOnly(): EndpointError {
  return new EndpointError(
    "READONLY",
    "Cannot execute query in readonly mode: use POST for statements that modify data",
  );
}

/** Creates the staging directory, dropping files other processes left behind. */
async function prepareInsertDir(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.startsWith(`${Deno.pid}-`)) {
      await Deno.remove(join(dir, entry.name), { recursive: true }).catch(() => {});
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await file.write(data.subarray(written));
}
