/**
 * The limits of the ingest batcher (`batcher.ts`), their defaults, and what it reports: the
 * error of a full queue, one insert's report, the counters for `/metrics`.
 *
 * @module
 */

/** Batching limits. */
export interface BatchOptions {
  /** Rows that seal a table's batch. Default 50,000. */
  maxRows?: number;
  /** Age of a batch's first row that seals it while inserts are running, in ms. Default 200. */
  maxDelayMs?: number;
  /** Rows waiting in all batches (pending + inserting) before new data is refused. Default 200,000. */
  maxQueuedRows?: number;
  /**
   * Bytes of Native blocks waiting in all batches before new data is refused; a batch is sealed
   * at a quarter of it. Default 256 MiB: realistic spans (~800 bytes in a block) meet the row
   * bounds first; larger ones meet this one.
   */
  maxQueuedBytes?: number;
  /**
   * Inserts of one table in flight at once. Default 2: the next batch is encoded while the
   * engine writes the previous one (the embedded engine runs one lane's calls one at a time).
   */
  maxConcurrentInserts?: number;
  /** The engine's `max_partitions_per_insert_block`. Default 100, as ClickHouse's. */
  maxPartitionsPerInsert?: number;
  /**
   * Rows that seal a batch while people are querying: while the engine's `interactive` lane has
   * calls waiting, or ended one less than `queriedWithinMs` ago, batches are sealed at this size
   * instead of `maxRows`. With one shared engine connection (`--engine-connections shared`) a
   * dashboard query waits for the insert running when it arrives; smaller inserts shorten that
   * wait, at a cost in
   * ingest throughput. 0 (the default) turns it off: measured, it halved ingest under query load
   * for a modest gain, since one insert into the span tables and their materialized views has a
   * fixed cost larger than an idle query (docs/query-optimization.md). Only stores that report
   * lane activity (the embedded engine) are asked.
   */
  maxRowsWhileQueried?: number;
  /** How long after its last interactive query the store counts as queried, ms. Default 1000. */
  queriedWithinMs?: number;
  /**
   * Insert a batch as soon as no insert of its table runs. Default true; false waits for
   * `maxRows` or `maxDelayMs` as before (the baseline of `bench/light_load_bench.ts`).
   */
  adaptive?: boolean;
}

/** The defaults of {@linkcode BatchOptions}. */
export const BATCH_DEFAULTS: Required<BatchOptions> = {
  maxRows: 50_000,
  maxDelayMs: 200,
  maxQueuedRows: 200_000,
  maxQueuedBytes: 256 * 1024 * 1024,
  maxConcurrentInserts: 2,
  maxPartitionsPerInsert: 100,
  maxRowsWhileQueried: 0,
  queriedWithinMs: 1_000,
  adaptive: true,
};

/**
 * Bytes of buffers a spare builder (one emptied after its insert, kept for the next batch) may
 * keep. A batch of light load fits, so its buffers are reused; the builder of a large batch
 * gives its buffers back instead of holding the largest block ever seen (measured: ~2.7× the
 * block, 105 MiB for 50,000 spans). Growing them again costs a few ms per batch.
 */
export const SPARE_BUILDER_BYTES = 4 * 1024 * 1024;

/** Thrown by {@linkcode IngestBatcher.add} when the queue is full; retry later. */
export class QueueFullError extends Error {
  constructor(what: string) {
    super(`Ingest queue is full (${what}); retry later`);
    this.name = "QueueFullError";
  }
}

/** What one committed (or failed) insert reports to observers. */
export interface BatchReport {
  table: string;
  rows: number;
  seconds: number;
  error?: unknown;
  /** An insert of part of a failed batch, to find the request that fails it. */
  retry?: boolean;
}

/** Counters of the batcher, for `/metrics`. */
export interface BatcherStats {
  /** Rows waiting in batches or being inserted. */
  readonly queuedRows: number;
  /** Bytes of the blocks waiting or being inserted. */
  readonly queuedBytes: number;
  /** Requests split by day because they span more days than one insert may hold. */
  readonly requestsSplit: number;
  /** Requests rejected alone after their batch failed and the others were inserted again. */
  readonly requestsIsolated: number;
}
