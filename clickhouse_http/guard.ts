/**
 * Statements the endpoint refuses unless configured otherwise. The embedded
 * engine runs with the rights of the Tracehouse process and, unlike a
 * ClickHouse server, has no `user_files_path` or grants: `file()` would read
 * any file the process can, `url()`/`s3()` would reach any host, and
 * `SYSTEM`/`ATTACH`/`BACKUP` act on the engine itself. A ClickHouse client
 * writing telemetry needs none of these.
 *
 * It also refuses what would outlive the request on the engine's one shared
 * session: several statements in one request, temporary tables.
 *
 * This is a token scan, not a parser: it errs towards refusing.
 *
 * @module
 */
import { EndpointError } from "./errors.ts";
import { Lexer } from "./lexer.ts";

/** Functions, table functions, engines and dictionary sources that leave the database. */
const EXTERNAL = new Set(
  [
    "file",
    "fileCluster",
    "fileLog",
    "url",
    "urlCluster",
    "http",
    "s3",
    "s3Cluster",
    "s3Queue",
    "gcs",
    "oss",
    "cosn",
    "hdfs",
    "hdfsCluster",
    "azureBlobStorage",
    "azureBlobStorageCluster",
    "azureQueue",
    "executable",
    "executablePool",
    "executable_pool",
    "remote",
    "remoteSecure",
    "cluster",
    "clusterAllReplicas",
    "clickhouse",
    "mysql",
    "postgresql",
    "materializedPostgreSQL",
    "jdbc",
    "odbc",
    "sqlite",
    "mongodb",
    "redis",
    "kafka",
    "rabbitmq",
    "nats",
    "embeddedRocksDB",
    "iceberg",
    "icebergS3",
    "icebergAzure",
    "icebergHDFS",
    "icebergLocal",
    "deltaLake",
    "deltaLakeLocal",
    "hudi",
    "paimon",
    "arrowFlight",
    "ytsaurus",
    "disk",
    "filesystem",
  ].map((name) => name.toLowerCase()),
);

/** Keywords refused anywhere in a statement. */
const CLAUSES = new Set(["INFILE", "OUTFILE"]);

/** Statements refused by their first keyword. */
const STATEMENTS = new Set(["SYSTEM", "ATTACH", "BACKUP", "RESTORE"]);

function denied(what: string): EndpointError {
  return new EndpointError(
    "ACCESS_DENIED",
    `${what} is not allowed through this endpoint: the embedded engine has no file or network ` +
      "sandbox (start it with external access allowed for a trusted local client)",
  );
}

/** Options of {@linkcode checkStatement}. */
export interface CheckOptions {
  /** Skip the file/network/engine checks (multi-statements are refused regardless). */
  allowExternalAccess?: boolean;
}

/**
 * Checks one request's query text. Always refuses several statements in one
 * request (as ClickHouse's HTTP interface does; here a trailing `SET` or `USE`
 * would change the engine's shared session for every later request) and
 * temporary tables (they need a session). Unless `allowExternalAccess`,
 * throws `ACCESS_DENIED` when the statement reaches outside the database
 * (files, network, processes) or administers the engine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStatement } from "./guard.ts";
 * const sql = (text: string) => new TextEncoder().encode(text);
 * checkStatement(sql("SELECT count() FROM otel_traces;"));
 * assert.throws(() => checkStatement(sql("SELECT * FROM file('/etc/passwd')")));
 * assert.throws(() => checkStatement(sql("SELECT 1; SET readonly = 1")));
 * ```
 */
export function checkStatement(sql: Uint8Array, options: CheckOptions = {}): void {
  const external = !options.allowExternalAccess;
  const lexer = new Lexer(sql);
  let previous = lexer.next();
  const first = previous.kind === "word" ? previous.text.toUpperCase() : "";
  if (external && STATEMENTS.has(first)) throw denied(first);
  let second = true;
  while (previous.kind !== "end") {
    const token = lexer.next();
    if (second && first === "CREATE" && token.kind === "word") {
      second = false;
      if (token.text.toUpperCase() === "TEMPORARY") {
        throw new EndpointError(
          "THERE_IS_NO_SESSION",
          "Temporary tables need a session, which this endpoint does not keep",
        );
      }
    }
    if (previous.kind === "punct" && previous.text === ";" && token.kind !== "end") {
      throw new EndpointError("SYNTAX_ERROR", "Syntax error: Multi-statements are not allowed");
    }
    if (external && previous.kind === "word" && CLAUSES.has(previous.text.toUpperCase())) {
      throw denied(previous.text.toUpperCase());
    }
    if (
      external && (previous.kind === "word" || previous.kind === "quoted") &&
      token.kind === "punct" && token.text === "(" &&
      EXTERNAL.has(previous.text.toLowerCase())
    ) {
      throw denied(`${previous.text}()`);
    }
    previous = token;
  }
}
