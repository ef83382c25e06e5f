/**
 * Schema migrations: numbered `.sql` files in `sql/migrations/`, rendered
 * from configuration and applied in order, each recorded (name, checksum,
 * time) in `tracehouse_migrations`.
 *
 * Placeholders in the files (only these; anything else is an error):
 *
 * | placeholder | single node | cluster (`cluster` set) |
 * |---|---|---|
 * | `{{database}}` | `` `db` `` | same |
 * | `{{on_cluster}}` | nothing | `` ON CLUSTER `c` `` |
 * | `{{table:name}}` | `` `name` `` | `` `name_local` `` |
 * | `{{engine:Kind}}`, `{{engine:Kind:args}}` | `Kind(args)` | `ReplicatedKind('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', args)` |
 * | `{{ttl_days:traces\|logs\|metrics}}` | retention in days | same |
 * | `{{distributed:name:sharding_key}}` (a whole statement) | dropped | a `Distributed` table `name` over `name_local` |
 *
 * Statements end with `;` at the end of a line; lines starting with `--`
 * are comments. Every statement must be idempotent (`IF NOT EXISTS`): a
 * migration that fails half-way is run again from its first statement. A
 * rebuild (copy, `EXCHANGE TABLES`, drop) cannot be, statement by statement;
 * it is idempotent as a whole instead, by dropping its scratch table first
 * (040, tested at every stop point).
 *
 * @module
 */
import { quoteIdentifier } from "./identifiers.ts";
import type { Store } from "./store.ts";
import { CLUSTER_NAME, IDENTIFIER } from "./identifiers.ts";

/** Retention per signal, in days. */
export interface RetentionDays {
  traces: number;
  logs: number;
  metrics: number;
}

/** How migrations are rendered and applied. */
export interface MigrateOptions {
  /** Database holding every table. */
  database: string;
  /** Cluster name (`CLICKHOUSE_CLUSTER`): renders `ON CLUSTER`, replicated and distributed tables. */
  cluster?: string;
  /** `TTL … DELETE` of each signal's tables. */
  retentionDays: RetentionDays;
}

/** One migration file. */
export interface Migration {
  /** File name without `.sql`, e.g. `001_traces`. */
  name: string;
  /** Its text, placeholders unrendered. */
  sql: string;
  /** SHA-256 of `sql`, hex. */
  checksum: string;
}

/** What {@linkcode migrate} did. */
export interface MigrateResult {
  /** Names of the migrations applied by this call, in order. */
  applied: string[];
  /** Tables whose TTL was changed to match the configured retention. */
  retentionChanged: string[];
}

/** Thrown when an applied migration's file no longer matches what was applied. */
export class MigrationChecksumError extends Error {
  /** The migration whose file changed. */
  readonly migration: string;

  constructor(migration: string, recorded: string, current: string) {
    super(
      `Cannot migrate: migration "${migration}" was applied with checksum ${recorded}, ` +
        `but its file now has checksum ${current}. Applied migrations must never be edited: ` +
        `restore the file and add a new migration instead`,
    );
    this.name = "MigrationChecksumError";
    this.migration = migration;
  }
}

/** The table that records applied migrations. */
export const MIGRATIONS_TABLE = "tracehouse_migrations";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
const FILE_NAME = /^(\d{3})_[a-z0-9_]+\.sql$/;
const ENGINE_KIND = /^[A-Za-z]*MergeTree$/;
const ENGINE_ARGS = /^[A-Za-z0-9_, ]*$/;
const SHARDING_KEY = /^[A-Za-z0-9_(), ]+$/;
const SIGNALS = ["traces", "logs", "metrics"] as const;
// TTL expressions add days to a DateTime, which ends in 2106: a longer retention
// wraps around into the past and ClickHouse drops the rows at once.
const MAX_RETENTION_DAYS = 3650;

/** Where replicated tables keep their metadata in ZooKeeper/Keeper. */
export const REPLICATION_PATH = "/clickhouse/tables/{shard}/{database}/{table}";

/**
 * Reads the migration files, sorted by number.
 *
 * @example
 * ```ts
 * import { listMigrations } from "./migrate.ts";
 * const migrations = await listMigrations();
 * console.assert(migrations[0].name === "001_traces");
 * ```
 */
