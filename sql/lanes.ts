/**
 * Lanes: who gets the embedded engine next.
 *
 * chDB runs one statement at a time per process (one connection, one query
 * thread; see docs/architecture.md), so isolation between ingest and queries
 * cannot come from running them side by side. It comes from the order of the
 * waiting line: each kind of caller queues in its own lane, and when the
 * engine frees up the scheduler picks
 *
 * 1. the lane whose first call is overdue — it has waited longer than its
 *    lane's `maxWaitMs` (ingest 250 ms, background and endpoint 2 s); the most
 *    overdue first, so no lane starves;
 * 2. else by priority: `interactive` (a person waits; a page's few short
 *    statements run back to back), then `ingest`, then `background` and
 *    `endpoint` calls, oldest first.
 *
 * A running statement is never pre-empted; what a slow one may cost the others
 * is bounded by its `max_execution_time` (the API and the ClickHouse endpoint
 * set one on every call) and by `maxQueued` per lane, past which new calls
 * fail at once with {@linkcode LaneFullError} instead of queueing forever.
 *
 * @module
 */

/** The kinds of engine callers, each with its own waiting line. */
export type Lane = "ingest" | "interactive" | "background" | "endpoint";

/** Every lane, in the order reports list them. */
export const LANES: readonly Lane[] = ["ingest", "interactive", "background", "endpoint"];

/** Limits of one lane. */
export interface LaneLimits {
  /** Calls that may wait in the lane; more fail with {@linkcode LaneFullError}. */
  maxQueued: number;
  /** After this long, ms, the lane's first call goes before any lane of higher priority. */
  maxWaitMs: number;
}

/** Default limits: generous for ingest and people, tight for bulk callers. */
export const DEFAULT_LANE_LIMITS: Readonly<Record<Lane, LaneLimits>> = {
  ingest: { maxQueued: 1024, maxWaitMs: 250 },
  interactive: { maxQueued: 256, maxWaitMs: 250 },
  background: { maxQueued: 64, maxWaitMs: 2000 },
  endpoint: { maxQueued: 64, maxWaitMs: 2000 },
};

/** Lanes from highest priority to lowest (bulk lanes share the last rank, oldest first). */
const PRIORITY: readonly Lane[] = ["interactive", "ingest"];

/** Options of {@linkcode LaneScheduler}. */
export interface LaneSchedulerOptions {
  /** Per-lane limits over {@linkcode DEFAULT_LANE_LIMITS}. */
  limits?: Partial<Record<Lane, Partial<LaneLimits>>>;
  /**
   * `lanes` (default) as above; `fifo` runs calls in arrival order whatever
   * their lane, as one shared queue did before lanes (the benchmarks' baseline).
   */
  ordering?: "lanes" | "fifo";
}

/** Counters of one lane since the scheduler started. */
export interface LaneStats {
  /** Calls waiting now. */
  queued: number;
  /** Calls that ran (successfully or not). */
  ran: number;
  /** Calls refused because the lane was full. */
  refused: number;
  /** Total time calls spent waiting for the engine, ms. */
  waitedMs: number;
  /**
   * Total, over the lane's calls, of the other calls that started while each waited: how many
   * statements a call waited behind. Unlike times, it does not move with the machine's load.
   */
  waitedBehind: number;
  /** Total time calls held the engine, ms. */
  busyMs: number;
}

/** A call refused because its lane already holds `maxQueued` waiting calls. */
export class LaneFullError extends Error {
  /** The lane that was full. */
  readonly lane: Lane;

  constructor(lane: Lane, maxQueued: number) {
    super(`The embedded engine is busy: ${maxQueued} ${lane} calls are already waiting`);
    this.name = "LaneFullError";
    this.lane = lane;
  }
}

interface Waiting {
  start(): void;
  enqueuedAt: number;
  /** The scheduler's count of started calls when this one arrived. */
  startedBefore: number;
  signal?: AbortSignal;
  abort(): void;
}

/**
 * Runs tasks one at a time, choosing among lanes as the module doc says.
 *
 * @example
 * ```ts
 * import { LaneScheduler } from "./lanes.ts";
 * const lanes = new LaneScheduler();
 * const order: string[] = [];
 * const slow = lanes.run("endpoint", () => new Promise((r) => setTimeout(r, 10)));
 * const later = lanes.run("endpoint", () => Promise.resolve(void order.push("endpoint")));
 * const insert = lanes.run("ingest", () => Promise.resolve(void order.push("ingest")));
 * await Promise.all([slow, later, insert]);
 * console.assert(order.join() === "ingest,endpoint"); // the insert jumped the queued bulk call
 * ```
 */
