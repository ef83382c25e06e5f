/**
 * The OTLP receiver over the real embedded engine and its lanes: inserts stay small while people
 * query, large otherwise, and `/metrics` shows the lanes.
 */
import assert from "node:assert/strict";
import { ChdbStore } from "../sql/chdb.ts";
import { IngestBatcher } from "../otlp/batcher.ts";
import { createOtlpApp } from "../routes/otlp.ts";
import { migrate } from "../sql/migrate.ts";

const COLUMNS = [{ name: "n", type: "UInt32" }];
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("ingest: batches are sliced while the dashboard queries, whole otherwise", async () => {
  const store = await ChdbStore.open({
    path: await Deno.makeTempDir({ prefix: "tracehouse-lanes-" }),
  });
  try {
    await store.command("CREATE TABLE t (n UInt32) ENGINE = MergeTree ORDER BY n");
    const batcher = new IngestBatcher(store, {
      maxRows: 1000,
      maxDelayMs: 60_000,
      maxRowsWhileQueried: 10,
      queriedWithinMs: 300,
    });
    const sizes: number[] = [];
    batcher.onBatch((report) => sizes.push(report.rows));
    const burst = () =>
      Promise.all(Array.from({ length: 5 }, () => batcher.add("t", COLUMNS, rows(10))));

    await sleep(400); // the CREATE TABLE above is no longer recent
    await burst();
    // The first request goes at once (idle engine); the others gather while it runs.
    assert.deepEqual(sizes, [10, 40]);

    sizes.length = 0;
    await store.query("SELECT count() FROM t"); // a person looks at the dashboard
    await burst();
    // Every request sealed its own insert: a query waits for at most 10 rows' insert.
    assert.deepEqual(sizes, [10, 10, 10, 10, 10]);
    const [{ c }] = await store.query<{ c: string }>("SELECT count() AS c FROM t");
    assert.equal(Number(c), 100, "every acknowledged row is stored");
    await batcher.close();
  } finally {
    await store.close();
  }
});

Deno.test("ingest: /metrics lists the engine's lanes", async () => {
  const store = await ChdbStore.open({
    path: await Deno.makeTempDir({ prefix: "tracehouse-lanes-" }),
    database: "lanes",
  });
  const otlp = createOtlpApp(store);
  try {
    await migrate(store, {
      database: "lanes",
      retentionDays: { traces: 30, logs: 30, metrics: 30 },
    });
    const res = await otlp.app.request("/v1/logs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        resourceLogs: [{
          scopeLogs: [{
            logRecords: [{
              timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
              body: { stringValue: "hi" },
            }],
          }],
        }],
      }),
    });
    assert.equal(res.status, 200, await res.text());
    const text = await (await otlp.app.request("/metrics")).text();
    const calls = Number(
      text.match(/tracehouse_engine_lane_calls_total\{lane="ingest"\} (\d+)/)?.[1],
    );
    assert.ok(calls >= 1, `the insert ran in the ingest lane:\n${text}`);
    assert.match(text, /tracehouse_engine_lane_queued\{lane="interactive"\} 0\n/);
    assert.match(text, /tracehouse_engine_lane_wait_seconds_total\{lane="endpoint"\} 0\n/);
  } finally {
    await otlp.close();
    await store.close();
  }
});