export async function listMigrations(dir: URL | string = MIGRATIONS_DIR): Promise<Migration[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && FILE_NAME.test(entry.name)) names.push(entry.name);
  }
  names.sort();
  const numbers = new Set<string>();
  const migrations: Migration[] = [];
  for (const file of names) {
    const number = file.slice(0, 3);
    if (numbers.has(number)) {
      throw new Error(`Cannot list migrations: two files are numbered ${number}`);
    }
    numbers.add(number);
    const sql = await Deno.readTextFile(new URL(file, dirUrl(dir)));
    migrations.push({ name: file.slice(0, -4), sql, checksum: await sha256(sql) });
  }
  return migrations;
}

function dirUrl(dir: URL | string): URL {
  if (dir instanceof URL) return dir;
  const path = dir.endsWith("/") ? dir : `${dir}/`;
  return new URL(path, `file://${Deno.cwd()}/`);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks names and retention days, so nothing untrusted reaches SQL text.
 * Throws `TypeError` for a bad name and `RangeError` for a bad number of days.
 */
export function validateOptions(options: MigrateOptions): void {
  if (typeof options.database !== "string" || !IDENTIFIER.test(options.database)) {
    throw new TypeError(
      `Invalid database name: "${options.database}" (letters, digits and "_", not starting with a digit)`,
    );
  }
  if (options.cluster !== undefined && !CLUSTER_NAME.test(options.cluster)) {
    throw new TypeError(
      `Invalid cluster name: "${options.cluster}" (letters, digits, "_", "-" and ".", starting with a letter or "_")`,
    );
  }
  for (const signal of SIGNALS) {
    const days = options.retentionDays?.[signal];
    if (!Number.isSafeInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
      throw new RangeError(
        `Invalid retention for ${signal}: ${days} (a whole number of days from 1 to ${MAX_RETENTION_DAYS})`,
      );
    }
  }
}

/** Splits a migration into statements: `;` at the end of a line ends one. */
export function splitStatements(sql: string): string[] {
  const lines = sql.split("\n").filter((line) => !/^\s*--/.test(line));
  return lines.join("\n").split(/;[ \t]*(?:\n|$)/).map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Renders a migration's placeholders from configuration and splits it into
 * statements, ready to run one by one.
 *
 * @example
 * ```ts
 * import { renderMigration } from "./migrate.ts";
 * const [sql] = renderMigration(
 *   "CREATE TABLE IF NOT EXISTS {{database}}.{{table:t}} {{on_cluster}} (n UInt8) ENGINE = {{engine:MergeTree}} ORDER BY n;",
 *   { database: "otel", retentionDays: { traces: 7, logs: 7, metrics: 30 } },
 * );
 * console.assert(sql === "CREATE TABLE IF NOT EXISTS `otel`.`t`  (n UInt8) ENGINE = MergeTree() ORDER BY n");
 * ```
 */
export function renderMigration(sql: string, options: MigrateOptions): string[] {
  validateOptions(options);
  const statements: string[] = [];
  for (const statement of splitStatements(sql)) {
    const distributed = /^\{\{distributed:([^}]*)\}\}$/.exec(statement);
    if (distributed) {
      if (options.cluster !== undefined) {
        statements.push(renderDistributed(distributed[1], options, options.cluster));
      }
      continue;
    }
    statements.push(statement.replace(/\{\{([^}]*)\}\}/g, (_, p: string) => render(p, options)));
  }
  return statements;
}

function render(placeholder: string, options: MigrateOptions): string {
  const [kind, ...rest] = placeholder.split(":");
  const arg = rest.join(":");
  const cluster = options.cluster;
  switch (kind) {
    case "database":
      if (rest.length === 0) return quoteIdentifier(options.database);
      break;
    case "on_cluster":
      if (rest.length === 0) {
        return cluster === undefined ? "" : `ON CLUSTER ${quoteIdentifier(cluster)}`;
      }
      break;
    case "table":
      if (IDENTIFIER.test(arg)) {
        return quoteIdentifier(cluster === undefined ? arg : localName(arg));
      }
      break;
    case "ttl_days":
      if ((SIGNALS as readonly string[]).includes(arg)) {
        return String(options.retentionDays[arg as keyof RetentionDays]);
      }
      break;
    case "engine": {
      const [engine, ...args] = arg.split(":");
      const params = args.join(":");
      if (!ENGINE_KIND.test(engine) || !ENGINE_ARGS.test(params)) break;
      if (cluster === undefined) return `${engine}(${params})`;
      const replicated = [`'${REPLICATION_PATH}'`, "'{replica}'", ...(params ? [params] : [])];
      return `Replicated${engine}(${replicated.join(", ")})`;
    }
  }
  throw new SyntaxError(`Cannot render migration: unknown placeholder "{{${placeholder}}}"`);
}

