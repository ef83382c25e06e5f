/**
 * Bounded in-memory batching in front of `Store.insert`: rows for one table gather into a batch
 * — one Native block being built (`NativeBlockBuilder`), so no row objects are kept — that is
 * flushed when it holds `maxRows` rows or its first row is `maxDelayMs` old. A batch that comes
 * of age while every insert slot of its table is busy keeps taking rows until a slot frees up
 * (or it is full): under load, inserts grow instead of queueing up, and ClickHouse writes fewer,
 * larger parts — the cheapest way for it to take the same rows. A caller's
 * promise resolves only once the batch holding its rows is committed, so an acknowledged record
 * is never lost; it rejects when that insert fails. When `maxQueuedRows` rows are already waiting
 * (pending or being inserted), {@linkcode IngestBatcher.add} throws {@linkcode QueueFullError}
 * at once and the receiver answers 429.
 *
 * @module
 */
import { NativeBlockBuilder } from "../sql/native.ts";
import type { ColumnSpec, Store } from "../sql/store.ts";

/** Batching limits. */
export interface BatchOptions {
  /** Rows that trigger a flush of a table's batch. Default 50,000. */
  maxRows?: number;
  /** Age of a batch's first row that triggers its flush, in ms. Default 200. */
  maxDelayMs?: number;
  /** Rows waiting in all batches (pending + inserting) before new data is refused. Default 200,000. */
  maxQueuedRows?: number;
  /**
   * Inserts of one table in flight at once. Default 2: the next batch is encoded while the
   * engine writes the previous one (the embedded engine still runs its calls one at a time).
   */
  maxConcurrentInserts?: number;
}

/** The defaults of {@linkcode BatchOptions}. */
export const BATCH_DEFAULTS: Required<BatchOptions> = {
  maxRows: 50_000,
  maxDelayMs: 200,
  maxQueuedRows: 200_000,
  maxConcurrentInserts: 2,
};

/** Thrown by {@linkcode IngestBatcher.add} when the queue is full; retry later. */
export class QueueFullError extends Error {
  constructor(queued: number, limit: number) {
    super(`Ingest queue is full (${queued} of ${limit} rows waiting); retry later`);
    this.name = "QueueFullError";
  }
}

/** What one committed (or failed) batch reports to observers. */
export interface BatchReport {
  table: string;
  rows: number;
  seconds: number;
  error?: unknown;
}

interface Batch {
  builder: NativeBlockBuilder;
  resolve: () => void;
  reject: (error: unknown) => void;
  done: Promise<void>;
  timer?: ReturnType<typeof setTimeout>;
  /** Old enough to flush, but waiting for a free insert slot. */
  due?: boolean;
}

interface TableQueue {
  table: string;
  columns: readonly ColumnSpec[];
  pending?: Batch;
  /** Batches closed for new rows, taken in order by up to `maxConcurrentInserts` runners. */
  flushing: Batch[];
  running: number;
  /** Builders of committed batches, emptied for reuse: their grown buffers are kept. */
  spare: NativeBlockBuilder[];
}

function newBatch(builder: NativeBlockBuilder): Batch {
  let resolve!: () => void, reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits must not become an unhandled rejection.
  done.catch(() => {});
  return { builder, resolve, reject, done };
}

/**
 * Batches rows per table and inserts them through a {@linkcode Store}.
 *
 * @example
 * ```ts ignore
 * import { IngestBatcher } from "./batcher.ts";
 * const batcher = new IngestBatcher(store, { maxDelayMs: 100 });
 * await batcher.add("otel_logs", LOGS_COLUMNS, rows); // resolves once committed
 * await batcher.close();
 * ```
 */
export class IngestBatcher {
  readonly options: Required<BatchOptions>;
  #store: Store;
  #queues = new Map<string, TableQueue>();
  #queued = 0;
  #closed = false;
  #observers: ((report: BatchReport) => void)[] = [];

  constructor(store: Store, options: BatchOptions = {}) {
    this.#store = store;
    this.options = { ...BATCH_DEFAULTS, ...options };
  }

  /** Rows waiting in batches or being inserted. */
  get queuedRows(): number {
    return this.#queued;
  }

  /** Calls `observer` after every insert, committed or failed. */
  onBatch(observer: (report: BatchReport) => void): void {
    this.#observers.push(observer);
  }

  /** Whether `rows` more rows fit in the queue now. */
  hasRoom(rows: number): boolean {
    return this.#queued + rows <= this.options.maxQueuedRows;
  }

