/**
 * Statements the endpoint refuses unless configured otherwise. The embedded
 * engine runs with the rights of the Tracehouse process and, unlike a
 * ClickHouse server, has no `user_files_path` or grants: `file()` would read
 * any file the process can, `url()`/`s3()` would reach any host, and
 * `SYSTEM`/`ATTACH`/`BACKUP` act on the engine itself. A ClickHouse client
 * writing telemetry needs none of these.
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

/**
 * Throws `ACCESS_DENIED` when `sql` reaches outside the database (files,
 * network, processes) or administers the engine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStatement } from "./guard.ts";
 * checkStatement(new TextEncoder().encode("SELECT count() FROM otel_traces"));
 * assert.throws(() => checkStatement(new TextEncoder().encode("SELECT * FROM file('/etc/passwd')")));
 * ```
 */
export function checkStatement(sql: Uint8Array): void {
  const lexer = new Lexer(sql);
  let previous = lexer.next();
  if (previous.kind === "word" && STATEMENTS.has(previous.text.toUpperCase())) {
    throw denied(previous.text.toUpperCase());
  }
  while (previous.kind !== "end") {
    const token = lexer.next();
    if (previous.kind === "word" && CLAUSES.has(previous.text.toUpperCase())) {
      throw denied(previous.text.toUpperCase());
    }
    if (
      (previous.kind === "word" || previous.kind === "quoted") &&
      token.kind === "punct" && token.text === "(" &&
      EXTERNAL.has(previous.text.toLowerCase())
    ) {
      throw denied(`${previous.text}()`);
    }
    previous = token;
  }
}
