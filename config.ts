/**
 * One typed, validated configuration from command-line flags and environment
 * variables. Flags win over variables; variables win over defaults. Every
 * option is declared once in {@linkcode OPTIONS}, which also drives `--help`
 * and the README's configuration table.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseShard } from "./alerts/shard.ts";
import { BATCH_DEFAULTS } from "./otlp/batcher.ts";
import { MERGE_THREADS_NICE } from "./sql/merge_priority.ts";
import { formatLaneNice, type Lane, LANE_THREADS_NICE, parseLaneNice } from "./sql/lanes.ts";

/** The resolved configuration of a Tracehouse process. */
export interface Config {
  /** Data directory of the embedded engine. */
  dataDir: string;
  /** Address the UI/API and OTLP servers bind to. */
  host: string;
  /** Port of the UI and JSON API. */
  port: number;
  /** Port of the OTLP/HTTP receiver. */
  otlpPort: number;
  /** Port of the OTLP/gRPC receiver, or `null` when off. */
  otlpGrpcPort: number | null;
  /** `host:port` of the ClickHouse-compatible HTTP endpoint, or `null` when off. */
  clickhouseHttp: { hostname: string; port: number } | null;
  /** User name clients of the ClickHouse-compatible endpoint give. */
  clickhouseHttpUser: string;
  /** Password of the ClickHouse-compatible endpoint (or from its file); `null` = generated. */
  clickhouseHttpPassword: string | null;
  /** Upper bound of `max_execution_time` of statements through that endpoint, seconds. */
  clickhouseHttpMaxExecutionSeconds: number;
  /** A ClickHouse server to use instead of the embedded engine. */
  clickhouseUrl: string | null;
  clickhouseUser: string;
  clickhousePassword: string;
  clickhouseDatabase: string;
  /** Cluster name: migrations render `ON CLUSTER` and replicated engines. */
  clickhouseCluster: string | null;
  /** Add (`true`) or drop (`false`) the trace-id projection; `null` leaves it as it is. */
  traceIdProjection: boolean | null;
  retentionDays: { traces: number; logs: number; metrics: number };
  /** Bearer token required on OTLP requests, when set. */
  ingestToken: string | null;
  /** Bearer token required on `/api` requests, when set. */
  queryToken: string | null;
  /** Largest OTLP request body as sent, in bytes. */
  otlpMaxBodyBytes: number;
  /** Nice value (0–19) of the embedded engine's merge threads. */
  engineMergeNice: number;
  /** Whether the OTLP receiver runs on a thread of its own (embedded engine). */
  otlpThread: boolean;
  /** Whether each engine lane has a connection of its own, or all share one. */
  engineConnections: "per-lane" | "shared";
  /** Nice value (0–19) of each lane's query threads (per-lane connections). */
  engineLaneNice: Record<Lane, number>;
  /** Rows that make the ingest batcher flush a table's batch. */
  batchMaxRows: number;
  /** Rows that flush an ingest batch while people query the embedded engine (0: off). */
  batchMaxRowsWhileQueried: number;
  /** Age of a batch's first row that makes it flush, in ms. */
  batchMaxDelayMs: number;
  /** Rows queued in all batches before OTLP requests get 429. */
  batchMaxQueuedRows: number;
  /** Bytes of Native blocks queued in all batches before OTLP requests get 429. */
  batchMaxQueuedBytes: number;
  /** What happens to records older than their retention or too far in the future. */
  ingestOutOfWindow: "reject" | "keep";
  /** How far ahead of the clock a record may lie, in minutes. */
  ingestMaxFutureMinutes: number;
  /** Largest time range of one API query, in hours. */
  maxRangeHours: number;
  /** ClickHouse `max_execution_time` of API queries, in seconds. */
  queryTimeoutSeconds: number;
  /** Largest `limit` of an API list page. */
  maxPageLimit: number;
  /** Entries of the API answer cache; 0 turns it off. */
  queryCacheSize: number;
  /** Host names browsers may use besides IP literals and localhost (DNS-rebinding guard). */
  allowedHosts: string[];
  /** Origins whose pages may send OTLP/HTTP (CORS); `*` for any. */
  otlpCorsOrigins: string[];
  /** Start on a non-loopback address without both tokens. */
  allowInsecureBind: boolean;
  /** Time a client has to send its request headers, ms (slow-loris guard). */
  headersTimeoutMs: number;
  /** Time a client has to send its whole request, ms. */
  requestTimeoutMs: number;
  /** Open connections per HTTP listener; more are closed on accept. */
  maxConnections: number;
  /** The alert rules file (YAML), or `null`: alerting off. */
  alertsFile: string | null;
  /** This replica's part of the alert rules, `i/N` (checked; parse with `parseShard`). */
  alertsShard: string;
  /** Alert rules evaluated at once. */
  alertsConcurrency: number;
  /** Archive location (directory or `s3://bucket/prefix`) for the daily job and `/api/archive`. */
  archiveTo: string | null;
  /** Days after which the daily job archives a day; `null`: no daily job. */
  archiveAfterDays: number | null;
  /** Attributes kept per record (OpenTelemetry `OTEL_ATTRIBUTE_COUNT_LIMIT` semantics). */
  attributeCountLimit: number;
  /** Characters kept per attribute value (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`). */
  attributeValueLengthLimit: number;
  /** Span (event, link) attributes kept; `null`: {@linkcode Config.attributeCountLimit}. */
  spanAttributeCountLimit: number | null;
  /** Characters per span attribute value; `null`: the general limit. */
  spanAttributeValueLengthLimit: number | null;
  /** Log record attributes kept; `null`: the general limit. */
  logAttributeCountLimit: number | null;
  /** Characters per log attribute value; `null`: the general limit. */
  logAttributeValueLengthLimit: number | null;
  /** Events kept per span. */
  spanEventCountLimit: number;
  /** Links kept per span. */
  spanLinkCountLimit: number;
  /** Redact secrets on ingest (the collector's `transform/redact` rules). */
  redact: boolean;
  /** fsync inserted parts (`true`), stop (`false`), or leave the tables as they are (`null`). */
  durableInserts: boolean | null;
}