function localName(table: string): string {
  return `${table}_local`;
}

function renderDistributed(spec: string, options: MigrateOptions, cluster: string): string {
  const colon = spec.indexOf(":");
  const table = colon < 0 ? spec : spec.slice(0, colon);
  const key = colon < 0 ? "rand()" : spec.slice(colon + 1);
  if (!IDENTIFIER.test(table) || !SHARDING_KEY.test(key)) {
    throw new SyntaxError(`Cannot render migration: unknown placeholder "{{distributed:${spec}}}"`);
  }
  const db = quoteIdentifier(options.database);
  const local = localName(table);
  return `CREATE TABLE IF NOT EXISTS ${db}.${quoteIdentifier(table)} ON CLUSTER ${
    quoteIdentifier(cluster)
  } ` +
    `AS ${db}.${quoteIdentifier(local)} ` +
    `ENGINE = Distributed('${cluster}', '${options.database}', '${local}', ${key})`;
}

/** The statements that create the database and the migrations table. */
export function bootstrapStatements(options: MigrateOptions): string[] {
  validateOptions(options);
  const db = quoteIdentifier(options.database);
  const onCluster = options.cluster === undefined
    ? ""
    : ` ON CLUSTER ${quoteIdentifier(options.cluster)}`;
  // In a cluster every node shares one record: one replication path for all shards.
  const engine = options.cluster === undefined
    ? "MergeTree()"
    : `ReplicatedMergeTree('/clickhouse/tables/tracehouse/{database}/{table}', '{replica}')`;
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}${onCluster}`,
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteIdentifier(MIGRATIONS_TABLE)}${onCluster} (
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC')
) ENGINE = ${engine}
ORDER BY name`,
  ];
}

interface AppliedRow {
  name: string;
  checksum: string;
}

/** Recorded migrations (name → checksum); empty when the table does not exist yet. */
async function recordedMigrations(store: Store, database: string): Promise<Map<string, string>> {
  const table = `${quoteIdentifier(database)}.${quoteIdentifier(MIGRATIONS_TABLE)}`;
  const [exists] = await store.query<{ result: number | string }>(`EXISTS TABLE ${table}`);
  if (Number(exists?.result) !== 1) return new Map();
  const rows = await store.query<AppliedRow>(
    `SELECT name, argMin(checksum, applied_at) AS checksum FROM ${table} GROUP BY name`,
  );
  return new Map(rows.map((row) => [row.name, row.checksum]));
}

function checkChecksums(all: readonly Migration[], recorded: Map<string, string>): void {
  for (const migration of all) {
    const checksum = recorded.get(migration.name);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new MigrationChecksumError(migration.name, checksum, migration.checksum);
    }
  }
}

/**
 * Names of the migrations not applied yet, without changing anything (for
 * `/readyz` and `tracehouse migrate --status`). Throws
 * {@linkcode MigrationChecksumError} like {@linkcode migrate}.
 *
 * @param migrations Defaults to {@linkcode listMigrations}.
 */
export async function pendingMigrations(
  store: Store,
  options: MigrateOptions,
  migrations?: readonly Migration[],
): Promise<string[]> {
  validateOptions(options);
  const all = migrations ?? await listMigrations();
  const recorded = await recordedMigrations(store, options.database);
  checkChecksums(all, recorded);
  return all.filter((m) => !recorded.has(m.name)).map((m) => m.name);
}

/**
 * Applies pending migrations in order, one statement per call, and records
 * each one; running it again does nothing. Refuses to run
 * ({@linkcode MigrationChecksumError}) when a recorded migration's file
 * changed. Then aligns every table's TTL with the configured retention
 * (`ALTER TABLE … MODIFY TTL` where the days differ).
 *
 * @param migrations Defaults to {@linkcode listMigrations} (`sql/migrations/`).
 *
 * @example
 * ```ts ignore
 * import { migrate } from "./migrate.ts";
 * await migrate(store, { database: "default", retentionDays: { traces: 7, logs: 7, metrics: 30 } });
 * ```
 */
