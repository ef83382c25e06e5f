/**
 * Bounded in-memory batching in front of `Store.insert`: rows for one table gather into a batch
 * — one Native block being built (`NativeBlockBuilder`), so no row objects are kept — and a
 * caller's promise resolves only once the rows it added are committed, so an acknowledged record
 * is never lost.
 *
 * When a batch is inserted adapts to the engine, the way group commit does: while no insert of
 * its table is running, a batch goes at once (a lone client waits for its own insert, not a
 * timer); while one runs, rows gather and go as soon as it ends. A batch is also sealed when it
 * holds `maxRows` rows (`maxRowsWhileQueried` while people are querying: on one shared engine
 * connection a dashboard query waits for the insert in progress) or a
 * quarter of `maxQueuedBytes`, or when its first row is `maxDelayMs`
 * old and an insert slot is free; a batch that comes of age while every slot is busy keeps
 * taking rows until one frees up. Under load, inserts therefore grow instead of queueing up, and
 * ClickHouse writes fewer, larger parts — the cheapest way for it to take the same rows.
 * ClickHouse's own adaptive async-insert timeout (`async_insert_use_adaptive_busy_timeout`)
 * moves a timer between 50 and 200 ms by how often inserts arrive; here the signal is the
 * engine's state itself.
 *
 * No request fails another one's data:
 * - an insert holds rows of at most half of `maxPartitionsPerInsert` UTC days (the tables are
 *   partitioned by day; half, so the engine's own dates stay within its limit in any time
 *   zone): a request whose days would not fit goes to a new batch, and a request spanning more
 *   days than one insert may hold is split by day into several inserts;
 * - when an insert fails, the requests of the batch are inserted again in halves, down to the
 *   one(s) that fail alone; only those are rejected.
 *
 * When `maxQueuedRows` rows or `maxQueuedBytes` bytes of blocks are already waiting (pending or
 * being inserted), {@linkcode IngestBatcher.add} rejects with {@linkcode QueueFullError} at
 * once and the receiver answers 429.
 *
 * @module
 */
import { type BuilderMark, NativeBlockBuilder } from "../sql/native/mod.ts";
import type { ColumnSpec, Store } from "../sql/store.ts";
import {
  BATCH_DEFAULTS,
  type BatcherStats,
  type BatchOptions,
  type BatchReport,
  QueueFullError,
  SPARE_BUILDER_BYTES,
} from "./batch_options.ts";
import { dayOf, PARTITION_TIME_COLUMNS, rowsAfter, rowSeconds } from "./time_partitions.ts";

export {
  BATCH_DEFAULTS,
  type BatcherStats,
  type BatchOptions,
  type BatchReport,
  QueueFullError,
} from "./batch_options.ts";