/** A configuration value that failed validation; names the flag or variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** One setting: where it comes from, and how its text becomes part of {@linkcode Config}. */
interface Option {
  flag: string;
  env: string;
  description: string;
  /** Stores the parsed value; throws {@linkcode ConfigError} naming `source`. */
  apply(config: Config, raw: string, source: string): void;
  /** The default as shown in `--help`. */
  current(config: Config): unknown;
  /** A flag without a value (`--allow-insecure-bind`); its variable takes true/false. */
  boolean?: true;
}

/** The configuration when no flag or variable is given. */
export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  dataDir: "./data",
  host: "127.0.0.1",
  port: 8080,
  otlpPort: 4318,
  otlpGrpcPort: 4317,
  clickhouseHttp: null,
  clickhouseHttpUser: "default",
  clickhouseHttpPassword: null,
  clickhouseHttpMaxExecutionSeconds: 60,
  clickhouseUrl: null,
  clickhouseUser: "default",
  clickhousePassword: "",
  clickhouseDatabase: "default",
  clickhouseCluster: null,
  traceIdProjection: null,
  retentionDays: { traces: 7, logs: 7, metrics: 30 },
  ingestToken: null,
  queryToken: null,
  otlpMaxBodyBytes: 16 * 1024 * 1024,
  engineMergeNice: MERGE_THREADS_NICE,
  engineConnections: "per-lane",
  otlpThread: true,
  engineLaneNice: { ...LANE_THREADS_NICE },
  batchMaxRows: BATCH_DEFAULTS.maxRows,
  batchMaxRowsWhileQueried: BATCH_DEFAULTS.maxRowsWhileQueried,
  batchMaxDelayMs: BATCH_DEFAULTS.maxDelayMs,
  batchMaxQueuedRows: BATCH_DEFAULTS.maxQueuedRows,
  batchMaxQueuedBytes: BATCH_DEFAULTS.maxQueuedBytes,
  ingestOutOfWindow: "reject",
  ingestMaxFutureMinutes: 60,
  maxRangeHours: 744,
  queryTimeoutSeconds: 10,
  maxPageLimit: 1000,
  queryCacheSize: 500,
  allowedHosts: [],
  otlpCorsOrigins: ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"],
  allowInsecureBind: false,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  maxConnections: 1024,
  alertsFile: null,
  alertsShard: "0/1",
  alertsConcurrency: 4,
  archiveTo: null,
  archiveAfterDays: null,
  attributeCountLimit: 512,
  attributeValueLengthLimit: 65_536,
  spanAttributeCountLimit: null,
  spanAttributeValueLengthLimit: null,
  logAttributeCountLimit: null,
  logAttributeValueLengthLimit: null,
  spanEventCountLimit: 1024,
  spanLinkCountLimit: 1024,
  redact: false,
  durableInserts: null,
});

