import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../config.ts";
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { spanRequest } from "../testing/otlp_payloads.ts";
import { startOtlpReceiverThread } from "./receiver_thread.ts";

/** A deterministic generator for the payloads. */
function seeded(seed: number): () => number {
  return () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

async function migratedStore(): Promise<ChdbStore> {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-receiver-thread-" });
  const store = await ChdbStore.open({ path });
  await migrate(store, { database: "default", retentionDays: DEFAULT_CONFIG.retentionDays });
  return store;
}

const config = { ...DEFAULT_CONFIG, host: "127.0.0.1", otlpPort: 0, otlpGrpcPort: null };

Deno.test("receiver thread: acknowledged spans are committed and visible to the serving thread", async () => {
  const store = await migratedStore();
  try {
    const receiver = await startOtlpReceiverThread({
      config,
      path: store.path,
      allowedHosts: [],
      laneStats: () => store.laneStats(),
    });
    const url = `http://127.0.0.1:${receiver.http.port}`;
    try {
      const rand = seeded(7);
      const now = BigInt(Date.now()) * 1_000_000n;
      const answers = await Promise.all(Array.from({ length: 8 }, () =>
        fetch(`${url}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/x-protobuf" },
          body: encodeTraces(spanRequest(rand, 50, now)),
        })));
      for (const answer of answers) {
        await answer.arrayBuffer();
        assert.equal(answer.status, 200);
      }
      // Acknowledged means committed: the serving thread's own connections see every span.
      const [{ n }] = await store.query<{ n: string }>("SELECT count() AS n FROM otel_traces");
      assert.equal(Number(n), 400);
      // /metrics adds up the lanes of both threads: this thread's query, the receiver's inserts.
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /tracehouse_otlp_records_accepted_total\{signal="traces"\} 400\n/);
      const calls = (lane: string) =>
        Number(metrics.match(new RegExp(`lane_calls_total\\{lane="${lane}"\\} (\\d+)`))?.[1]);
      assert.ok(calls("ingest") >= 1, metrics);
      assert.ok(calls("interactive") >= 1, metrics);
      // The receiver's thread runs at the ingest lane's nice value.
      if (Deno.build.os === "linux" && receiver.tid !== null) {
        const stat = await Deno.readTextFile(`/proc/${Deno.pid}/task/${receiver.tid}/stat`);
        const nice = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
        assert.equal(nice, config.engineLaneNice.ingest);
      }
    } finally {
      await receiver.shutdown();
    }
    await receiver.finished;
    await assert.rejects(fetch(`${url}/v1/traces`, { method: "POST", body: "x" }));
  } finally {
    await store.close();
  }
});

Deno.test("receiver thread: a port in use is the receiver's own clear error", async () => {
  const store = await migratedStore();
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      startOtlpReceiverThread({
        config: { ...config, otlpPort: taken.addr.port },
        path: store.path,
        allowedHosts: [],
      }),
      /Cannot listen on 127\.0\.0\.1:\d+ \(TRACEHOUSE_OTLP_PORT\)/,
    );
    // The serving thread's engine is untouched.
    assert.deepEqual(await store.query("SELECT 1 AS one"), [{ one: 1 }]);
  } finally {
    taken.close();
    await store.close();
  }
});

Deno.test("receiver thread: a thread that dies later rejects finished, so serve stops", async () => {
  const receiver = await startOtlpReceiverThread({
    config,
    path: "/nonexistent",
    allowedHosts: [],
    workerUrl: new URL("./testdata/dying_receiver_worker.ts", import.meta.url),
  });
  await assert.rejects(receiver.finished, /the OTLP receiver's thread failed: .*went away/);
});