/** The rows one caller added to a batch, and its promise. */
interface Segment {
  from: BuilderMark;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Batch {
  builder: NativeBlockBuilder;
  segments: Segment[];
  /** Bytes of the block's values. */
  bytes: number;
  /** UTC days of its rows (tables partitioned by day only). */
  days: Set<number>;
  /** The builder's position when the batch was sealed: the end of its last segment. */
  end?: BuilderMark;
  timer?: ReturnType<typeof setTimeout>;
  /** Old enough to flush, but waiting for a free insert slot. */
  due?: boolean;
  /** One day group of a split request: its rows are accounted by the request. */
  split?: boolean;
}

interface TableQueue {
  table: string;
  columns: readonly ColumnSpec[];
  /** The column the table is partitioned by day on, if any. */
  timeColumn?: string;
  pending?: Batch;
  /** Batches closed for new rows, taken in order by up to `maxConcurrentInserts` runners. */
  flushing: Batch[];
  running: number;
  /** Builders of committed batches, emptied for reuse: grown buffers are kept up to a bound. */
  spare: NativeBlockBuilder[];
}

function newBatch(builder: NativeBlockBuilder): Batch {
  return { builder, segments: [], bytes: 0, days: new Set() };
}

function newSegment(from: BuilderMark): { segment: Segment; done: Promise<void> } {
  let resolve!: () => void, reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A promise nobody awaits must not become an unhandled rejection.
  done.catch(() => {});
  return { segment: { from, resolve, reject }, done };
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
export class IngestBatcher implements BatcherStats {
  readonly options: Required<BatchOptions>;
  #store: Store;
  #queues = new Map<string, TableQueue>();
  #queued = 0;
  #queuedBytes = 0;
  #split = 0;
  #isolated = 0;
  #closed = false;
  #observers: ((report: BatchReport) => void)[] = [];
  /** Batches sealed and not yet settled, for `flush`. */
  #inFlight = new Set<Promise<void>>();

  constructor(store: Store, options: BatchOptions = {}) {
    this.#store = store;
    this.options = { ...BATCH_DEFAULTS, ...options };
    for (const name of ["maxRowsWhileQueried", "queriedWithinMs"] as const) {
      const value = this.options[name];
      if (!Number.isInteger(value) || value < 0) {
        throw new RangeError(`Invalid ${name}: ${value} (expected a whole number, at least 0)`);
      }
    }
  }

  /** Rows waiting in batches or being inserted. */
  get queuedRows(): number {
    return this.#queued;
  }

  /** Bytes of the blocks waiting or being inserted. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Requests split by day into several inserts. */
  get requestsSplit(): number {
    return this.#split;
  }

  /** Requests rejected alone after their batch failed. */
  get requestsIsolated(): number {
    return this.#isolated;
  }

  /** Calls `observer` after every insert, committed or failed. */
  onBatch(observer: (report: BatchReport) => void): void {
    this.#observers.push(observer);
  }

  /**
   * Whether `rows` more rows holding `bytes` more bytes fit in the queue now. An empty queue
   * takes anything: a request larger than a bound would otherwise be refused forever (its size
   * is bounded by the receiver's body limits).
   */
  hasRoom(rows: number, bytes = 0): boolean {
    if (this.#queued === 0) return true;
    return this.#queued + rows <= this.options.maxQueuedRows &&
      this.#queuedBytes + bytes <= this.options.maxQueuedBytes;
  }

  #full(rows: number): QueueFullError {
    const o = this.options;
    return new QueueFullError(
      this.#queued + rows > o.maxQueuedRows
        ? `${this.#queued} of ${o.maxQueuedRows} rows waiting`
        : `${this.#queuedBytes} of ${o.maxQueuedBytes} bytes waiting`,
    );
  }

  /**
   * Adds rows for `table` and resolves once they are committed. Rejects with
   * {@linkcode QueueFullError} at once when they do not fit.
   */
  add(
    table: string,
    columns: readonly ColumnSpec[],
    rows: Record<string, unknown>[],
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("The ingest batcher is closed"));
    if (rows.length === 0) return Promise.resolve();
    if (!this.hasRoom(rows.length)) return Promise.reject(this.#full(rows.length));
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
    if (!this.hasRoom(total, 1)) return Promise.reject(this.#full(total));
    try {
      // Bytes are known only once a part is written: checked on entry (above) and not per part,
      // so the request goes in whole or not at all (it may pass the byte bound by its own size).
      return Promise.all(
        parts.filter((p) => p.rows.length > 0).map((p) =>
          this.#add(p.table, p.columns, p.rows, false)
        ),
      ).then(() => {});
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #add(
    table: string,
    columns: readonly ColumnSpec[],
    rows: Record<string, unknown>[],
    checkBytes = true,
  ): Promise<void> {
    return this.#fill(table, columns, (builder) => {
      for (const row of rows) builder.appendRow(row);
      return rows.length;
    }, checkBytes);
  }

  #queue(table: string, columns: readonly ColumnSpec[]): TableQueue {
    let queue = this.#queues.get(table);
    if (!queue) {
      const time = PARTITION_TIME_COLUMNS[table];
      queue = {
        table,
        columns,
        timeColumn: columns.some((c) => c.name === time) ? time : undefined,
        flushing: [],
        running: 0,
        spare: [],
      };
      this.#queues.set(table, queue);
    }
    return queue;
  }

  /** UTC days one insert may hold. */
  get #dayBudget(): number {
    return Math.max(1, Math.floor(this.options.maxPartitionsPerInsert / 2));
  }