export class LaneScheduler {
  #queues: Record<Lane, Waiting[]> = { ingest: [], interactive: [], background: [], endpoint: [] };
  #stats: Record<Lane, LaneStats>;
  #limits: Record<Lane, LaneLimits>;
  #fifo: boolean;
  #busy = false;
  /** Calls started so far, all lanes; busy on arrival counts the running one as waited behind. */
  #started = 0;

  constructor(options: LaneSchedulerOptions = {}) {
    const ordering = options.ordering ?? "lanes";
    if (ordering !== "lanes" && ordering !== "fifo") {
      throw new RangeError(`Invalid ordering: "${ordering}" (expected "lanes" or "fifo")`);
    }
    this.#fifo = ordering === "fifo";
    const limits = {} as Record<Lane, LaneLimits>;
    const stats = {} as Record<Lane, LaneStats>;
    for (const lane of LANES) {
      limits[lane] = { ...DEFAULT_LANE_LIMITS[lane], ...options.limits?.[lane] };
      const { maxQueued, maxWaitMs } = limits[lane];
      if (!Number.isInteger(maxQueued) || maxQueued < 1) {
        throw new RangeError(`Invalid maxQueued for lane ${lane}: ${maxQueued}`);
      }
      if (!(maxWaitMs >= 0)) {
        throw new RangeError(`Invalid maxWaitMs for lane ${lane}: ${maxWaitMs}`);
      }
      stats[lane] = { queued: 0, ran: 0, refused: 0, waitedMs: 0, waitedBehind: 0, busyMs: 0 };
    }
    this.#limits = limits;
    this.#stats = stats;
  }

  /** Counters per lane (a copy). */
  stats(): Record<Lane, LaneStats> {
    const copy = {} as Record<Lane, LaneStats>;
    for (const lane of LANES) {
      copy[lane] = { ...this.#stats[lane], queued: this.#queues[lane].length };
    }
    return copy;
  }

  /** Whether a task runs now or any waits. */
  get idle(): boolean {
    return !this.#busy && LANES.every((lane) => this.#queues[lane].length === 0);
  }

  /**
   * Runs `task` when the scheduler gives `lane` its turn. Aborting `signal`
   * while the call waits removes it from the line (it rejects with the
   * signal's reason); once running, the task itself must watch the signal.
   */
  run<T>(lane: Lane, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!LANES.includes(lane)) return Promise.reject(new TypeError(`Unknown lane: "${lane}"`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const queue = this.#queues[lane];
    const stats = this.#stats[lane];
    if (queue.length >= this.#limits[lane].maxQueued) {
      stats.refused++;
      return Promise.reject(new LaneFullError(lane, this.#limits[lane].maxQueued));
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const at = queue.indexOf(waiting);
        if (at >= 0) queue.splice(at, 1);
        reject(signal?.reason);
      };
      const waiting: Waiting = {
        enqueuedAt: performance.now(),
        startedBefore: this.#started - (this.#busy ? 1 : 0),
        signal,
        abort: () => signal?.removeEventListener("abort", onAbort),
        start: () => {
          waiting.abort();
          const began = performance.now();
          stats.waitedMs += began - waiting.enqueuedAt;
          stats.waitedBehind += this.#started - waiting.startedBefore;
          this.#started++;
          let settled: Promise<T>;
          try {
            settled = task();
          } catch (error) {
            settled = Promise.reject(error);
          }
          settled.then(resolve, reject).finally(() => {
            stats.ran++;
            stats.busyMs += performance.now() - began;
            this.#busy = false;
            this.#next();
          });
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiting);
      this.#next();
    });
  }

  #next(): void {
    if (this.#busy) return;
    const lane = this.#pick();
    if (lane === undefined) return;
    const waiting = this.#queues[lane].shift()!;
    this.#busy = true;
    waiting.start();
  }

  #pick(): Lane | undefined {
    if (this.#fifo) return this.#oldest(LANES);
    const now = performance.now();
    let overdue: Lane | undefined;
    let most = 0;
    for (const lane of LANES) {
      const head = this.#queues[lane][0];
      const late = head ? now - head.enqueuedAt - this.#limits[lane].maxWaitMs : 0;
      if (late > most) [overdue, most] = [lane, late];
    }
    if (overdue !== undefined) return overdue;
    for (const lane of PRIORITY) if (this.#queues[lane].length > 0) return lane;
    return this.#oldest(["background", "endpoint"]);
  }

  /** The lane among `lanes` whose first waiting call came first. */
  #oldest(lanes: readonly Lane[]): Lane | undefined {
    let oldest: Lane | undefined;
    for (const lane of lanes) {
      const head = this.#queues[lane][0];
      if (head && (oldest === undefined || head.enqueuedAt < this.#queues[oldest][0].enqueuedAt)) {
        oldest = lane;
      }
    }
    return oldest;
  }
}
