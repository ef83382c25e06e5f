/**
 * Reading archives back without a restore: a database held only in memory
 * (`ENGINE = Memory`, so credentials never reach the disk) whose tables carry
 * the names the query modules use — `otel_traces`, `otel_logs`, the metric
 * tables — with the `File`/`S3` engine over the archived days' Parquet parts,
 * plus the trace-id lookup as a view over them, and `Merge` tables over the
 * live rollups and catalog (which archiving does not drop). A {@linkcode Store} that
 * resolves unqualified names in that database runs the same query modules
 * (`sql/traces.ts`, `sql/logs.ts`, …) over the archive: the engine reads
 * Parquet directly.
 *
 * The embedded engine only: it switches the database per call.
 *
 * @module
 */
import { type ChdbStore, parseJsonEachRow } from "../sql/chdb.ts";
import type { CallOptions, InsertOptions, NativeBlock, QueryResult, Store } from "../sql/store.ts";
import { readManifests } from "./manifest.ts";
import { ARCHIVED_TABLES, tableStructure } from "./tables.ts";
import { ARCHIVE_SETTINGS, type ArchiveTarget, locationOf } from "./target.ts";
import { PLAIN_NAME } from "../sql/identifiers.ts";

/** The in-memory database of the archive tables. */
export const ARCHIVE_DATABASE = "tracehouse_archive";

/** What the archive holds, as loaded into the archive database. */
export interface ArchiveContents {
  /** Archived days per signal (`YYYY-MM-DD`, oldest first). */
  days: Record<string, string[]>;
  loadedAt: number;
}

