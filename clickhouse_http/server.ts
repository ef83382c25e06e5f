/**
 * A ClickHouse-compatible HTTP endpoint over the embedded engine, so that
 * ClickHouse clients (`@clickhouse/client-web`, clickhouse-go as used by the
 * collector's `clickhouseexporter`, curl) can talk to chDB.
 *
 * Supported: `GET /`, `/ping`; the query in the `query` parameter, the body,
 * or both (parameter first, then a newline, then the body, as ClickHouse
 * does); `multipart/form-data` bodies with `query` and `param_*` fields;
 * `param_*`, `database`, `default_format`, `query_id` and allowed settings as
 * URL parameters; `X-ClickHouse-User`/`-Key`/`-Database`/`-Format` headers,
 * Basic auth or `user`/`password` parameters; gzip or plain bodies;
 * `INSERT … FORMAT F` with the data in the body (written to a file and read
 * with `FROM INFILE`, never inlined into query text); ClickHouse's status
 * codes, error text and `X-ClickHouse-*` response headers; every output
 * format chDB has, with `Native` written for the client's protocol revision.
 *
 * Refused unless `allowExternalAccess`: statements that reach files, hosts or
 * processes, or administer the engine (see `guard.ts`).
 *
 * Not supported: sessions, ClickHouse's own block compression, external
 * tables, compressed responses. `SET` and `USE` succeed without effect, as
 * they do over HTTP without a session.
 *
 * @module
 */
import { join } from "node:path";
import type { ChdbStore, RawResult } from "../sql/chdb.ts";
import { checkCredentials, type Credentials, requestCredentials } from "./auth.ts";
import { bodyChunks, readBody } from "./body.ts";
import { EndpointError, errorResponse } from "./errors.ts";
import { type InsertPrefix, parseStatement, renderInsertFromFile } from "./insert.ts";
import { toProtocolRevision } from "./native_revision.ts";
import { boundParams, type RequestOptions, requestOptions } from "./request.ts";
import { checkStatement } from "./guard.ts";
import { checkSetting } from "./settings.ts";