type TopLevelKey = Exclude<keyof Config, "retentionDays">;

function setting<K extends TopLevelKey>(
  key: K,
  flag: string,
  env: string,
  description: string,
  parse: (raw: string, source: string) => Config[K],
): Option {
  return {
    flag,
    env,
    description,
    apply: (config, raw, source) => {
      config[key] = parse(raw, source);
    },
    current: (config) => config[key],
  };
}

function retention(signal: keyof Config["retentionDays"]): Option {
  return {
    flag: `retention-${signal}-days`,
    env: `TRACEHOUSE_RETENTION_${signal.toUpperCase()}_DAYS`,
    description: `days ${
      signal === "traces" ? "spans" : signal === "logs" ? "log records" : "metric points"
    } are kept`,
    apply: (config, raw, source) => {
      config.retentionDays[signal] = days(raw, source);
    },
    current: (config) => config.retentionDays[signal],
  };
}

function port(raw: string, source: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535) {
    throw new ConfigError(`Invalid ${source} "${raw}": expected a port number from 0 to 65535`);
  }
  return n;
}

function optionalPort(raw: string, source: string): number | null {
  return raw === "off" ? null : port(raw, source);
}

function onOff(raw: string, source: string): boolean | null {
  if (raw === "") return null;
  if (raw === "on" || raw === "off") return raw === "on";
  throw new ConfigError(`Invalid ${source} "${raw}": expected on or off`);
}

function days(raw: string, source: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > 3650) {
    throw new ConfigError(
      `Invalid ${source} "${raw}": expected a whole number of days from 1 to 3650`,
    );
  }
  return n;
}

/** A parser of whole numbers from `min` to `max`, for sizes, counts and durations. */
function wholeNumber(min: number, max: number): (raw: string, source: string) => number {
  return (raw, source) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
      throw new ConfigError(
        `Invalid ${source} "${raw}": expected a whole number from ${min} to ${max}`,
      );
    }
    return n;
  };
}

/** A count or length limit; an empty value (as the SDKs read it) means the default. */
function limit(fallback: number, max: number): (raw: string, source: string) => number {
  const parse = wholeNumber(0, max);
  return (raw, source) => raw.trim() === "" ? fallback : parse(raw, source);
}

/** A limit that falls back to a general one when unset or empty. */
function optionalLimit(max: number): (raw: string, source: string) => number | null {
  const parse = wholeNumber(0, max);
  return (raw, source) => raw.trim() === "" ? null : parse(raw, source);
}

function on(raw: string, source: string): boolean {
  return onOff(raw, source) ?? false;
}

function text(raw: string): string {
  return raw;
}

function shard(raw: string, source: string): string {
  try {
    const { index, count } = parseShard(raw);
    return `${index}/${count}`;
  } catch (error) {
    throw new ConfigError(`Invalid ${source} "${raw}": ${(error as Error).message}`);
  }
}

function rejectKeep(raw: string, source: string): "reject" | "keep" {
  if (raw === "reject" || raw === "keep") return raw;
  throw new ConfigError(`Invalid ${source} "${raw}": expected reject or keep`);
}

function optionalText(raw: string): string | null {
  return raw === "" ? null : raw;
}

