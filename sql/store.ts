/**
 * The storage interface every engine implements: the embedded chDB engine
 * (`chdb.ts`) and a ClickHouse server over HTTP (`http.ts`).
 *
 * Values never enter SQL text: queries carry ClickHouse `{name:Type}`
 * placeholders and the engine binds {@linkcode QueryParams} server-side.
 *
 * @module
 */
import type { Lane, LaneStats } from "./lanes.ts";

export type { Lane, LaneStats } from "./lanes.ts";

/** Values bound to `{name:Type}` placeholders, keyed by placeholder name. */
export type QueryParams = Record<string, ParamValue>;

/** A value that can be bound to a ClickHouse query parameter. */
export type ParamValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | null
  | readonly ParamValue[]
  | { readonly [key: string]: ParamValue };

/** ClickHouse settings applied to one call (`max_execution_time`, …). */
export type Settings = Record<string, string | number | boolean>;

/** Options shared by every store call. */
export interface CallOptions {
  /** Values for the `{name:Type}` placeholders of the statement. */
  params?: QueryParams;
  /** Per-call ClickHouse settings. */
  settings?: Settings;
  /** Aborts the call; the engine cancels the query where it can. */
  signal?: AbortSignal;
  /**
   * Who is asking, so the engine can order waiting calls (`lanes.ts`): the
   * store's own lane by default (`interactive`, or the lane of a view).
   */
  lane?: Lane;
}

/** A column of an insert: its name and ClickHouse type. */
export interface ColumnSpec {
  name: string;
  type: string;
}

/** Options of {@linkcode Store.insert}. */
export interface InsertOptions {
  /**
   * Column names and types, in order. Engines that write ClickHouse's
   * `Native` format need them; rows are objects keyed by column name. For a
   * {@linkcode NativeBlock} they name the table's columns the block fills.
   */
  columns: readonly ColumnSpec[];
  /** Per-call ClickHouse settings. */
  settings?: Settings;
  /** The lane the insert waits in; `ingest` by default. */
  lane?: Lane;
}

/**
 * Rows already encoded as one ClickHouse `Native` block (built with `NativeBlockBuilder` of
 * `native.ts`), for {@linkcode Store.insert}. The block names and types its columns itself; they
 * must be those of `InsertOptions.columns`, in that order.
 */
export interface NativeBlock {
  /** The block: column and row counts, then every column's name, type and values. */
  readonly native: Uint8Array;
  /** Rows in the block (0: nothing is inserted). */
  readonly rows: number;
}

/** Whether `rows` of {@linkcode Store.insert} is a ready {@linkcode NativeBlock}. */
export function isNativeBlock(
  rows: readonly Record<string, unknown>[] | NativeBlock,
): rows is NativeBlock {
  return !Array.isArray(rows);
}

/** Counters that ClickHouse reports for one query. */
export interface QueryStats {
  rowsRead: number;
  bytesRead: number;
  elapsedMs: number;
}

/** The answer of {@linkcode Store.queryWithStats}. */
export interface QueryResult<Row> {
  rows: Row[];
  stats: QueryStats;
}

/** A ClickHouse engine: embedded or remote, same behaviour. */
export interface Store {
  /** Which engine this is, for logs and `/readyz`. */
  readonly kind: "embedded" | "remote";
  /** The database every unqualified table name resolves to. */
  readonly database: string;
  /** Runs a `SELECT` and returns its rows as objects (`JSONEachRow`). */
  query<Row = Record<string, unknown>>(sql: string, options?: CallOptions): Promise<Row[]>;
  /** Like {@linkcode Store.query}, with ClickHouse's read counters. */
  queryWithStats<Row = Record<string, unknown>>(
    sql: string,
    options?: CallOptions,
  ): Promise<QueryResult<Row>>;
  /** Runs a statement that returns no rows (DDL, `INSERT … SELECT`, …). */
  command(sql: string, options?: CallOptions): Promise<void>;
  /**
   * Inserts many rows into `table` in one batch; resolves once committed. `rows` are objects
   * keyed by column name, or a {@linkcode NativeBlock} already encoded with the columns of
   * `options.columns` (the cheapest path: the engine takes the bytes as they are).
   *
   * @example
   * ```ts ignore
   * import { NativeBlockBuilder } from "./native/mod.ts";
   * const columns = [{ name: "n", type: "UInt32" }];
   * await store.insert("t", [{ n: 1 }], { columns }); // row objects
   * const builder = new NativeBlockBuilder(columns);
   * builder.appendRow({ n: 2 });
   * await store.insert("t", { native: builder.finish(), rows: builder.rows }, { columns });
   * ```
   */
  insert(
    table: string,
    rows: readonly Record<string, unknown>[] | NativeBlock,
    options: InsertOptions,
  ): Promise<void>;
  /** Releases the engine. Safe to call more than once. */
  close(): Promise<void>;
  /**
   * Counters per lane (`lanes.ts`), for `/metrics`: only engines that queue their own calls
   * (the embedded one) have them.
   */
  laneStats?(): Record<Lane, LaneStats>;
  /**
   * Whether calls of `lane` wait or run now, or one ended less than `withinMs` ago (embedded
   * engine only): the ingest batcher keeps inserts short while people query.
   */
  laneActive?(lane: Lane, withinMs: number): boolean;
}

/**
 * An error reported by ClickHouse, with its numeric code and message.
 *
 * @example
 * ```ts
 * import { ClickHouseError } from "./store.ts";
 * const error = ClickHouseError.fromMessage("Code: 62. DB::Exception: Syntax error (SYNTAX_ERROR)");
 * console.assert(error.code === 62 && error.type === "SYNTAX_ERROR");
 * ```
 */
export class ClickHouseError extends Error {
  /** ClickHouse's numeric error code (0 when the message carried none). */
  readonly code: number;
  /** ClickHouse's symbolic error name, e.g. `SYNTAX_ERROR`, when known. */
  readonly type: string;

  constructor(message: string, code: number, type = "") {
    super(message);
    this.name = "ClickHouseError";
    this.code = code;
    this.type = type;
  }

  /** Parses `Code: N. DB::Exception: … (NAME)` as ClickHouse prints it. */
  static fromMessage(message: string): ClickHouseError {
    const text = message.trim();
    const code = Number(/Code:\s*(\d+)/.exec(text)?.[1] ?? 0);
    const type = /\(([A-Z][A-Z0-9_]+)\)(?:\s*\(version [^)]*\))?\s*$/.exec(text)?.[1] ?? "";
    return new ClickHouseError(text, code, type);
  }
}