/** Options of {@linkcode clickhouseHttpHandler}. */
export interface ClickHouseHttpOptions {
  /** The one accepted user; default `default`. */
  username?: string;
  /** Its password; default empty. */
  password?: string;
  /** Largest request body, compressed or not. Default 256 MiB. */
  maxBodyBytes?: number;
  /** Where insert data is staged; default `<data path>/tracehouse_http_inserts`. */
  insertDir?: string;
  /**
   * `max_execution_time` of requests that set none, in seconds. Every request
   * shares the engine's one queue with Tracehouse's own ingest, so a runaway
   * query must not hold it. Default 60.
   */
  maxExecutionTimeSeconds?: number;
  /**
   * Allow statements that reach files, hosts or processes (`file()`, `url()`,
   * `INTO OUTFILE`, `SYSTEM`, …; see `guard.ts`). Default false: the engine
   * has no sandbox, so only for a trusted local client.
   */
  allowExternalAccess?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Statements refused in a `GET` request (ClickHouse runs GET requests read-only). */
const WRITES = new Set([
  "INSERT",
  "CREATE",
  "DROP",
  "ALTER",
  "TRUNCATE",
  "RENAME",
  "EXCHANGE",
  "OPTIMIZE",
  "DELETE",
  "UPDATE",
  "SYSTEM",
  "KILL",
  "GRANT",
  "REVOKE",
  "ATTACH",
  "DETACH",
  "UNDROP",
  "BACKUP",
  "RESTORE",
  "MOVE",
  "CHECK",
]);

/**
 * A fetch handler that answers ClickHouse's HTTP interface from `store`.
 *
 * @example
 * ```ts ignore
 * import { ChdbStore } from "../sql/chdb.ts";
 * import { clickhouseHttpHandler } from "./server.ts";
 * const store = await ChdbStore.open({ path: "./data" });
 * Deno.serve({ hostname: "127.0.0.1", port: 8123 }, clickhouseHttpHandler(store));
 * ```
 */
export function clickhouseHttpHandler(
  store: ChdbStore,
  options: ClickHouseHttpOptions = {},
): (request: Request) => Promise<Response> {
  const expected: Credentials = {
    username: options.username ?? "default",
    password: options.password ?? "",
  };
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024 * 1024;
  const allowExternalAccess = options.allowExternalAccess ?? false;
  const defaultTimeout = options.maxExecutionTimeSeconds ?? 60;
  const insertDir = options.insertDir ?? join(store.path, "tracehouse_http_inserts");
  if (/['\\]/.test(insertDir)) throw new TypeError(`Unsafe insert directory: ${insertDir}`);
  let insertDirReady: Promise<void> | undefined;
  let insertCounter = 0;

  async function stageInsert(prefix: Uint8Array, rest: AsyncIterable<Uint8Array> | undefined) {
    insertDirReady ??= prepareInsertDir(insertDir);
    await insertDirReady;
    // The name comes from a counter, never from the request.
    const path = join(insertDir, `${Deno.pid}-${++insertCounter}.data`);
    const file = await Deno.open(path, { write: true, createNew: true });
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
    insert: InsertPrefix,
    path: string,
    request: RequestOptions,
  ): Promise<RawResult> {
    const settings = { ...request.settings };
    for (const [name, value] of Object.entries(insert.settings)) {
      checkSetting(name);
      settings[name] = value;
    }
    try {
      return await store.execute(renderInsertFromFile(insert, path), "TabSeparated", {
        settings,
        boundParams: request.params,
        database: request.database,
      });
    } finally {
      await Deno.remove(path).catch(() => {});
    }
  }

  async function handle(request: Request, url: URL, headers: Headers): Promise<Response> {
    const params = url.searchParams;
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
    const options = requestOptions(request, params);
    options.settings = { max_execution_time: defaultTimeout, ...options.settings };
    headers.set("X-ClickHouse-Query-Id", options.queryId);

    let text = urlQuery;
    const contentType = request.headers.get("content-type") ?? "";
    if (contentType.toLowerCase().startsWith("multipart/form-data")) {
      text = await multipartQuery(request, contentType, urlQuery, options, maxBodyBytes);
    } else if (urlQuery !== "") {
      const head = encoder.encode(`${urlQuery}\n`);
      const statement = parseStatement(head);
      if (statement.kind === "insert") {
        if (request.method !== "POST") throw readOnly();
        const { insert } = statement;
        const path = await stageInsert(
          head.subarray(insert.dataOffset),
          bodyChunks(request, maxBodyBytes),
        );
        return finish(await runInsert(insert, path, options), options, headers, "");
      }
      const body = await readBody(request, maxBodyBytes);
      if (body.length > 0) {
        const full = concat(head, body);
        const whole = parseStatement(full);
        if (whole.kind === "insert") {
          const path = await stageInsert(full.subarray(whole.insert.dataOffset), undefined);
          return finish(await runInsert(whole.insert, path, options), options, headers, "");
        }
        text = decoder.decode(full);
      }
    } else {
      const body = await readBody(request, maxBodyBytes);
      const statement = parseStatement(body);
      if (statement.kind === "insert") {
        const path = await stageInsert(body.subarray(statement.insert.dataOffset), undefined);
        return finish(await runInsert(statement.insert, path, options), options, headers, "");
      }
      text = decoder.decode(body);
    }
    return await runQuery(text, request.method, options, headers);
  }

  async function runQuery(
    text: string,
    method: string,
    options: RequestOptions,
    headers: Headers,
  ): Promise<Response> {
    const statement = parseStatement(encoder.encode(text));
    if (statement.kind === "incomplete") throw new EndpointError("SYNTAX_ERROR", "Empty query");
    if (statement.kind === "insert") {
      throw new EndpointError(
        "SYNTAX_ERROR",
        "INSERT data must follow the query in the request body",
      );
    }
    if (method !== "POST" && WRITES.has(statement.keyword)) throw readOnly();
    checkStatement(encoder.encode(text), { allowExternalAccess });
    if (statement.keyword === "SET" || statement.keyword === "USE") {
      // Without a session these change nothing beyond the request itself, as in ClickHouse.
      return finish(emptyResult(), options, headers, "");
    }
    const format = trailingFormat(text) ?? options.defaultFormat;
    let result = await store.execute(text, format, {
      settings: options.settings,
      boundParams: options.params,
      database: options.database,
    });
    if (format === "Native" && options.protocolVersion > 0) {
      result = { ...result, data: toProtocolRevision(result.data, options.protocolVersion) };
    }
    return finish(result, options, headers, format);
  }

  return async function clickhouseHttp(request: Request): Promise<Response> {
    const headers = new Headers();
    try {
      const url = new URL(request.url);
      return await handle(request, url, headers);
    } catch (error) {
      await request.body?.cancel().catch(() => {});
      return errorResponse(error, headers);
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
 * const server = serveClickHouseHttp(store, { port: 8123 });
 * await server.shutdown();
 * ```
 */
export function serveClickHouseHttp(
  store: ChdbStore,
  options: ServeClickHouseHttpOptions = {},
): Deno.HttpServer<Deno.NetAddr> {
  const handler = clickhouseHttpHandler(store, options);
  return Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8123,
    onListen: options.onListen ?? (() => {}),
    onError: (error) => errorResponse(error),
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

function finish(result: RawResult, options: RequestOptions, headers: Headers, format: string) {
  const summary = {
    read_rows: String(result.stats.rowsRead),
    read_bytes: String(result.stats.bytesRead),
    written_rows: "0",
    written_bytes: "0",
    total_rows_to_read: String(result.stats.rowsRead),
    result_rows: "0",
    result_bytes: String(result.data.length),
    elapsed_ns: String(Math.round(result.stats.elapsedMs * 1e6)),
  };
  headers.set("X-ClickHouse-Query-Id", options.queryId);
  headers.set("X-ClickHouse-Summary", JSON.stringify(summary));
  headers.set("X-ClickHouse-Server-Display-Name", "tracehouse");
  headers.set("X-ClickHouse-Timezone", "UTC");
  if (format !== "") headers.set("X-ClickHouse-Format", format);
  headers.set("Content-Type", contentTypeFor(format));
  return new Response(result.data.length > 0 ? result.data as Uint8Array<ArrayBuffer> : null, {
    headers,
  });
}

function emptyResult(): RawResult {
  return { data: new Uint8Array(0), stats: { rowsRead: 0, bytesRead: 0, elapsedMs: 0 } };
}

/** The format named by a trailing `FORMAT name` clause, if any. */
function trailingFormat(text: string): string | undefined {
  return /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i.exec(text)?.[1];
}

function contentTypeFor(format: string): string {
  if (format === "") return "text/plain; charset=UTF-8";
  if (/^(JSON|PrettyJSON)/.test(format)) {
    return /EachRow|Lines|Stream/.test(format)
      ? "application/x-ndjson; charset=UTF-8"
      : "application/json; charset=UTF-8";
  }
  if (/^(TabSeparated|TSV)/.test(format)) return "text/tab-separated-values; charset=UTF-8";
  if (/^CSV/.test(format)) return "text/csv; charset=UTF-8; header=absent";
  if (/^(Native|RowBinary|Parquet|Arrow|ORC|Avro|Protobuf|MsgPack|CapnProto)/.test(format)) {
    return "application/octet-stream";
  }
  return "text/plain; charset=UTF-8";
}

async function multipartQuery(
  request: Request,
  contentType: string,
  urlQuery: string,
  options: RequestOptions,
  maxBodyBytes: number,
): Promise<string> {
  const body = await readBody(request, maxBodyBytes);
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "Content-Type": contentType },
    }).formData();
  } catch (error) {
    throw new EndpointError(
      "BAD_ARGUMENTS",
      `Cannot parse multipart body: ${(error as Error).message}`,
    );
  }
  const fields: [string, string][] = [];
  for (const [name, value] of form) {
    if (typeof value !== "string") {
      throw new EndpointError(
        "NOT_IMPLEMENTED",
        "External tables are not supported by this endpoint",
      );
    }
    fields.push([name, value]);
  }
  Object.assign(options.params, boundParams(fields));
  const formQuery = form.get("query");
  const parts = [urlQuery, typeof formQuery === "string" ? formQuery : ""].filter((p) => p !== "");
  return parts.join("\n");
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
