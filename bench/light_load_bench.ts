/**
 * Light-load ingest benchmark: N clients, each sending 500-span OTLP/HTTP requests one after
 * another (as an SDK's batch processor does: one export at a time), for N = 1, 4 and 8.
 * Prints spans/s and the acknowledgement latency (p50, p99) with adaptive batching, against
 * the fixed-age batching it replaced (`adaptive: false`: every batch waits for its 200 ms age
 * unless full) measured in the same run, modes taking turns round by round.
 *
 *   deno run -A bench/light_load_bench.ts [--clients 1,4,8] [--per-request 500] [--seconds 4]
 *                                         [--rounds 2]
 *
 * Client and server share this process (the clients only send ready-made bodies); the data
 * directory is a temporary directory (`TMPDIR=/dev/shm` puts it on tmpfs).
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { createOtlpApp } from "../routes/otlp.ts";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { spanRequest } from "../testing/otlp_payloads.ts";
import { random } from "./span_rows.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt, percentile } from "./stats.ts";

/** The figures of one client count in one mode. */
export interface LightLoadResult {
  clients: number;
  adaptive: boolean;
  spansPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  inserts: number;
}

async function run(
  store: ChdbStore,
  bodies: Uint8Array<ArrayBuffer>[],
  perRequest: number,
  clients: number,
  seconds: number,
  adaptive: boolean,
): Promise<LightLoadResult> {
  const otlp = createOtlpApp(store, { batch: { adaptive } });
  let inserts = 0;
  otlp.ingest.batcher.onBatch(() => inserts++);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, otlp.app.fetch);
  const url = `http://127.0.0.1:${server.addr.port}/v1/traces`;
  const latencies: number[] = [];
  let spans = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  async function client() {
    while (performance.now() < deadline) {
      const body = bodies[next++ % bodies.length];
      const sent = performance.now();
      const res = await fetch(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-protobuf" },
      });
      await res.body?.cancel();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      latencies.push(performance.now() - sent);
      spans += perRequest;
    }
  }
  await Promise.all(Array.from({ length: clients }, client));
  const elapsed = (performance.now() - started) / 1000;
  await server.shutdown();
  await otlp.close();
  return {
    clients,
    adaptive,
    spansPerSecond: spans / elapsed,
    ackP50Ms: percentile(latencies, 50),
    ackP99Ms: percentile(latencies, 99),
    inserts,
  };
}

/** Runs the benchmark and prints a report; returns the median round of each case. */
export async function main(args: string[] = Deno.args): Promise<LightLoadResult[]> {
  const { values } = benchArgs({
    args,
    options: {
      clients: { type: "string", default: "1,4,8" },
      "per-request": { type: "string", default: "500" },
      seconds: { type: "string", default: "4" },
      rounds: { type: "string", default: "2" },
    },
  });
  const n = counts(values, ["per-request", "seconds", "rounds"]);
  const clientCounts = values.clients.split(",").map((c) => Number(c.trim()));
  if (clientCounts.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) {
    console.error(
      `Bad flag: --clients=${values.clients} (expected counts from 1 to 256, e.g. 1,4,8)`,
    );
    Deno.exit(2);
  }
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-light-load-" });
  const store = await ChdbStore.open({ path: dir });
  const results: LightLoadResult[] = [];
  try {
    await migrate(store, {
      database: "default",
      retentionDays: { traces: 30, logs: 30, metrics: 30 },
    });
    const rand = random(7);
    const now = BigInt(Date.now()) * 1_000_000n;
    const bodies = Array.from(
      { length: 64 },
      () => encodeTraces(spanRequest(rand, n["per-request"], now)) as Uint8Array<ArrayBuffer>,
    );
    // Warm-up: JIT and the engine's first parts.
    await run(store, bodies, n["per-request"], 2, 1, true);
    console.log(
      `light_load_bench: ${n["per-request"]}-span requests, each client sends one after another ` +
        `for ${n.seconds} s; ${n.rounds} rounds per case, modes in turns; load average ${
          Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
        }`,
    );
    console.log(
      "| clients | fixed 200 ms age: spans/s | ack p50 / p99 ms | adaptive: spans/s | ack p50 / p99 ms | throughput ratio | inserts/s fixed → adaptive |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const clients of clientCounts) {
      const rounds: Record<"fixed" | "adaptive", LightLoadResult[]> = { fixed: [], adaptive: [] };
      for (let r = 0; r < n.rounds; r++) {
        for (const adaptive of r % 2 === 0 ? [false, true] : [true, false]) {
          const result = await run(store, bodies, n["per-request"], clients, n.seconds, adaptive);
          rounds[adaptive ? "adaptive" : "fixed"].push(result);
        }
      }
      const median = (list: LightLoadResult[]) =>
        [...list].sort((a, b) => a.spansPerSecond - b.spansPerSecond)[
          Math.floor((list.length - 1) / 2)
        ];
      const fixed = median(rounds.fixed);
      const adaptive = median(rounds.adaptive);
      results.push(fixed, adaptive);
      console.log(
        `| ${clients} | ${fmt(fixed.spansPerSecond)} | ${fmt(fixed.ackP50Ms)} / ${
          fmt(fixed.ackP99Ms)
        } | ${fmt(adaptive.spansPerSecond)} | ${fmt(adaptive.ackP50Ms)} / ${
          fmt(adaptive.ackP99Ms)
        } | ${fmt(adaptive.spansPerSecond / fixed.spansPerSecond, 1)}× | ${
          fmt(fixed.inserts / n.seconds)
        } → ${fmt(adaptive.inserts / n.seconds)} |`,
      );
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return results;
}

if (import.meta.main) await main();
