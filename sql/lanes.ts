/**
 * Lanes: who waits for whom in the embedded engine.
 *
 * Each kind of caller has a lane: `ingest` (every insert), `interactive` (the
 * API and dashboard), `alerts` (rule evaluation), `background` (archiving and
 * other maintenance) and `endpoint` (outside SQL through the ClickHouse HTTP
 * endpoint). By default each lane has chDB connections of its own (`chdb.ts`;
 * two for `interactive`, one for the others): statements of different lanes
 * run side by side, and a lane's calls wait only for each other, in arrival
 * order. A {@linkcode LaneScheduler} is that waiting line.
 *
 * With one shared connection (`connections: "shared"`) one scheduler orders
 * every lane's calls by **weighted fair sharing of engine time** (start-time
 * fair queuing): each lane has a virtual clock that advances by the engine
 * time its calls used divided by the lane's weight (interactive 8, ingest 4,
 * alerts 2, background 1, endpoint 1); the waiting lane with the earliest
 * clock goes next, ties by that order. A lane that was idle starts from the
 * current virtual time, so idling earns no credit. A running statement is
 * never pre-empted there; what a slow one costs the others is bounded by its
 * `max_execution_time`.
 *
 * Either way a lane holds at most `maxQueued` waiting calls; more fail at
 * once with {@linkcode LaneFullError} instead of queueing forever.
 *
 * @module
 */

/** The kinds of engine callers, each with its own waiting line. */
export type Lane = "ingest" | "interactive" | "alerts" | "background" | "endpoint";

/** Every lane, in the order reports list them. */
export const LANES: readonly Lane[] = ["ingest", "interactive", "alerts", "background", "endpoint"];

/** Limits of one lane. */
export interface LaneLimits {
  /** Calls that may wait in the lane; more fail with {@linkcode LaneFullError}. */
  maxQueued: number;
  /** The lane's share of engine time against other lanes with work waiting (relative). */
  weight: number;
}

/** Default limits: generous for ingest and people, tight for bulk callers. */
export const DEFAULT_LANE_LIMITS: Readonly<Record<Lane, LaneLimits>> = {
  ingest: { maxQueued: 1024, weight: 4 },
  interactive: { maxQueued: 256, weight: 8 },
  alerts: { maxQueued: 256, weight: 2 },
  background: { maxQueued: 64, weight: 1 },
  endpoint: { maxQueued: 64, weight: 1 },
};

/**
 * Default nice value of each lane's query threads when lanes have their own connections: people
 * and alert rules first; ingest yields to them when both want a core, yet keeps what they leave;
 * bulk statements (the ClickHouse endpoint, maintenance) take what is left, even after merges
 * (nice 10): at 10 a heavy endpoint query still added +20 to +230 ms to ingest's ack p99 under
 * saturating load, at 19 +30 and −146 ms (docs/query-optimization.md). Applied by ClickHouse only
 * with `CAP_SYS_NICE`.
 */
export const LANE_THREADS_NICE: Readonly<Record<Lane, number>> = {
  ingest: 5,
  interactive: 0,
  alerts: 0,
  background: 19,
  endpoint: 19,
};

/** `lane=nice` pairs, e.g. `ingest=5,endpoint=19`, as the configuration writes them. */
export function formatLaneNice(nice: Partial<Record<Lane, number>>): string {
  return LANES.filter((lane) => nice[lane] !== undefined).map((lane) => `${lane}=${nice[lane]}`)
    .join(",");
}

/**
 * Reads `lane=nice` pairs (nice 0–19, each lane at most once); throws a `RangeError` naming the
 * bad pair.
 */
export function parseLaneNice(text: string): Partial<Record<Lane, number>> {
  const nice: Partial<Record<Lane, number>> = {};
  for (const pair of text.split(",")) {
    const [, lane, value] = pair.trim().match(/^([a-z]+)=(\d{1,2})$/) ?? [];
    if (!LANES.includes(lane as Lane) || Number(value) > 19 || (lane as Lane) in nice) {
      throw new RangeError(
        `bad pair "${pair.trim()}": expected lane=nice with a lane of ${LANES.join(", ")} ` +
          `(each once) and a nice value from 0 to 19`,
      );
    }
    nice[lane as Lane] = Number(value);
  }
  return nice;
}

/** Counters of several schedulers (or isolates) added up, lane by lane. */
export function sumLaneStats(...all: Record<Lane, LaneStats>[]): Record<Lane, LaneStats> {
  const sums = perLane((): LaneStats => ({
    queued: 0,
    ran: 0,
    refused: 0,
    waitedMs: 0,
    waitedBehind: 0,
    busyMs: 0,
  }));
  for (const stats of all) {
    for (const lane of LANES) {
      for (const key of Object.keys(sums[lane]) as (keyof LaneStats)[]) {
        sums[lane][key] += stats[lane][key];
      }
    }
  }
  return sums;
}

/** A record with `make()`'s value for every lane. */
function perLane<T>(make: () => T): Record<Lane, T> {
  return Object.fromEntries(LANES.map((lane) => [lane, make()])) as Record<Lane, T>;
}

/** Tie-break order when virtual clocks are equal. */
const PRIORITY: readonly Lane[] = ["interactive", "ingest", "alerts", "background", "endpoint"];