function identifier(raw: string, source: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(raw)) {
    throw new ConfigError(
      `Invalid ${source} "${raw}": expected letters, digits and underscores, not starting with a digit`,
    );
  }
  return raw;
}

function optionalIdentifier(raw: string, source: string): string | null {
  return raw === "" ? null : identifier(raw, source);
}

function hostName(raw: string, source: string): string {
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+|[0-9a-fA-F:]+)$/.test(raw)) {
    throw new ConfigError(`Invalid ${source} "${raw}": expected a host name or IP address`);
  }
  return raw.replace(/^\[(.*)\]$/, "$1");
}

function hostPort(raw: string, source: string): Config["clickhouseHttp"] {
  if (raw === "" || raw === "off") return null;
  const match = /^(.*):(\d+)$/.exec(raw);
  if (!match) {
    throw new ConfigError(`Invalid ${source} "${raw}": expected host:port, e.g. 127.0.0.1:8123`);
  }
  return { hostname: hostName(match[1], source), port: port(match[2], source) };
}

function url(raw: string, source: string): string | null {
  if (raw === "") return null;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
    return raw;
  } catch {
    // The value may hold a password: show it without one.
    const shown = raw.replace(/\/\/[^/@]*@/, "//***@");
    throw new ConfigError(`Invalid ${source} "${shown}": expected an http:// or https:// URL`);
  }
}

/** A comma-separated list; empty items are dropped. */
function list(raw: string): string[] {
  return raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

function hostList(raw: string, source: string): string[] {
  const hosts = list(raw);
  for (const host of hosts) {
    if (host !== "*" && !/^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?$/.test(host)) {
      throw new ConfigError(
        `Invalid ${source} "${host}": expected host names (.example.com for subdomains) or *`,
      );
    }
  }
  return hosts;
}

function originList(raw: string, source: string): string[] {
  const origins = list(raw);
  for (const origin of origins) {
    if (
      origin !== "*" && !/^https?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:(\d+|\*))?$/.test(origin)
    ) {
      throw new ConfigError(
        `Invalid ${source} "${origin}": expected origins such as https://app.example, ` +
          "http://localhost:* (any port) or *",
      );
    }
  }
  return origins;
}

function yesNo(raw: string, source: string): boolean {
  const value = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["", "0", "false", "no", "off"].includes(value)) return false;
  throw new ConfigError(`Invalid ${source} "${raw}": expected true or false`);
}

/**
 * A secret read from a file, so it stays out of `ps` and the environment: the file's text
 * without its final line break. Overrides the option's plain form.
 */
function secretFile(
  key: "ingestToken" | "queryToken" | "clickhousePassword" | "clickhouseHttpPassword",
  flag: string,
  env: string,
  what: string,
): Option {
  return {
    flag,
    env,
    description: `file holding the ${what} (keeps it out of ps and the environment)`,
    apply: (config, raw, source) => {
      if (raw === "") return;
      let secret: string;
      try {
        secret = Deno.readTextFileSync(raw).replace(/\r?\n$/, "");
      } catch (error) {
        throw new ConfigError(`Cannot read ${source} "${raw}": ${(error as Error).message}`);
      }
      if (secret === "" || /[\r\n]/.test(secret)) {
        throw new ConfigError(`Invalid ${source} "${raw}": expected one non-empty line`);
      }
      config[key] = secret;
    },
    current: () => undefined,
  };
}

function optionalDays(raw: string, source: string): number | null {
  if (raw === "") return null;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 3650) {
    throw new ConfigError(
      `Invalid ${source} "${raw}": expected a whole number of days from 0 to 3650`,
    );
  }
  return Number(raw);
}

/** Largest accepted count limit (attributes, events, links). */
const MAX_COUNT = 1_000_000;
/** Largest accepted value length limit: more than a request body can hold. */
const MAX_LENGTH = 1024 ** 3;