/** Characters allowed in a location put into DDL (checked again; they come from target.ts). */
const SAFE_LOCATION = /^[A-Za-z0-9_=.:/*{},-]+$/;
/** Characters of AWS access keys and secrets (base64 plus `/+=`), safe inside a quoted literal. */
const SAFE_SECRET = /^[A-Za-z0-9/+=._-]*$/;

/** A quoted string literal of text already restricted to {@linkcode SAFE_LOCATION}/{@linkcode SAFE_SECRET}. */
function literal(text: string, allowed: RegExp): string {
  if (!allowed.test(text)) throw new TypeError("Refusing to put an unchecked value into DDL");
  return `'${text}'`;
}

/**
 * A {@linkcode Store} over the archive: queries resolve unqualified table names in
 * {@linkcode ARCHIVE_DATABASE}, which {@linkcode refresh} (re)builds from the manifests.
 */
export class ArchiveStore implements Store {
  readonly kind = "embedded" as const;
  readonly database = ARCHIVE_DATABASE;
  readonly target: ArchiveTarget;
  #inner: ChdbStore;
  #contents: ArchiveContents | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #maxAgeMs: number;

  constructor(inner: ChdbStore, target: ArchiveTarget, { maxAgeMs = 60_000 } = {}) {
    this.#inner = inner;
    this.target = target;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The archive as last loaded, reloading it when older than `maxAgeMs`. */
  contents(): Promise<ArchiveContents> {
    return this.#serial(() => this.#fresh());
  }

  /** Rebuilds the archive tables from the manifests now (after an archive run, say). */
  refresh(): Promise<ArchiveContents> {
    return this.#serial(() => this.#load());
  }

  /**
   * Runs `task` after every earlier call: a query never lands between the `DROP` and the
   * `CREATE` of a reload. (The engine runs one call at a time anyway, so nothing is lost.)
   */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => {});
    return run;
  }

  async #fresh(): Promise<ArchiveContents> {
    if (this.#contents && Date.now() - this.#contents.loadedAt < this.#maxAgeMs) {
      return this.#contents;
    }
    return await this.#load();
  }

  async #load(): Promise<ArchiveContents> {
    const manifests = await readManifests(this.#inner, this.target);
    const days: Record<string, string[]> = {};
    const structures: Record<string, string> = {};
    for (const m of manifests) {
      (days[m.signal] ??= []).push(m.date);
      structures[m.signal] = m.structure;
    }
    const db = ARCHIVE_DATABASE;
    await this.#inner.command(`CREATE DATABASE IF NOT EXISTS ${db} ENGINE = Memory`);
    for (const table of ARCHIVED_TABLES) {
      // Columns from the live table when nothing is archived yet, so queries answer empty.
      const structure = structures[table.signal] ?? await tableStructure(this.#inner, table.table);
      const list = days[table.signal] ?? [];
      await this.#inner.command(`DROP TABLE IF EXISTS ${db}.${table.table}`);
      if (table.signal === "traces") {
        await this.#inner.command(`DROP VIEW IF EXISTS ${db}.otel_traces_trace_id_ts`);
      }
      // No archived day: a glob that matches nothing (the Null engine refuses PREWHERE).
      const engine = this.#engine(
        `${table.signal}/date=${list.length === 0 ? "none" : glob(list)}/part-*.parquet`,
      );
      await this.#inner.command(
        `CREATE TABLE ${db}.${table.table} (${structure}) ENGINE = ${engine}`,
      );
    }
    await this.#passThrough();
    // The trace lookup reads this first; over the archive it is computed from the spans.
    await this.#inner.command(
      `CREATE VIEW ${db}.otel_traces_trace_id_ts AS
       SELECT TraceId, toDateTime(min(Timestamp)) AS Start, toDateTime(max(Timestamp)) AS End
       FROM ${db}.otel_traces WHERE TraceId != '' GROUP BY TraceId`,
    );
    this.#contents = { days, loadedAt: Date.now() };
    return this.#contents;
  }

  /**
   * The tables the archive does not hold — rollups, the service catalog — and the catalog's
   * dictionary, reachable under the same names from the archive database, so pages and
   * routes that read them (services, operations, metric rollups) answer as they do live.
   * `Merge` tables (not views), because the query modules use `PREWHERE` and `FINAL`.
   */
  async #passThrough(): Promise<void> {
    const db = ARCHIVE_DATABASE;
    const archived = [...ARCHIVED_TABLES.map((t) => t.table), "otel_traces_trace_id_ts"];
    const others = await this.#inner.query<{ name: string; engine: string; ddl: string }>(
      `SELECT name, engine, create_table_query AS ddl FROM system.tables
       WHERE database = currentDatabase() AND name NOT IN {archived:Array(String)}
         AND (engine LIKE '%MergeTree' OR engine = 'Dictionary')`,
      { params: { archived } },
    );
    for (const { name, engine, ddl } of others) {
      // Names from the engine's own catalogue, still checked before they go into DDL.
      if (!PLAIN_NAME.test(name)) continue;
      if (engine === "Dictionary") {
        await this.#inner.command(`DROP DICTIONARY IF EXISTS ${db}.${name}`);
        const prefix = `CREATE DICTIONARY ${this.#inner.database}.${name} `;
        if (!ddl.startsWith(prefix)) continue;
        await this.#inner.command(`CREATE DICTIONARY ${db}.${name} ${ddl.slice(prefix.length)}`);
        continue;
      }
      await this.#inner.command(`DROP TABLE IF EXISTS ${db}.${name}`);
      await this.#inner.command(
        `CREATE TABLE ${db}.${name} AS ${this.#inner.database}.${name}
         ENGINE = Merge(${this.#inner.database}, '^${name}$')`,
      );
    }
  }

  /** `File(Parquet, '…')` or `S3('…', key, secret, 'Parquet')` over `relative`. */
  #engine(relative: string): string {
    const location = literal(locationOf(this.target, relative), SAFE_LOCATION);
    if (this.target.kind === "file") return `File(Parquet, ${location})`;
    const key = literal(this.target.accessKeyId, SAFE_SECRET);
    const secret = literal(this.target.secretAccessKey, SAFE_SECRET);
    if (this.target.sessionToken) {
      return `S3(${location}, ${key}, ${secret}, ${
        literal(this.target.sessionToken, SAFE_SECRET)
      }, 'Parquet')`;
    }
    return `S3(${location}, ${key}, ${secret}, 'Parquet')`;
  }

  async query<Row = Record<string, unknown>>(sql: string, options?: CallOptions): Promise<Row[]> {
    return (await this.queryWithStats<Row>(sql, options)).rows;
  }

  async queryWithStats<Row = Record<string, unknown>>(
    sql: string,
    options: CallOptions = {},
  ): Promise<QueryResult<Row>> {
    return await this.#serial(async () => {
      await this.#fresh();
      const { data, stats } = await this.#inner.execute(sql, "JSONEachRow", {
        ...options,
        // The S3 engine has no `.size` subcolumns for `x = ''` rewritten to `empty(x)`.
        settings: {
          ...ARCHIVE_SETTINGS,
          ...options.settings,
          optimize_functions_to_subcolumns: 0,
        },
        database: ARCHIVE_DATABASE,
      });
      return { rows: parseJsonEachRow<Row>(data), stats };
    });
  }

  command(): Promise<void> {
    return Promise.reject(new TypeError("The archive is read-only"));
  }

  insert(
    _table: string,
    _rows: readonly Record<string, unknown>[] | NativeBlock,
    _options: InsertOptions,
  ): Promise<void> {
    return Promise.reject(new TypeError("The archive is read-only"));
  }

  /** The archive store does not own the engine: closing is the inner store's job. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `{2026-12-01,2026-12-02}` — a ClickHouse glob of exactly these days. */
function glob(days: readonly string[]): string {
  for (const d of days) if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new TypeError(`Invalid day ${d}`);
  return days.length === 1 ? days[0] : `{${days.join(",")}}`;
}