/** Options of {@linkcode LaneScheduler}. */
export interface LaneSchedulerOptions {
  /** Per-lane limits over {@linkcode DEFAULT_LANE_LIMITS}. */
  limits?: Partial<Record<Lane, Partial<LaneLimits>>>;
  /**
   * `lanes` (default) as above; `fifo` runs calls in arrival order whatever
   * their lane, as one shared queue did before lanes (the benchmarks' baseline).
   */
  ordering?: "lanes" | "fifo";
  /** The clock engine time is measured with, ms (tests inject one). Default `performance.now`. */
  now?: () => number;
  /** Calls run at once (one per engine connection behind the scheduler). Default 1. */
  concurrency?: number;
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
 * Runs tasks `concurrency` at a time (one by default), choosing among lanes as the module doc
 * says.
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
  #queues = perLane((): Waiting[] => []);
  #stats: Record<Lane, LaneStats>;
  #limits: Record<Lane, LaneLimits>;
  #fifo: boolean;
  #now: () => number;
  /** Per lane: engine time used / weight, the fair-queuing clock. */
  #virtual = perLane(() => 0);
  /** The virtual clock of the call that started last. */
  #virtualNow = 0;
  #concurrency: number;
  /** Calls running now, all lanes. */
  #runningCalls = 0;
  /** Calls started so far, all lanes. */
  #started = 0;
  /** Per lane: calls running now. */
  #running = perLane(() => 0);
  /** Per lane: when its last call ended (`now` clock), -Infinity before any. */
  #lastEnded = perLane(() => -Infinity);

  constructor(options: LaneSchedulerOptions = {}) {
    const ordering = options.ordering ?? "lanes";
    if (ordering !== "lanes" && ordering !== "fifo") {
      throw new RangeError(`Invalid ordering: "${ordering}" (expected "lanes" or "fifo")`);
    }
    this.#fifo = ordering === "fifo";
    this.#now = options.now ?? (() => performance.now());
    this.#concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError(`Invalid concurrency: ${options.concurrency}`);
    }
    const limits = {} as Record<Lane, LaneLimits>;
    const stats = {} as Record<Lane, LaneStats>;
    for (const lane of LANES) {
      limits[lane] = { ...DEFAULT_LANE_LIMITS[lane], ...options.limits?.[lane] };
      const { maxQueued, weight } = limits[lane];
      if (!Number.isInteger(maxQueued) || maxQueued < 1) {
        throw new RangeError(`Invalid maxQueued for lane ${lane}: ${maxQueued}`);
      }
      if (!(weight > 0) || !Number.isFinite(weight)) {
        throw new RangeError(`Invalid weight for lane ${lane}: ${weight}`);
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

  /**
   * Whether `lane` has a call waiting or running now, or ended one less than `withinMs` ago:
   * the ingest batcher asks it to keep inserts short while people are querying.
   */
  active(lane: Lane, withinMs = 0): boolean {
    return this.#queues[lane].length > 0 || this.#running[lane] > 0 ||
      this.#now() - this.#lastEnded[lane] < withinMs;
  }

  /** Whether a task runs now or any waits. */
  get idle(): boolean {
    return this.#runningCalls === 0 && LANES.every((lane) => this.#queues[lane].length === 0);
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
        enqueuedAt: this.#now(),
        // With every slot taken, a call waits for one running call to end: it counts as one.
        startedBefore: this.#started - (this.#runningCalls >= this.#concurrency ? 1 : 0),
        signal,
        abort: () => signal?.removeEventListener("abort", onAbort),
        start: () => {
          waiting.abort();
          const began = this.#now();
          stats.waitedMs += began - waiting.enqueuedAt;
          stats.waitedBehind += this.#started - waiting.startedBefore;
          this.#started++;
          this.#running[lane]++;
          let settled: Promise<T>;
          try {
            settled = task();
          } catch (error) {
            settled = Promise.reject(error);
          }
          // The engine is accounted free before the caller hears back, so a caller that
          // queues its next call at once finds the scheduler's clocks up to date.
          const finish = () => {
            stats.ran++;
            const used = this.#now() - began;
            stats.busyMs += used;
            this.#virtual[lane] += used / this.#limits[lane].weight;
            this.#lastEnded[lane] = this.#now();
            this.#runningCalls--;
            this.#running[lane]--;
            this.#next();
          };
          settled.then(
            (value) => (finish(), resolve(value)),
            (error) => (finish(), reject(error)),
          );
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      // A lane that had nothing waiting starts from now: idle time earns no credit.
      if (queue.length === 0) {
        this.#virtual[lane] = Math.max(this.#virtual[lane], this.#virtualNow);
      }
      queue.push(waiting);
      this.#next();
    });
  }

  #next(): void {
    while (this.#runningCalls < this.#concurrency) {
      const lane = this.#pick();
      if (lane === undefined) return;
      const waiting = this.#queues[lane].shift()!;
      this.#runningCalls++;
      this.#virtualNow = this.#virtual[lane];
      waiting.start();
    }
  }

  #pick(): Lane | undefined {
    if (this.#fifo) return this.#oldest(LANES);
    let best: Lane | undefined;
    for (const lane of PRIORITY) {
      if (this.#queues[lane].length === 0) continue;
      if (best === undefined || this.#virtual[lane] < this.#virtual[best]) best = lane;
    }
    return best;
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