/** Every option, in `--help` order. */
export const OPTIONS: readonly Option[] = [
  setting(
    "dataDir",
    "data",
    "TRACEHOUSE_DATA",
    "data directory of the embedded ClickHouse engine",
    text,
  ),
  setting("host", "host", "TRACEHOUSE_HOST", "address to bind (UI, API, OTLP)", hostName),
  setting("port", "port", "TRACEHOUSE_PORT", "port of the dashboard and JSON API", port),
  setting("otlpPort", "otlp-port", "TRACEHOUSE_OTLP_PORT", "port of the OTLP/HTTP receiver", port),
  setting(
    "otlpGrpcPort",
    "otlp-grpc-port",
    "TRACEHOUSE_OTLP_GRPC_PORT",
    "port of the OTLP/gRPC receiver (off to disable)",
    optionalPort,
  ),
  setting(
    "clickhouseHttp",
    "clickhouse-http",
    "TRACEHOUSE_CLICKHOUSE_HTTP",
    "host:port of a ClickHouse-compatible HTTP endpoint over the embedded engine",
    hostPort,
  ),
  setting(
    "clickhouseHttpUser",
    "clickhouse-http-user",
    "TRACEHOUSE_CLICKHOUSE_HTTP_USER",
    "user name of that endpoint",
    identifier,
  ),
  setting(
    "clickhouseHttpPassword",
    "clickhouse-http-password",
    "TRACEHOUSE_CLICKHOUSE_HTTP_PASSWORD",
    "password of that endpoint; unset: generated once into the data directory",
    optionalText,
  ),
  setting(
    "clickhouseHttpMaxExecutionSeconds",
    "clickhouse-http-max-execution-seconds",
    "TRACEHOUSE_CLICKHOUSE_HTTP_MAX_EXECUTION_SECONDS",
    "upper bound of max_execution_time through that endpoint (ingest waits for a running statement)",
    wholeNumber(1, 3600),
  ),
  secretFile(
    "clickhouseHttpPassword",
    "clickhouse-http-password-file",
    "TRACEHOUSE_CLICKHOUSE_HTTP_PASSWORD_FILE",
    "password of the ClickHouse-compatible endpoint",
  ),
  setting(
    "clickhouseUrl",
    "clickhouse-url",
    "CLICKHOUSE_URL",
    "ClickHouse server URL; unset = embedded engine",
    url,
  ),
  setting("clickhouseUser", "clickhouse-user", "CLICKHOUSE_USER", "ClickHouse user", text),
  setting(
    "clickhousePassword",
    "clickhouse-password",
    "CLICKHOUSE_PASSWORD",
    "ClickHouse password",
    text,
  ),
  secretFile(
    "clickhousePassword",
    "clickhouse-password-file",
    "CLICKHOUSE_PASSWORD_FILE",
    "ClickHouse password",
  ),
  setting(
    "clickhouseDatabase",
    "clickhouse-database",
    "CLICKHOUSE_DATABASE",
    "database holding Tracehouse's tables",
    identifier,
  ),
  setting(
    "clickhouseCluster",
    "clickhouse-cluster",
    "CLICKHOUSE_CLUSTER",
    "cluster name: replicated + Distributed tables ON CLUSTER",
    optionalIdentifier,
  ),
  setting(
    "traceIdProjection",
    "trace-id-projection",
    "TRACEHOUSE_TRACE_ID_PROJECTION",
    "on: a projection by trace id, ~6x faster trace lookups for ~2.2x span storage; off: drop it",
    onOff,
  ),
  retention("traces"),
  retention("logs"),
  retention("metrics"),
  setting(
    "ingestToken",
    "ingest-token",
    "TRACEHOUSE_INGEST_TOKEN",
    "bearer token required on OTLP requests",
    optionalText,
  ),
  secretFile(
    "ingestToken",
    "ingest-token-file",
    "TRACEHOUSE_INGEST_TOKEN_FILE",
    "ingest token",
  ),
  setting(
    "queryToken",
    "query-token",
    "TRACEHOUSE_QUERY_TOKEN",
    "token required by /api (bearer) and the dashboard (login)",
    optionalText,
  ),
  secretFile(
    "queryToken",
    "query-token-file",
    "TRACEHOUSE_QUERY_TOKEN_FILE",
    "query token",
  ),
  setting(
    "allowedHosts",
    "allowed-hosts",
    "TRACEHOUSE_ALLOWED_HOSTS",
    "host names browsers may use besides IPs and localhost, comma-separated (* = any)",
    hostList,
  ),
  setting(
    "otlpCorsOrigins",
    "otlp-cors-origins",
    "TRACEHOUSE_OTLP_CORS_ORIGINS",
    "origins whose pages may send OTLP/HTTP, comma-separated (* = any)",
    originList,
  ),
  {
    ...setting(
      "allowInsecureBind",
      "allow-insecure-bind",
      "TRACEHOUSE_ALLOW_INSECURE_BIND",
      "start on a non-loopback --host without both tokens",
      yesNo,
    ),
    boolean: true,
  },
  setting(
    "headersTimeoutMs",
    "headers-timeout-ms",
    "TRACEHOUSE_HEADERS_TIMEOUT_MS",
    "ms a client has to send request headers (408 after)",
    wholeNumber(100, 600_000),
  ),
  setting(
    "requestTimeoutMs",
    "request-timeout-ms",
    "TRACEHOUSE_REQUEST_TIMEOUT_MS",
    "ms a client has to send a whole request (408 after)",
    wholeNumber(100, 3_600_000),
  ),
  setting(
    "maxConnections",
    "max-connections",
    "TRACEHOUSE_MAX_CONNECTIONS",
    "open connections per HTTP listener",
    wholeNumber(1, 1_000_000),
  ),
  setting(
    "otlpMaxBodyBytes",
    "otlp-max-body-bytes",
    "TRACEHOUSE_OTLP_MAX_BODY_BYTES",
    "largest OTLP request body (413 above)",
    wholeNumber(1024, 1024 ** 3),
  ),
  setting(
    "engineMergeNice",
    "engine-merge-nice",
    "TRACEHOUSE_ENGINE_MERGE_NICE",
    "nice value of the embedded engine's merge threads (0: as statements)",
    wholeNumber(0, 19),
  ),
  setting(
    "engineConnections",
    "engine-connections",
    "TRACEHOUSE_ENGINE_CONNECTIONS",
    "per-lane (ingest, queries, alerts and the endpoint run side by side) or shared (one at a time)",
    (raw, source) => {
      if (raw === "per-lane" || raw === "shared") return raw;
      throw new ConfigError(`Invalid ${source} "${raw}": expected per-lane or shared`);
    },
  ),
  setting(
    "otlpThread",
    "otlp-thread",
    "TRACEHOUSE_OTLP_THREAD",
    "on: the OTLP receiver decodes on a thread of its own (embedded engine, per-lane), off: on the main one",
    (raw, source) => onOff(raw, source) ?? true,
  ),
  {
    flag: "engine-lane-nice",
    env: "TRACEHOUSE_ENGINE_LANE_NICE",
    description: "nice value of each lane's query threads, lane=N pairs (needs CAP_SYS_NICE)",
    apply: (config, raw, source) => {
      try {
        config.engineLaneNice = { ...config.engineLaneNice, ...parseLaneNice(raw) };
      } catch (error) {
        throw new ConfigError(`Invalid ${source} "${raw}": ${(error as Error).message}`);
      }
    },
    current: (config) => formatLaneNice(config.engineLaneNice),
  },
  setting(
    "batchMaxRows",
    "batch-max-rows",
    "TRACEHOUSE_BATCH_MAX_ROWS",
    "rows that flush an ingest batch",
    wholeNumber(1, 1_000_000),
  ),
  setting(
    "batchMaxRowsWhileQueried",
    "batch-max-rows-while-queried",
    "TRACEHOUSE_BATCH_MAX_ROWS_WHILE_QUERIED",
    "rows that flush an ingest batch while the dashboard queries the embedded engine (0: off)",
    wholeNumber(0, 1_000_000),
  ),
  setting(
    "batchMaxDelayMs",
    "batch-max-delay-ms",
    "TRACEHOUSE_BATCH_MAX_DELAY_MS",
    "age in ms that flushes an ingest batch",
    wholeNumber(1, 60_000),
  ),
  setting(
    "batchMaxQueuedRows",
    "batch-max-queued-rows",
    "TRACEHOUSE_BATCH_MAX_QUEUED_ROWS",
    "rows queued before OTLP answers 429",
    wholeNumber(1, 10_000_000),
  ),
  setting(
    "batchMaxQueuedBytes",
    "batch-max-queued-bytes",
    "TRACEHOUSE_BATCH_MAX_QUEUED_BYTES",
    "bytes of blocks queued before OTLP answers 429; a batch is sealed at a quarter",
    wholeNumber(1024 * 1024, 64 * 1024 ** 3),
  ),
  setting(
    "ingestOutOfWindow",
    "ingest-out-of-window",
    "TRACEHOUSE_INGEST_OUT_OF_WINDOW",
    "records older than the retention or too far ahead: reject (partial success) or keep",
    rejectKeep,
  ),
  setting(
    "ingestMaxFutureMinutes",
    "ingest-max-future-minutes",
    "TRACEHOUSE_INGEST_MAX_FUTURE_MINUTES",
    "minutes a record may lie ahead of the clock",
    wholeNumber(0, 525_600),
  ),
  setting(
    "maxRangeHours",
    "max-range-hours",
    "TRACEHOUSE_MAX_RANGE_HOURS",
    "largest time range of an API query, hours",
    wholeNumber(1, 87_600),
  ),
  setting(
    "queryTimeoutSeconds",
    "query-timeout-seconds",
    "TRACEHOUSE_QUERY_TIMEOUT_SECONDS",
    "max_execution_time of API queries",
    wholeNumber(1, 3600),
  ),
  setting(
    "maxPageLimit",
    "max-page-limit",
    "TRACEHOUSE_MAX_PAGE_LIMIT",
    "largest limit of an API page",
    wholeNumber(1, 100_000),
  ),
  setting(
    "queryCacheSize",
    "query-cache-size",
    "TRACEHOUSE_QUERY_CACHE_SIZE",
    "entries of the API answer cache (0 = off)",
    wholeNumber(0, 1_000_000),
  ),
  setting(
    "alertsFile",
    "alerts-file",
    "TRACEHOUSE_ALERTS_FILE",
    "alert rules (YAML, docs/alerts.md); reloaded on change and SIGHUP",
    optionalText,
  ),
  setting(
    "alertsShard",
    "alerts-shard",
    "TRACEHOUSE_ALERTS_SHARD",
    "i/N: with N replicas on one ClickHouse, this one evaluates the rules hashing to i",
    shard,
  ),
  setting(
    "alertsConcurrency",
    "alerts-concurrency",
    "TRACEHOUSE_ALERTS_CONCURRENCY",
    "alert rules evaluated at once",
    wholeNumber(1, 64),
  ),
  setting(
    "archiveTo",
    "archive-to",
    "TRACEHOUSE_ARCHIVE_TO",
    "Parquet archive: a directory or s3://bucket/prefix (AWS_* variables); read at /api/archive",
    optionalText,
  ),
  setting(
    "archiveAfterDays",
    "archive-after-days",
    "TRACEHOUSE_ARCHIVE_AFTER_DAYS",
    "archive days older than this, daily, to --archive-to (unset: no daily job)",
    optionalDays,
  ),
  setting(
    "attributeCountLimit",
    "attribute-count-limit",
    "OTEL_ATTRIBUTE_COUNT_LIMIT",
    "attributes kept per record on ingest; the rest are dropped and counted",
    limit(DEFAULT_CONFIG.attributeCountLimit, MAX_COUNT),
  ),
  setting(
    "attributeValueLengthLimit",
    "attribute-value-length-limit",
    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "characters kept per attribute value on ingest (longer ones are truncated)",
    limit(DEFAULT_CONFIG.attributeValueLengthLimit, MAX_LENGTH),
  ),
  setting(
    "spanAttributeCountLimit",
    "span-attribute-count-limit",
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "attributes kept per span, event and link (unset: the general limit)",
    optionalLimit(MAX_COUNT),
  ),
  setting(
    "spanAttributeValueLengthLimit",
    "span-attribute-value-length-limit",
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "characters per span attribute value (unset: the general limit)",
    optionalLimit(MAX_LENGTH),
  ),
  setting(
    "logAttributeCountLimit",
    "log-attribute-count-limit",
    "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
    "attributes kept per log record (unset: the general limit)",
    optionalLimit(MAX_COUNT),
  ),
  setting(
    "logAttributeValueLengthLimit",
    "log-attribute-value-length-limit",
    "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "characters per log attribute value (unset: the general limit)",
    optionalLimit(MAX_LENGTH),
  ),
  setting(
    "spanEventCountLimit",
    "span-event-count-limit",
    "OTEL_SPAN_EVENT_COUNT_LIMIT",
    "events kept per span",
    limit(DEFAULT_CONFIG.spanEventCountLimit, MAX_COUNT),
  ),
  setting(
    "spanLinkCountLimit",
    "span-link-count-limit",
    "OTEL_SPAN_LINK_COUNT_LIMIT",
    "links kept per span",
    limit(DEFAULT_CONFIG.spanLinkCountLimit, MAX_COUNT),
  ),
  {
    ...setting(
      "redact",
      "redact",
      "TRACEHOUSE_REDACT",
      "on: redact secrets on ingest, as the collector's transform/redact does",
      on,
    ),
    current: (config) => config.redact ? "on" : "off",
  },
  setting(
    "durableInserts",
    "durable-inserts",
    "TRACEHOUSE_DURABLE_INSERTS",
    "on: fsync every inserted part before acknowledging it (survives power loss); off: stop",
    onOff,
  ),
];

