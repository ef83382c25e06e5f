/**
 * The embedded engine: ClickHouse as a shared library (chDB) loaded with
 * Deno FFI. No server to run; data lives in one directory.
 *
 * Facts this module is built around (measured with chDB 26.5):
 * - calls marked `nonblocking` run on a worker thread, so the event loop stays
 *   free; one connection runs one statement at a time, but every
 *   `chdb_connect` to the open path is a connection of its own, and
 *   statements on different connections run side by side. So each lane
 *   (`lanes.ts`) gets its own connection by default: an insert never waits
 *   behind a person's query or a heavy endpoint statement;
 * - one process owns a data path; a second process gets a NULL connection;
 * - binary data inline in query text silently loses rows, so inserts go
 *   through a temporary `Native` file read back with `file(…, 'Native')`;
 * - an uncaught JavaScript error while a call runs would take the process
 *   down mid-write, so this module installs handlers that log instead.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { quoteIdentifier, quoteTableName } from "./identifiers.ts";
import { encodeNative } from "./native/mod.ts";
import { formatParams } from "./params.ts";
import {
  type Lane,
  LANE_THREADS_NICE,
  LANES,
  LaneScheduler,
  type LaneSchedulerOptions,
  type LaneStats,
} from "./lanes.ts";
import { INDEXES_BUILT_ON_MERGE } from "./schema.ts";
import { checkedNice, MERGE_THREADS_NICE } from "./merge_priority.ts";
import {
  type CallOptions,
  ClickHouseError,
  type InsertOptions,
  isNativeBlock,
  type NativeBlock,
  type QueryResult,
  type QueryStats,
  type Settings,
  type Store,
} from "./store.ts";
import { PLAIN_NAME } from "./identifiers.ts";

export { MERGE_THREADS_NICE } from "./merge_priority.ts";
export { LANE_THREADS_NICE } from "./lanes.ts";

const SYMBOLS = {
  chdb_connect: { parameters: ["i32", "buffer"], result: "pointer" },
  chdb_close_conn: { parameters: ["pointer"], result: "void", nonblocking: true },
  chdb_query_n: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize"],
    result: "pointer",
    nonblocking: true,
  },
  chdb_query_with_params_n: {
    parameters: [
      "pointer",
      "buffer",
      "usize",
      "buffer",
      "usize",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "usize",
    ],
    result: "pointer",
    nonblocking: true,
  },
  chdb_result_buffer: { parameters: ["pointer"], result: "pointer" },
  chdb_result_length: { parameters: ["pointer"], result: "usize" },
  chdb_result_error: { parameters: ["pointer"], result: "pointer" },
  chdb_result_storage_rows_read: { parameters: ["pointer"], result: "u64" },
  chdb_result_storage_bytes_read: { parameters: ["pointer"], result: "u64" },
  chdb_result_elapsed: { parameters: ["pointer"], result: "f64" },
  chdb_destroy_query_result: { parameters: ["pointer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

type ChdbLibrary = Deno.DynamicLibrary<typeof SYMBOLS>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Where `deno install` puts the library of `npm:@chdb/lib-linux-x64-gnu`. */
export function defaultLibraryPath(): string {
  return Deno.env.get("CHDB_LIB_PATH") ??
    fileURLToPath(new URL("../node_modules/@chdb/lib-linux-x64-gnu/libchdb.so", import.meta.url));
}

let library: ChdbLibrary | undefined;
/** Data directories this isolate has open; chDB serves one path per process. */
const openPaths = new Map<string, number>();
let inFlight = 0;

/**
 * Loads libchdb once per process. The library is never closed: unloading it
 * while ClickHouse threads run is not safe.
 */
function loadLibrary(path: string): ChdbLibrary {
  if (library) return library;
  try {
    pinLibrary(path);
    library = Deno.dlopen(path, SYMBOLS);
  } catch (error) {
    throw new Error(
      `Cannot load the embedded ClickHouse engine from "${path}": ${(error as Error).message}. ` +
        `Run "deno install" to fetch npm:@chdb/lib-linux-x64-gnu, or set CHDB_LIB_PATH.`,
    );
  }
  installCrashGuards();
  return library;
}

/**
 * Marks libchdb `RTLD_NODELETE`. Deno unloads FFI libraries when an isolate
 * ends (a test module, a worker); ClickHouse's thread-local destructors then
 * point into unmapped code and the process segfaults when a thread exits.
 */