  #fill(
    table: string,
    columns: readonly ColumnSpec[],
    fill: (builder: NativeBlockBuilder) => number,
    checkBytes = true,
  ): Promise<void> {
    const queue = this.#queue(table, columns);
    let batch = queue.pending;
    let fresh = !batch;
    if (!batch) batch = newBatch(queue.spare.pop() ?? new NativeBlockBuilder(queue.columns));
    let mark = batch.builder.mark();
    const before = batch.builder.byteLength;
    let added: number, bytes: number;
    let days: Set<number> | undefined;
    try {
      added = fill(batch.builder);
      bytes = batch.builder.byteLength - before;
      if (added > 0 && !this.hasRoom(added, checkBytes ? bytes : 0)) throw this.#full(added);
      if (added > 0 && queue.timeColumn) {
        days = new Set();
        for (const s of rowSeconds(batch.builder, queue.timeColumn, mark.rows)) days.add(dayOf(s));
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
    if (days && days.size > this.#dayBudget) {
      return this.#splitByDay(queue, batch, fresh, mark, added, bytes);
    }
    if (days && !fresh && new Set([...batch.days, ...days]).size > this.#dayBudget) {
      // The request's days do not fit with the batch's: it starts the next batch.
      const moved = newBatch(new NativeBlockBuilder(queue.columns));
      const start = moved.builder.mark();
      moved.builder.appendRange(batch.builder, mark, batch.builder.mark());
      batch.builder.rollback(mark);
      this.#seal(queue);
      batch = moved;
      mark = start;
      fresh = true;
    }
    if (fresh) {
      queue.pending = batch;
      const q = queue;
      batch.timer = setTimeout(() => this.#comeOfAge(q), this.options.maxDelayMs);
    }
    if (days) { for (const d of days) batch.days.add(d); }
    this.#queued += added;
    this.#queuedBytes += bytes;
    batch.bytes += bytes;
    const { segment, done } = newSegment(mark);
    batch.segments.push(segment);
    if (
      batch.builder.rows >= this.#rowCap() ||
      batch.bytes >= this.options.maxQueuedBytes / 4 ||
      // The engine is idle for this table: waiting would gain nothing.
      (this.options.adaptive && queue.running === 0)
    ) this.#seal(queue);
    return done;
  }

  /** Rows that seal a batch now: fewer while people query, so their wait for an insert is short. */
  #rowCap(): number {
    const { maxRows, maxRowsWhileQueried, queriedWithinMs } = this.options;
    if (maxRowsWhileQueried <= 0 || maxRowsWhileQueried >= maxRows) return maxRows;
    return this.#store.laneActive?.("interactive", queriedWithinMs) ? maxRowsWhileQueried : maxRows;
  }

  /**
   * A request spanning more days than one insert may hold: its rows leave the pending block and
   * go, grouped by day, into inserts of their own.
   */
  #splitByDay(
    queue: TableQueue,
    batch: Batch,
    fresh: boolean,
    mark: BuilderMark,
    rows: number,
    bytes: number,
  ): Promise<void> {
    const decoded = rowsAfter(batch.builder, mark);
    const seconds = rowSeconds(batch.builder, queue.timeColumn!, mark.rows);
    batch.builder.rollback(mark);
    if (fresh) queue.spare.push(batch.builder);
    const byDay = new Map<number, Record<string, unknown>[]>();
    decoded.forEach((row, i) => {
      const day = dayOf(seconds[i]);
      const group = byDay.get(day);
      if (group) group.push(row);
      else byDay.set(day, [row]);
    });
    const days = [...byDay.keys()].sort((a, b) => a - b);
    // Accounted as the request's own size until every part is settled: the parts are about the same.
    this.#queued += rows;
    this.#queuedBytes += bytes;
    this.#split++;
    const waits: Promise<void>[] = [];
    for (let i = 0; i < days.length; i += this.#dayBudget) {
      const part = newBatch(new NativeBlockBuilder(queue.columns));
      part.split = true;
      const { segment, done } = newSegment(part.builder.mark());
      for (const day of days.slice(i, i + this.#dayBudget)) {
        for (const row of byDay.get(day)!) part.builder.appendRow(row);
        part.days.add(day);
      }
      part.segments.push(segment);
      waits.push(done);
      this.#enqueue(queue, part);
    }
    const release = () => {
      this.#queued -= rows;
      this.#queuedBytes -= bytes;
    };
    return Promise.all(waits).then(release, (error) => {
      release();
      throw error;
    });
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
    this.#enqueue(queue, batch);
  }

  /** Queues a closed batch for insertion and starts a runner when a slot is free. */
  #enqueue(queue: TableQueue, batch: Batch): void {
    batch.end = batch.builder.mark();
    queue.flushing.push(batch);
    if (queue.running < this.options.maxConcurrentInserts) {
      const run = this.#run(queue);
      this.#inFlight.add(run);
      run.finally(() => this.#inFlight.delete(run));
    }
  }

  /** Inserts one block; returns the error, if any, after telling the observers. */
  async #insert(queue: TableQueue, builder: NativeBlockBuilder, retry: boolean): Promise<unknown> {
    const started = performance.now();
    const rows = builder.rows;
    let error: unknown;
    try {
      const native = builder.finish();
      await this.#store.insert(queue.table, { native, rows }, { columns: queue.columns });
    } catch (e) {
      error = e ?? new Error("insert failed");
    }
    const report: BatchReport = {
      table: queue.table,
      rows,
      seconds: (performance.now() - started) / 1000,
      error,
      retry,
    };
    for (const observe of this.#observers) observe(report);
    return error;
  }

  /**
   * Segments `[i, j)` of a failed batch failed together with `error`: inserts each half again on
   * its own, and so on down to the segments that fail alone, whose errors go to `failures`.
   */
  async #isolate(
    queue: TableQueue,
    batch: Batch,
    i: number,
    j: number,
    error: unknown,
    failures: unknown[],
  ): Promise<void> {
    if (j - i === 1) {
      if (batch.segments.length > 1) this.#isolated++;
      failures[i] = error;
      return;
    }
    const mid = (i + j) >> 1;
    const at = (k: number) => k < batch.segments.length ? batch.segments[k].from : batch.end!;
    for (const [a, b] of [[i, mid], [mid, j]]) {
      const part = new NativeBlockBuilder(queue.columns);
      part.appendRange(batch.builder, at(a), at(b));
      const failed = await this.#insert(queue, part, true);
      if (failed !== undefined) await this.#isolate(queue, batch, a, b, failed, failures);
    }
  }

  async #run(queue: TableQueue): Promise<void> {
    queue.running++;
    try {
      let batch: Batch | undefined;
      while ((batch = queue.flushing.shift())) {
        const { segments } = batch;
        const failures: unknown[] = new Array(segments.length);
        const error = await this.#insert(queue, batch.builder, false);
        if (error !== undefined) {
          await this.#isolate(queue, batch, 0, segments.length, error, failures);
        }
        if (!batch.split) {
          this.#queued -= batch.builder.rows;
          this.#queuedBytes -= batch.bytes;
          if (queue.spare.length < this.options.maxConcurrentInserts) {
            queue.spare.push(batch.builder.reset(SPARE_BUILDER_BYTES));
          }
        }
        segments.forEach((s, k) => k in failures ? s.reject(failures[k]) : s.resolve());
        // This runner is about to be free: a batch that came of age meanwhile goes next, and so
        // does any pending batch when no other insert runs (this runner still counts as running,
        // so sealing only queues it for this loop).
        const next = queue.pending;
        if (
          queue.flushing.length === 0 && next &&
          (next.due || (this.options.adaptive && queue.running === 1))
        ) {
          this.#seal(queue);
        }
      }
    } finally {
      queue.running--;
    }
  }

  /** Flushes every pending batch now and waits for all inserts. */
  async flush(): Promise<void> {
    for (const queue of this.#queues.values()) this.#seal(queue);
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Refuses new rows, then flushes what is queued. Safe to call more than once. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }
}