/** The result of {@linkcode parseCommandLine}: a subcommand, its config and extra arguments. */
export interface CommandLine {
  command: string;
  config: Config;
  /** Positional arguments after the subcommand. */
  args: string[];
  help: boolean;
}

/**
 * Resolves the configuration from `argv` and `env`.
 *
 * @example
 * ```ts
 * import { parseCommandLine } from "./config.ts";
 * const { command, config } = parseCommandLine(["serve", "--port", "9000"], {});
 * console.assert(command === "serve" && config.port === 9000 && config.host === "127.0.0.1");
 * ```
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        json: { type: "boolean" },
        ...Object.fromEntries(
          OPTIONS.map((
            o,
          ) => [o.flag, { type: o.boolean ? "boolean" as const : "string" as const }]),
        ),
      },
    });
  } catch (error) {
    throw new ConfigError((error as Error).message.replace(/\. To specify.*$/s, ""));
  }
  const config: Config = structuredClone(DEFAULT_CONFIG);
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  for (const option of OPTIONS) {
    const fromEnv = env[option.env];
    if (fromEnv !== undefined) option.apply(config, fromEnv, option.env);
    const fromFlag = flags[option.flag];
    if (typeof fromFlag === "string") option.apply(config, fromFlag, `--${option.flag}`);
    if (fromFlag === true) option.apply(config, "true", `--${option.flag}`);
  }
  const [command = "serve", ...args] = parsed.positionals;
  return { command, config, args, help: parsed.values.help === true };
}

/** An option's default as text; `undefined` when it has none. */
function defaultText(option: Option): string | undefined {
  const value = option.current(DEFAULT_CONFIG);
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.join(",");
  return value === null || value === undefined || value === "" ? undefined : String(value);
}

/** The options section of `--help`. */
export function optionsHelp(): string {
  return OPTIONS.map((o) => {
    const fallback = defaultText(o) ?? "unset";
    return `  --${o.flag.padEnd(24)} ${o.env.padEnd(34)} ${o.description} [${fallback}]`;
  }).join("\n");
}

/** The configuration table of the README, generated from {@linkcode OPTIONS}. */
export function markdownTable(): string {
  const rows = OPTIONS.map((o) => {
    const value = defaultText(o);
    const fallback = value === undefined ? "unset" : `\`${value}\``;
    return `| \`${o.env}\` | \`--${o.flag}\` | ${fallback} | ${o.description} |`;
  });
  return ["| variable | flag | default | meaning |", "| --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}
