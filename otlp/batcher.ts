/**
 * Bounded in-memory batching in front of `Store.insert`: rows for one table gather into a batch
 * that is flushed when it holds `maxRows` rows or its first row is `maxDelayMs` old. A caller's
 * promise resolves only once the batch holding its rows is committed, so an acknowledged record
 * is never lost; it rejects when that insert fails. When `maxQueuedRows` rows are already waiting
 * (pending or being inserted), {@linkcode IngestBatcher.add} throws {@linkcode QueueFullError}
 * at once and the receiver answers 429.
 *
 * @module
 */
import type { ColumnSpec, Store } from "../sql/store.ts";

/** Batching limits. */
export interface BatchOptions {
  /** Rows that trigger a flush of a table's batch. Default 20,000. */
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
  maxRows: 20_000,
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
  rows: Record<string, unknown>[];
  resolve: () => void;
  reject: (error: unknown) => void;
  done: Promise<void>;
  timer?: ReturnType<typeof setTimeout>;
}

interface TableQueue {
  table: string;
  columns: readonly ColumnSpec[];
  pending?: Batch;
  /** Batches closed for new rows, taken in order by up to `maxConcurrentInserts` runners. */
  flushing: Batch[];
  running: number;
}

function newBatch(): Batch {
  let resolve!: () => void, reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits must not become an unhandled rejection.
  done.catch(() => {});
  return { rows: [], resolve, reject, done };
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
    return this.#add(table, columns, rows);
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
    return Promise.all(
      parts.filter((p) => p.rows.length > 0).map((p) => this.#add(p.table, p.columns, p.rows)),
    ).then(() => {});
  }

  #add(
    table: string,
    columns: readonly ColumnSpec[],
    rows: Record<string, unknown>[],
  ): Promise<void> {
    let queue = this.#queues.get(table);
    if (!queue) {
      queue = { table, columns, flushing: [], running: 0 };
      this.#queues.set(table, queue);
    }
    let batch = queue.pending;
    if (!batch) {
      batch = newBatch();
      queue.pending = batch;
      const q = queue;
      batch.timer = setTimeout(() => this.#seal(q), this.options.maxDelayMs);
    }
    for (const row of rows) batch.rows.push(row);
    this.#queued += rows.length;
    const done = batch.done;
    if (batch.rows.length >= this.options.maxRows) this.#seal(queue);
    return done;
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
        let error: unknown;
        try {
          await this.#store.insert(queue.table, batch.rows, { columns: queue.columns });
        } catch (e) {
          error = e;
        }
        this.#queued -= batch.rows.length;
        const report: BatchReport = {
          table: queue.table,
          rows: batch.rows.length,
          seconds: (performance.now() - started) / 1000,
          error,
        };
        for (const observe of this.#observers) observe(report);
        if (error === undefined) batch.resolve();
        else batch.reject(error);
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