export async function migrate(
  store: Store,
  options: MigrateOptions,
  migrations?: readonly Migration[],
): Promise<MigrateResult> {
  validateOptions(options);
  const all = migrations ?? await listMigrations();
  for (const statement of bootstrapStatements(options)) await store.command(statement);
  const recorded = await recordedMigrations(store, options.database);
  checkChecksums(all, recorded);
  const table = `${quoteIdentifier(options.database)}.${quoteIdentifier(MIGRATIONS_TABLE)}`;
  const result: MigrateResult = { applied: [], retentionChanged: [] };
  for (const migration of all) {
    if (recorded.has(migration.name)) continue;
    for (const statement of renderMigration(migration.sql, options)) {
      await store.command(statement);
    }
    await store.command(
      `INSERT INTO ${table} (name, checksum, applied_at) ` +
        `VALUES ({name:String}, {checksum:String}, now64(3))`,
      { params: { name: migration.name, checksum: migration.checksum } },
    );
    result.applied.push(migration.name);
  }
  result.retentionChanged = await applyRetention(store, options, all);
  return result;
}

/** A table whose TTL comes from a retention setting. */
export interface RetentionTarget {
  /** Table name as created (with `_local` in cluster mode). */
  table: string;
  /** `TTL …` clause as the migration renders it today. */
  ttl: string;
  /** Days that clause keeps data for. */
  days: number;
  /** The statement that sets this TTL on an existing table. */
  alter: string;
}

/**
 * Finds every `TTL … {{ttl_days:…}} …` clause of `CREATE TABLE` statements, except for tables
 * the same migration drops (a rebuild's scratch copy, which never outlives its migration).
 */
export function retentionTargets(
  migrations: readonly Migration[],
  options: MigrateOptions,
): RetentionTarget[] {
  validateOptions(options);
  const targets: RetentionTarget[] = [];
  for (const migration of migrations) {
    const statements = splitStatements(migration.sql);
    const dropped = new Set(
      statements.flatMap((statement) =>
        /^DROP TABLE IF EXISTS \{\{database\}\}\.\{\{table:(\w+)\}\}/.exec(statement)?.slice(1) ??
          []
      ),
    );
    for (const statement of statements) {
      const table = /^CREATE TABLE IF NOT EXISTS \{\{database\}\}\.\{\{table:(\w+)\}\}/.exec(
        statement,
      );
      const ttl = /^(TTL .*\{\{ttl_days:(\w+)\}\}.*)$/m.exec(statement);
      if (!table || !ttl || dropped.has(table[1])) continue;
      const [rendered] = renderMigration(`${ttl[1]};`, options);
      const name = options.cluster === undefined ? table[1] : localName(table[1]);
      const onCluster = options.cluster === undefined
        ? ""
        : ` ON CLUSTER ${quoteIdentifier(options.cluster)}`;
      targets.push({
        table: name,
        ttl: rendered,
        days: options.retentionDays[ttl[2] as keyof RetentionDays],
        alter: `ALTER TABLE ${quoteIdentifier(options.database)}.${
          quoteIdentifier(name)
        }${onCluster} MODIFY ${rendered}`,
      });
    }
  }
  return targets;
}

async function applyRetention(
  store: Store,
  options: MigrateOptions,
  migrations: readonly Migration[],
): Promise<string[]> {
  const targets = retentionTargets(migrations, options);
  if (targets.length === 0) return [];
  const rows = await store.query<{ name: string; create_table_query: string }>(
    `SELECT name, create_table_query FROM system.tables
     WHERE database = {database:String} AND name IN {names:Array(String)}`,
    { params: { database: options.database, names: targets.map((t) => t.table) } },
  );
  const created = new Map(rows.map((row) => [row.name, row.create_table_query]));
  const changed: string[] = [];
  for (const target of targets) {
    const query = created.get(target.table);
    const days = query && /\bTTL\b.*?toIntervalDay\((\d+)\)/.exec(query)?.[1];
    if (!days || Number(days) === target.days) continue;
    await store.command(target.alter);
    changed.push(target.table);
  }
  return changed;
}