function pinLibrary(path: string): void {
  const RTLD_NOW = 0x2;
  const RTLD_NODELETE = 0x1000;
  const libc = Deno.dlopen("libc.so.6", {
    dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
  });
  try {
    if (libc.symbols.dlopen(cString(path), RTLD_NOW | RTLD_NODELETE) === null) {
      throw new Error("dlopen failed");
    }
  } finally {
    libc.close();
  }
}

/**
 * Keeps the process alive when application code throws while an engine call
 * runs on its worker thread: tearing the process down mid-query can corrupt
 * parts being written. The error is still reported on stderr.
 */
function installCrashGuards(): void {
  globalThis.addEventListener("error", (event) => {
    if (inFlight === 0) return;
    event.preventDefault();
    console.error("tracehouse: uncaught error while the embedded engine was busy:", event.error);
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (inFlight === 0) return;
    event.preventDefault();
    console.error(
      "tracehouse: unhandled rejection while the embedded engine was busy:",
      event.reason,
    );
  });
}

/** A NUL-terminated copy of `text`, kept alive by the caller during the call. */
function cString(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${text}\0`);
}

function pointerArray(buffers: Uint8Array[]): BigUint64Array<ArrayBuffer> {
  return new BigUint64Array(
    buffers.map((b) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b)))),
  );
}

const SETTING_NAME = /^[a-z_][a-z0-9_]*$/;

function settingLiteral(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`Invalid setting value: ${value}`);
    return String(value);
  }
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * Settings every connection starts with: a ClickHouse server's defaults where chDB's local mode
 * differs, and the attribute indexes left to merges (see {@linkcode INDEXES_BUILT_ON_MERGE}), which
 * also covers inserts that come through the ClickHouse HTTP endpoint. Per-call settings are
 * restored to these values (others to `DEFAULT`) after the call.
 */
const SESSION_SETTINGS: Settings = {
  output_format_json_quote_64bit_integers: 1,
  exclude_materialize_skip_indexes_on_insert: INDEXES_BUILT_ON_MERGE.join(","),
};

/** `name = value, …` for `SET`; a `null` value means `DEFAULT`. */
function settingAssignments(
  settings: readonly (readonly [string, string | number | boolean | null])[],
): string {
  return settings.map(([k, v]) => `${k} = ${v === null ? "DEFAULT" : settingLiteral(v)}`).join(
    ", ",
  );
}

/** The entries of per-call `settings`; throws on a name that is not a plain setting name. */
function checkedSettings(settings: Settings = {}): [string, Settings[string]][] {
  const entries = Object.entries(settings);
  for (const [name] of entries) {
    if (!SETTING_NAME.test(name)) throw new TypeError(`Invalid setting name: "${name}"`);
  }
  return entries;
}

/** ` SETTINGS name = value, …` for an `INSERT` statement, or nothing; names are checked. */
function insertSettings(settings?: Settings): string {
  const entries = checkedSettings(settings);
  return entries.length === 0 ? "" : ` SETTINGS ${settingAssignments(entries)}`;
}

function checkedParamNames(params: Record<string, string> = {}): Record<string, string> {
  for (const name of Object.keys(params)) {
    if (!PLAIN_NAME.test(name)) {
      throw new TypeError(`Invalid query parameter name: "${name}"`);
    }
  }
  return params;
}

/** Options of {@linkcode ChdbStore.execute}. */
export interface ExecuteOptions extends CallOptions {
  /**
   * Database for unqualified names during this call only (the store's own by
   * default); the connection switches back afterwards.
   */
  database?: string;
  /**
   * Parameters already in ClickHouse's text form (as `param_<name>` carries
   * them over HTTP), bound verbatim; they win over `params` of the same name.
   */
  boundParams?: Record<string, string>;
}

/** Raw output of one engine call. */
export interface RawResult {
  data: Uint8Array;
  stats: QueryStats;
}

/** Options of {@linkcode ChdbStore.open}. */
export interface ChdbOptions {
  /** Data directory (created when missing). Default `./data`. */
  path?: string;
  /** Database for unqualified names; created when missing. Default `default`. */
  database?: string;
  /** Path of `libchdb.so`; default from `CHDB_LIB_PATH` or `node_modules`. */
  libraryPath?: string;
  /**
   * Engine configuration file (`--config-file`), e.g. a server's `config.d` file: its macros and
   * `remote_servers` become `system.macros` and `system.clusters`. Default none.
   */
  configFile?: string;
  /** How calls of different lanes share the engine (see `lanes.ts`). */
  lanes?: LaneSchedulerOptions;
  /**
   * `per-lane` (default): each lane has a connection of its own, so statements of different lanes
   * run side by side and only calls of one lane wait for each other. `shared`: one connection,
   * whose waiting line `lanes` orders (how the engine ran before chDB allowed several).
   */
  connections?: EngineConnections;
  /**
   * Nice value (0–19) of the query threads of each lane's statements, so a lane's work yields the
   * CPU to the others': default {@linkcode LANE_THREADS_NICE}. ClickHouse applies it only when the
   * process has `CAP_SYS_NICE` (root, or the capability granted); without it the value is ignored.
   */
  laneThreadsNice?: Partial<Record<Lane, number>>;
  /**
   * Connections of each lane (1–8), with `per-lane` connections: how many of its calls run at
   * once. Default {@linkcode LANE_CONNECTIONS}.
   */
  laneConnections?: Partial<Record<Lane, number>>;
  /**
   * Nice value (0–19) of the engine's merge threads. Default {@linkcode MERGE_THREADS_NICE}:
   * background merges then take the CPU that statements leave, instead of an equal share of it;
   * 0 runs them as ClickHouse does by default. A `configFile` that sets
   * `os_threads_nice_value_merge_mutate` wins over this value.
   */
  mergeThreadsNice?: number;
}

/** How lanes map to engine connections (see {@linkcode ChdbOptions.connections}). */
export type EngineConnections = "per-lane" | "shared";

/**
 * Default connections per lane with `per-lane` connections: two for people, so one slow API
 * query does not hold up everyone's dashboard; one for each other lane (the batcher already keeps
 * one insert in the engine while it encodes the next batch).
 */
export const LANE_CONNECTIONS: Readonly<Record<Lane, number>> = {
  ingest: 1,
  interactive: 2,
  alerts: 1,
  background: 1,
  endpoint: 1,
};

/** One chDB connection: it runs one statement at a time. */
interface Connection {
  handle: Deno.PointerObject;
  pointer: Deno.PointerValue;
  /** The settings the connection starts with, and per-call settings are restored to. */
  session: Settings;
}

/** A lane's connections (or, `shared`, every lane's one) and the waiting line in front of them. */
interface Pool {
  scheduler: LaneScheduler;
  /** Connections not running a call now; the scheduler never starts more calls than it has. */
  free: Connection[];
  all: Connection[];
}

/** What every view of one open engine shares. */
interface Engine {
  lib: ChdbLibrary;
  /** The pool of each lane; with `shared` connections, one pool for all. */
  pools: Record<Lane, Pool>;
  closed: boolean;
  /** This engine's own folder of insert files, inside the data directory's. */
  insertDir: string;
  insertCounter: number;
}

/** Each distinct pool once. */
function distinctPools(engine: Engine): Pool[] {
  return [...new Set(Object.values(engine.pools))];
}

/** An `INSERT` statement, which the endpoint's view queues as ingest. */
const INSERT_STATEMENT = /^\s*INSERT\b/i;

/**
 * The embedded ClickHouse engine.
 *
 * @example
 * ```ts ignore
 * import { ChdbStore } from "./chdb.ts";
 * const store = await ChdbStore.open({ path: "./data" });
 * const [row] = await store.query<{ one: number }>("SELECT {n:UInt8} AS one", { params: { n: 1 } });
 * await store.close();
 * ```
 */
export class ChdbStore implements Store {
  readonly kind = "embedded" as const;
  readonly database: string;
  readonly path: string;
  /** The lane of calls that name none (inserts always default to `ingest`). */
  readonly lane: Lane;
  #engine: Engine;
  #view: boolean;

  private constructor(engine: Engine, path: string, database: string, lane: Lane, view: boolean) {
    this.#engine = engine;
    this.path = path;
    this.database = database;
    this.lane = lane;
    this.#view = view;
  }

  /**
   * The same engine with calls queued in `lane` by default, for a caller that
   * takes a store (the ClickHouse endpoint gets the `endpoint` view). In a
   * view other than `interactive`, `INSERT` statements still queue as ingest.
   * Closing a view leaves the engine open.
   */
  withLane(lane: Lane): ChdbStore {
    return new ChdbStore(this.#engine, this.path, this.database, lane, true);
  }

  /** Calls waited, ran and refused per lane since the engine opened. */
  laneStats(): Record<Lane, LaneStats> {
    const engine = this.#engine;
    const stats = {} as Record<Lane, LaneStats>;
    for (const lane of LANES) stats[lane] = engine.pools[lane].scheduler.stats()[lane];
    return stats;
  }

  /** Whether `lane` has calls waiting or running, or ended one less than `withinMs` ago. */
  laneActive(lane: Lane, withinMs: number): boolean {
    return this.#engine.pools[lane].scheduler.active(lane, withinMs);
  }

  /** How lanes map to connections: `per-lane`, or one `shared` connection. */
  get connections(): EngineConnections {
    return distinctPools(this.#engine).length === 1 ? "shared" : "per-lane";
  }

  /** Opens (or creates) the data directory and connects to it. */
  static async open(options: ChdbOptions = {}): Promise<ChdbStore> {
    const path = resolve(options.path ?? "./data");
    const database = options.database ?? "default";
    if (!PLAIN_NAME.test(database)) {
      throw new TypeError(`Invalid database name: "${database}"`);
    }
    const other = [...openPaths.keys()].find((open) => open !== path);
    if (other !== undefined) {
      throw new Error(
        `Cannot open data directory "${path}": this process has the embedded engine open on ` +
          `"${other}", and chDB serves one data directory per process. Close that store first.`,
      );
    }
    const nice = checkedNice(options.mergeThreadsNice ?? MERGE_THREADS_NICE, "mergeThreadsNice");
    const mode = options.connections ?? "per-lane";
    if (mode !== "per-lane" && mode !== "shared") {
      throw new RangeError(`Invalid connections: "${mode}" (expected "per-lane" or "shared")`);
    }
    const laneNice = { ...LANE_THREADS_NICE, ...options.laneThreadsNice };
    const laneConnections = { ...LANE_CONNECTIONS, ...options.laneConnections };
    for (const lane of LANES) {
      checkedNice(laneNice[lane], `laneThreadsNice for lane ${lane}`);
      const count = laneConnections[lane];
      if (!Number.isInteger(count) || count < 1 || count > 8) {
        throw new RangeError(
          `Invalid laneConnections for lane ${lane}: ${count} (expected a whole number from 1 to 8)`,
        );
      }
    }
    const lib = loadLibrary(options.libraryPath ?? defaultLibraryPath());
    await Deno.mkdir(path, { recursive: true });
    const args = [
      "clickhouse",
      `--path=${path}`,
      ...(options.configFile === undefined ? [] : [`--config-file=${options.configFile}`]),
      // A server setting given on the command line; a configuration file's own value wins.
      `--os_threads_nice_value_merge_mutate=${nice}`,
    ].map(cString);
    const opened: Connection[] = [];
    const connect = (count: number, session: Settings): Connection[] => {
      const made: Connection[] = [];
      for (let i = 0; i < count; i++) {
        const handle = lib.symbols.chdb_connect(args.length, pointerArray(args));
        if (handle === null) break;
        made.push({ handle, pointer: new Deno.UnsafePointerView(handle).getPointer(0), session });
      }
      opened.push(...made);
      return made;
    };
    const pool = (connections: Connection[], concurrency: number): Pool => ({
      scheduler: new LaneScheduler({ ...options.lanes, concurrency }),
      free: [...connections],
      all: connections,
    });
    const pools = {} as Record<Lane, Pool>;
    let complete = true;
    if (mode === "shared") {
      const shared = pool(connect(1, SESSION_SETTINGS), 1);
      for (const lane of LANES) pools[lane] = shared;
      complete = shared.all.length === 1;
    } else {
      for (const lane of LANES) {
        const session = laneNice[lane] === 0
          ? SESSION_SETTINGS
          : { ...SESSION_SETTINGS, os_thread_priority: laneNice[lane] };
        const own = connect(laneConnections[lane], session);
        pools[lane] = pool(own, laneConnections[lane]);
        complete &&= own.length === laneConnections[lane];
      }
    }
    if (!complete) {
      for (const connection of opened) await lib.symbols.chdb_close_conn(connection.handle);
      throw await connectError(path);
    }
    openPaths.set(path, (openPaths.get(path) ?? 0) + 1);
    const engine: Engine = {
      lib,
      pools,
      closed: false,
      // Several isolates of one process (the OTLP receiver's thread) may open the same path:
      // each writes its insert files in a folder of its own.
      insertDir: join(path, INSERTS_FOLDER, `${Deno.pid}-${crypto.randomUUID()}`),
      insertCounter: 0,
    };
    const store = new ChdbStore(engine, path, database, "interactive", false);
    await removeStaleInsertFiles(join(path, INSERTS_FOLDER));
    await Deno.mkdir(engine.insertDir, { recursive: true });
    await store.command(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
    for (const connection of opened) {
      await store.#call(connection, `USE \`${database}\``, "TabSeparated");
      await store.#call(
        connection,
        `SET ${settingAssignments(Object.entries(connection.session))}`,
        "TabSeparated",
      );
    }
    return store;
  }

  /** Runs one statement and returns its raw output in `format`. */
  execute(sql: string, format: string, options: ExecuteOptions = {}): Promise<RawResult> {
    const lane = options.lane ??
      (this.lane !== "interactive" && INSERT_STATEMENT.test(sql) ? "ingest" : this.lane);
    return this.#enqueue(
      lane,
      (connection) => this.#run(connection, sql, format, options),
      options.signal,
    );
  }

  async query<Row = Record<string, unknown>>(sql: string, options?: CallOptions): Promise<Row[]> {
    return (await this.queryWithStats<Row>(sql, options)).rows;
  }

  async queryWithStats<Row = Record<string, unknown>>(
    sql: string,
    options?: CallOptions,
  ): Promise<QueryResult<Row>> {
    const { data, stats } = await this.execute(sql, "JSONEachRow", options);
    return { rows: parseJsonEachRow<Row>(data), stats };
  }

  async command(sql: string, options?: CallOptions): Promise<void> {
    await this.execute(sql, "TabSeparated", options);
  }

  async insert(
    table: string,
    rows: readonly Record<string, unknown>[] | NativeBlock,
    options: InsertOptions & { format?: "Native" | "JSONEachRow" },
  ): Promise<void> {
    const block = isNativeBlock(rows);
    if ((block ? rows.rows : rows.length) === 0) return;
    const target = quoteTableName(table);
    const format = block ? "Native" : options.format ?? "Native";
    const columnList = options.columns.map((c) => quoteIdentifier(c.name)).join(", ");
    const body = block
      ? rows.native
      : format === "Native"
      ? encodeNative(rows, options.columns)
      : encoder.encode(rows.map((row) => JSON.stringify(row, jsonReplacer)).join("\n"));
    // The file name comes from a counter, never from input: file() reads what we wrote.
    const file = join(
      this.#engine.insertDir,
      `${++this.#engine.insertCounter}.${format}`,
    );
    await Deno.writeFile(file, body);
    try {
      const structure = format === "Native"
        ? ""
        : `, '${
          options.columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(", ").replace(
            /[\\']/g,
            "\\$&",
          )
        }'`;
      // Settings ride in the statement (they apply to the whole insert, its views included):
      // as `SET` before and after, they would cost two more engine round trips per insert.
      await this.command(
        `INSERT INTO ${target} (${columnList})${
          insertSettings(options.settings)
        } SELECT * FROM file('${file}', '${format}'${structure})`,
        { lane: options.lane ?? "ingest" },
      );
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }

  /**
   * Waits for queued calls, then closes the connection (not the library). A
   * view's `close` does nothing: the store it came from owns the engine.
   */
  async close(): Promise<void> {
    const engine = this.#engine;
    if (this.#view || engine.closed) return;
    engine.closed = true;
    for (const { scheduler, all } of distinctPools(engine)) {
      while (!scheduler.idle) await scheduler.run("background", () => Promise.resolve());
      for (const { handle } of all) await engine.lib.symbols.chdb_close_conn(handle);
    }
    await Deno.remove(engine.insertDir, { recursive: true }).catch(() => {});
    const remaining = (openPaths.get(this.path) ?? 1) - 1;
    if (remaining > 0) openPaths.set(this.path, remaining);
    else openPaths.delete(this.path);
  }

  #enqueue<T>(
    lane: Lane,
    task: (connection: Connection) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    if (this.#engine.closed) return Promise.reject(new Error("The embedded engine is closed"));
    const pool = this.#engine.pools[lane];
    if (pool === undefined) return Promise.reject(new TypeError(`Unknown lane: "${lane}"`));
    return pool.scheduler.run(lane, async () => {
      const connection = pool.free.pop()!;
      try {
        return await task(connection);
      } finally {
        pool.free.push(connection);
      }
    }, signal);
  }

  async #run(
    connection: Connection,
    sql: string,
    format: string,
    options: ExecuteOptions,
  ): Promise<RawResult> {
    options.signal?.throwIfAborted();
    const settings = checkedSettings(options.settings);
    const database = options.database ?? this.database;
    if (!PLAIN_NAME.test(database)) {
      throw new TypeError(`Invalid database name: "${database}"`);
    }
    if (database !== this.database) {
      await this.#call(connection, `USE \`${database}\``, "TabSeparated");
    }
    try {
      if (settings.length > 0) {
        await this.#call(connection, `SET ${settingAssignments(settings)}`, "TabSeparated");
      }
      try {
        return await this.#call(connection, sql, format, {
          ...formatParams(options.params),
          ...checkedParamNames(options.boundParams),
        });
      } finally {
        if (settings.length > 0) {
          // Back to the session's own value, which for a few settings is not DEFAULT.
          const restore = settings.map(([k]): [string, string | number | boolean | null] => [
            k,
            connection.session[k] ?? null,
          ]);
          await this.#call(connection, `SET ${settingAssignments(restore)}`, "TabSeparated");
        }
      }
    } finally {
      if (database !== this.database) {
        await this.#call(connection, `USE \`${this.database}\``, "TabSeparated");
      }
    }
  }

  async #call(
    connection: Connection,
    sql: string,
    format: string,
    params: Record<string, string> = {},
  ): Promise<RawResult> {
    const query = encoder.encode(sql);
    const fmt = encoder.encode(format);
    const names = Object.keys(params).map((n) => encoder.encode(n));
    const values = Object.values(params).map((v) => encoder.encode(v));
    const engine = this.#engine;
    inFlight++;
    let result: Deno.PointerValue;
    try {
      result = names.length === 0
        ? await engine.lib.symbols.chdb_query_n(
          connection.pointer,
          query,
          BigInt(query.length),
          fmt,
          BigInt(fmt.length),
        )
        : await engine.lib.symbols.chdb_query_with_params_n(
          connection.pointer,
          query,
          BigInt(query.length),
          fmt,
          BigInt(fmt.length),
          pointerArray(names),
          new BigUint64Array(names.map((n) => BigInt(n.length))),
          pointerArray(values),
          new BigUint64Array(values.map((v) => BigInt(v.length))),
          BigInt(names.length),
        );
    } finally {
      inFlight--;
    }
    if (result === null) throw new ClickHouseError("The embedded engine returned no result", 0);
    const s = engine.lib.symbols;
    try {
      const error = s.chdb_result_error(result);
      if (error !== null) {
        throw ClickHouseError.fromMessage(Deno.UnsafePointerView.getCString(error));
      }
      const length = Number(s.chdb_result_length(result));
      const buffer = s.chdb_result_buffer(result);
      const data = length > 0 && buffer !== null
        ? new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(buffer, length).slice(0))
        : new Uint8Array(0);
      return {
        data,
        stats: {
          rowsRead: Number(s.chdb_result_storage_rows_read(result)),
          bytesRead: Number(s.chdb_result_storage_bytes_read(result)),
          elapsedMs: s.chdb_result_elapsed(result) * 1000,
        },
      };
    } finally {
      s.chdb_destroy_query_result(result);
    }
  }
}

