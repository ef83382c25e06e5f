/**
 * The OTLP receiver's thread (a Web Worker started by `receiver_thread.ts`): it opens its own
 * connections to the embedded engine's data directory (chDB serves every connection of a process
 * from one engine), runs the receiver there, and answers the host's messages.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { ChdbStore } from "../sql/chdb.ts";
import { type OtlpReceiver, startOtlpReceiver } from "./receiver.ts";
import type { LaneStatsQuestion, ReceiverReply, ReceiverRequest } from "./receiver_thread.ts";
import { type Lane, type LaneStats, sumLaneStats } from "../sql/lanes.ts";
import { setThreadNice } from "./thread_priority.ts";

let store: ChdbStore | undefined;
let receiver: OtlpReceiver | undefined;
const asked = new Map<number, (stats: Record<Lane, LaneStats> | null) => void>();
let questions = 0;

function reply(message: ReceiverReply | LaneStatsQuestion): void {
  self.postMessage(message);
}

/** This isolate's engine lanes and the host's: one process's engine, as `/metrics` shows it. */
async function processLaneStats(own: ChdbStore): Promise<Record<Lane, LaneStats>> {
  const id = ++questions;
  const host = await new Promise<Record<Lane, LaneStats> | null>((resolve) => {
    asked.set(id, resolve);
    reply({ type: "lane-stats?", id });
  });
  return host ? sumLaneStats(own.laneStats(), host) : own.laneStats();
}

self.onmessage = async ({ data }: MessageEvent<ReceiverRequest>) => {
  if (data.type === "start") {
    const { config, path, allowedHosts } = data;
    try {
      const tid = setThreadNice(config.engineLaneNice.ingest);
      store = await ChdbStore.open({
        path,
        database: config.clickhouseDatabase,
        mergeThreadsNice: config.engineMergeNice,
        connections: config.engineConnections,
        laneThreadsNice: config.engineLaneNice,
      });
      const own = store;
      receiver = await startOtlpReceiver(store, config, allowedHosts, () => processLaneStats(own));
      reply({ type: "ready", http: receiver.http, grpc: receiver.grpc, tid });
    } catch (error) {
      await store?.close();
      reply({ type: "failed", message: (error as Error).message });
      self.close();
    }
  } else if (data.type === "lane-stats") {
    asked.get(data.id)?.(data.stats);
    asked.delete(data.id);
  } else if (data.type === "shutdown") {
    try {
      await receiver?.shutdown();
    } finally {
      await store?.close();
      reply({ type: "closed" });
      self.close();
    }
  }
};
