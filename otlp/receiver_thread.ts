/**
 * The OTLP receiver on a thread of its own. Decoding OTLP requests is the busiest JavaScript work
 * of a loaded Tracehouse; on the serving thread it delays every API answer by up to one event-loop
 * turn of request decoding. In a worker, with its own engine connections, it runs on another core
 * — at the ingest lane's nice value — while the main thread serves people.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { Lane, LaneStats } from "../sql/lanes.ts";
import type { OtlpReceiver } from "./receiver.ts";

/** What the host sends the receiver's thread. */
export type ReceiverRequest =
  | { type: "start"; config: Config; path: string; allowedHosts: string[] }
  | { type: "lane-stats"; id: number; stats: Record<Lane, LaneStats> | null }
  | { type: "shutdown" };

/** What the receiver's thread answers. */
export type ReceiverReply =
  | { type: "ready"; http: Deno.NetAddr; grpc: Deno.NetAddr | null; tid: number | null }
  | { type: "failed"; message: string }
  | { type: "closed" };

/** What the receiver's thread asks the host: its engine lanes' counters, for `/metrics`. */
export interface LaneStatsQuestion {
  type: "lane-stats?";
  id: number;
}

/** A receiver running on its own thread; `tid` is that thread's id when its priority was set. */
export interface ThreadedReceiver extends OtlpReceiver {
  readonly tid: number | null;
}

/** Options of {@linkcode startOtlpReceiverThread}. */
export interface ReceiverThreadOptions {
  config: Config;
  /** The serving store's data directory, already migrated. */
  path: string;
  /** Host names browsers may address the receiver by. */
  allowedHosts: string[];
  /** The serving thread's engine lanes, which the thread's `/metrics` adds to its own. */
  laneStats?: () => Record<Lane, LaneStats>;
  /** The worker module; tests substitute one. Default `receiver_worker.ts`. */
  workerUrl?: URL;
}

/**
 * Starts the receiver of `config` on a worker thread over the embedded engine at `path`. Rejects
 * with the receiver's own error (a port in use, say) when it cannot start. If the thread dies
 * later, `finished` rejects with its error, so `serve` stops instead of running without a
 * receiver.
 */
export function startOtlpReceiverThread(
  { config, path, allowedHosts, laneStats, workerUrl }: ReceiverThreadOptions,
): Promise<ThreadedReceiver> {
  const worker = new Worker((workerUrl ?? new URL("./receiver_worker.ts", import.meta.url)).href, {
    type: "module",
  });
  const replies: ((reply: ReceiverReply) => void)[] = [];
  let closed!: () => void;
  let died!: (error: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    closed = resolve;
    died = reject;
  });
  // Handled by whoever awaits it; until then a death must not be an unhandled rejection.
  finished.catch(() => {});
  let stopping: Promise<void> | undefined;
  worker.onmessage = ({ data }: MessageEvent<ReceiverReply | LaneStatsQuestion>) => {
    if (data.type === "lane-stats?") {
      send({ type: "lane-stats", id: data.id, stats: laneStats?.() ?? null });
      return;
    }
    if (data.type === "closed") closed();
    replies.shift()?.(data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const message = `the OTLP receiver's thread failed: ${event.message}`;
    for (const handle of replies.splice(0)) handle({ type: "failed", message });
    if (stopping) closed();
    else died(new Error(message));
    worker.terminate();
  };
  const next = () => new Promise<ReceiverReply>((resolve) => replies.push(resolve));
  const send = (request: ReceiverRequest) => worker.postMessage(request);
  return (async () => {
    const ready = next();
    send({ type: "start", config, path, allowedHosts });
    const answer = await ready;
    if (answer.type !== "ready") {
      worker.terminate();
      throw new Error(answer.type === "failed" ? answer.message : "the receiver did not start");
    }
    return {
      http: answer.http,
      grpc: answer.grpc,
      tid: answer.tid,
      finished,
      shutdown: () =>
        stopping ??= (async () => {
          const done = next();
          send({ type: "shutdown" });
          await done;
          worker.terminate();
        })(),
    };
  })();
}