/** Where insert files are written, inside the data directory. */
const INSERTS_FOLDER = "tracehouse_inserts";

/**
 * Removes what earlier processes left in the inserts folder (a crash mid-insert). The data
 * directory is this process's alone (ClickHouse locks it), so only its own isolates' folders,
 * named after its pid, can be in use.
 */
async function removeStaleInsertFiles(folder: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (entry.name.startsWith(`${Deno.pid}-`)) continue;
      await Deno.remove(join(folder, entry.name), { recursive: true }).catch(() => {});
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function connectError(path: string): Promise<Error> {
  const status = join(path, "status");
  const held = await Deno.stat(status).then(() => true, () => false);
  if (held) {
    return new Error(
      `Cannot open data directory "${path}": it is in use by another process ` +
        `(ClickHouse holds a lock on ${status}). Stop that process or set TRACEHOUSE_DATA to another directory.`,
    );
  }
  return new Error(
    `Cannot open data directory "${path}": the embedded engine refused the connection`,
  );
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

/** Parses ClickHouse `JSONEachRow` output: one JSON object per line. */
export function parseJsonEachRow<Row>(data: Uint8Array): Row[] {
  if (data.length === 0) return [];
  const text = decoder.decode(data);
  // One JSON.parse over an array is much faster than one per line.
  return JSON.parse(`[${text.trimEnd().replaceAll("\n", ",")}]`) as Row[];
}