  /**
   * Adds rows for `table` and resolves once they are committed. Throws
   * {@linkcode QueueFullError} synchronously-as-rejection when they do not fit.
   */
  add(
    table: string,
    columns: readonly ColumnSpec[],
    rows: Record<string, unknown>[],
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("The ingest batcher is closed"));
    if (rows.length === 0) return Promise.resolve();
    if (!this.hasRoom(rows.length)) {
      return Promise.reject(new QueueFullError(this.#queued, this.options.maxQueuedRows));
    }
    try {
      return this.#add(table, columns, rows);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Appends rows for `table` straight into its pending block: `fill` writes them and returns how
   * many it wrote. Resolves once they are committed. When they do not fit in the queue, or
   * `fill` throws, what it wrote is rolled back and the promise rejects
   * ({@linkcode QueueFullError}, or `fill`'s error).
   *
   * @example
   * ```ts ignore
   * await batcher.append("otel_logs", LOGS_COLUMNS, (builder) => {
   *   for (const row of request) builder.appendRow(row);
   *   return request.length;
   * });
   * ```
   */
  append(
    table: string,
    columns: readonly ColumnSpec[],
    fill: (builder: NativeBlockBuilder) => number,
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("The ingest batcher is closed"));
    try {
      return this.#fill(table, columns, fill);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like {@linkcode add} for several tables at once, all-or-nothing on queue room. */
  addAll(
    parts: { table: string; columns: readonly ColumnSpec[]; rows: Record<string, unknown>[] }[],
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("The ingest batcher is closed"));
    const total = parts.reduce((n, p) => n + p.rows.length, 0);
    if (!this.hasRoom(total)) {
      return Promise.reject(new QueueFullError(this.#queued, this.options.maxQueuedRows));
    }
    try {
      return Promise.all(
        parts.filter((p) => p.rows.length > 0).map((p) => this.#add(p.table, p.columns, p.rows)),
      ).then(() => {});
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #add(
    table: string,
    columns: readonly ColumnSpec[],
    rows: Record<string, unknown>[],
  ): Promise<void> {
    return this.#fill(table, columns, (builder) => {
      for (const row of rows) builder.appendRow(row);
      return rows.length;
    });
  }

  #fill(
    table: string,
    columns: readonly ColumnSpec[],
    fill: (builder: NativeBlockBuilder) => number,
  ): Promise<void> {
    let queue = this.#queues.get(table);
    if (!queue) {
      queue = { table, columns, flushing: [], running: 0, spare: [] };
      this.#queues.set(table, queue);
    }
    let batch = queue.pending;
    const fresh = !batch;
    if (!batch) batch = newBatch(queue.spare.pop() ?? new NativeBlockBuilder(queue.columns));
    const mark = batch.builder.mark();
    let added: number;
    try {
      added = fill(batch.builder);
      if (added > 0 && !this.hasRoom(added)) {
        throw new QueueFullError(this.#queued, this.options.maxQueuedRows);
      }
    } catch (error) {
      batch.builder.rollback(mark);
      if (fresh) queue.spare.push(batch.builder);
      throw error;
    }
    if (added === 0) {
      if (fresh) queue.spare.push(batch.builder);
      return Promise.resolve();
    }
    if (fresh) {
      queue.pending = batch;
      const q = queue;
      batch.timer = setTimeout(() => this.#comeOfAge(q), this.options.maxDelayMs);
    }
    this.#queued += added;
    const done = batch.done;
    if (batch.builder.rows >= this.options.maxRows) this.#seal(queue);
    return done;
  }

  /** The pending batch's first row is `maxDelayMs` old: flush it, unless no slot is free. */
  #comeOfAge(queue: TableQueue): void {
    if (!queue.pending) return;
    if (queue.running < this.options.maxConcurrentInserts) this.#seal(queue);
    else queue.pending.due = true;
  }

  /** Closes the pending batch of `queue` and starts inserting. */
  #seal(queue: TableQueue): void {
    const batch = queue.pending;
    if (!batch) return;
    clearTimeout(batch.timer);
    queue.pending = undefined;
    queue.flushing.push(batch);
    if (queue.running < this.options.maxConcurrentInserts) this.#run(queue);
  }

  async #run(queue: TableQueue): Promise<void> {
    queue.running++;
    try {
      let batch: Batch | undefined;
      while ((batch = queue.flushing.shift())) {
        const started = performance.now();
        const rows = batch.builder.rows;
        let error: unknown;
        try {
          const native = batch.builder.finish();
          await this.#store.insert(queue.table, { native, rows }, { columns: queue.columns });
        } catch (e) {
          error = e;
        }
        this.#queued -= rows;
        if (queue.spare.length < this.options.maxConcurrentInserts) {
          queue.spare.push(batch.builder.reset());
        }
        const report: BatchReport = {
          table: queue.table,
          rows,
          seconds: (performance.now() - started) / 1000,
          error,
        };
        for (const observe of this.#observers) observe(report);
        if (error === undefined) batch.resolve();
        else batch.reject(error);
        // This runner is about to be free: a batch that came of age meanwhile goes next (this
        // runner still counts as running, so sealing only queues it for this loop).
        if (queue.flushing.length === 0 && queue.pending?.due) this.#seal(queue);
      }
    } finally {
      queue.running--;
    }
  }

  /** Flushes every pending batch now and waits for all inserts. */
  async flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const queue of this.#queues.values()) {
      if (queue.pending) waits.push(queue.pending.done);
      for (const b of queue.flushing) waits.push(b.done);
      this.#seal(queue);
    }
    await Promise.allSettled(waits);
  }

  /** Refuses new rows, then flushes what is queued. Safe to call more than once. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }
}
