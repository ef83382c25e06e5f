import assert from "node:assert/strict";
import { ChdbStore, MERGE_THREADS_NICE } from "./chdb.ts";
import { defineStoreTests } from "../testing/store_suite.ts";
import { countRunningThreadNices } from "../testing/thread_nices.ts";

async function tempStore(): Promise<ChdbStore> {
  return await ChdbStore.open({ path: await Deno.makeTempDir({ prefix: "tracehouse-chdb-" }) });
}

defineStoreTests("embedded", tempStore);

Deno.test("embedded: data survives a restart", async () => {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-chdb-" });
  let store = await ChdbStore.open({ path, database: "persist" });
  await store.command("CREATE TABLE kept (n UInt32) ENGINE = MergeTree ORDER BY n");
  await store.insert("kept", [{ n: 1 }, { n: 2 }], { columns: [{ name: "n", type: "UInt32" }] });
  await store.close();
  store = await ChdbStore.open({ path, database: "persist" });
  assert.deepEqual(await store.query("SELECT n FROM kept ORDER BY n"), [{ n: 1 }, { n: 2 }]);
  await store.close();
});

Deno.test("embedded: insert settings apply to that insert, in one statement", async () => {
  const store = await tempStore();
  try {
    await store.command(
      "CREATE TABLE by_day (d Date, n UInt32) ENGINE = MergeTree PARTITION BY d ORDER BY n",
    );
    const columns = [{ name: "d", type: "Date" }, { name: "n", type: "UInt32" }];
    const rows = [{ d: "2026-01-01", n: 1 }, { d: "2026-01-02", n: 2 }];
    await assert.rejects(
      store.insert("by_day", rows, {
        columns,
        format: "JSONEachRow",
        settings: { max_partitions_per_insert_block: 1 },
      }),
      /Too many partitions/,
    );
    // The session keeps its own value: the same rows go in without the setting.
    await store.insert("by_day", rows, { columns, format: "JSONEachRow" });
    assert.deepEqual(await store.query("SELECT count() AS c FROM by_day"), [{ c: "2" }]);
    const [{ value }] = await store.query<{ value: string }>(
      "SELECT value FROM system.settings WHERE name = 'max_partitions_per_insert_block'",
    );
    assert.equal(value, "100");
    await assert.rejects(
      store.insert("by_day", rows, { columns, settings: { "x = 1; DROP": 1 } }),
      TypeError,
    );
  } finally {
    await store.close();
  }
});

Deno.test("embedded: merge threads run at a lower priority, configurable", async () => {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-chdb-" });
  const nice = async (store: ChdbStore) =>
    (await store.query<{ value: string }>(
      "SELECT value FROM system.server_settings WHERE name = 'os_threads_nice_value_merge_mutate'",
    ))[0].value;
  let store = await ChdbStore.open({ path });
  assert.equal(await nice(store), String(MERGE_THREADS_NICE));
  await store.close();
  store = await ChdbStore.open({ path, mergeThreadsNice: 0 });
  assert.equal(await nice(store), "0");
  await store.close();
  for (const bad of [-1, 20, 2.5]) {
    await assert.rejects(ChdbStore.open({ path, mergeThreadsNice: bad }), RangeError);
  }
  // An operator's configuration file that sets it has the last word.
  const configFile = `${path}.xml`;
  await Deno.writeTextFile(
    configFile,
    "<clickhouse><os_threads_nice_value_merge_mutate>5</os_threads_nice_value_merge_mutate></clickhouse>",
  );
  store = await ChdbStore.open({ path, configFile, mergeThreadsNice: 12 });
  assert.equal(await nice(store), "5");
  await store.close();
});

Deno.test({
  name: "embedded: merges run on threads at the merge nice value",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const store = await tempStore();
    try {
      await store.command(
        "CREATE TABLE merged (n UInt64, s String) ENGINE = MergeTree ORDER BY n",
      );
      const seen = new Map<number, number>();
      const sampler = setInterval(() => countRunningThreadNices("MergeMutate", seen), 2);
      const deadline = performance.now() + 30_000;
      // Small parts, inserted until merges of them have been caught running often enough.
      for (let i = 0; [...seen.values()].reduce((a, b) => a + b, 0) < 50; i++) {
        if (performance.now() > deadline) break;
        await store.command(
          `INSERT INTO merged SELECT number, toString(rand()) FROM numbers(${i * 50_000}, 50_000)`,
        );
      }
      clearInterval(sampler);
      const atNice = seen.get(MERGE_THREADS_NICE) ?? 0;
      const total = [...seen.values()].reduce((a, b) => a + b, 0);
      assert.ok(total >= 50, `merge threads seen running ${total} times`);
      // A pool thread is at 0 for a moment before its merge starts; most samples are mid-merge.
      assert.ok(atNice > total / 2, `nice values seen: ${JSON.stringify([...seen])}`);
    } finally {
      await store.close();
    }
  },
});

Deno.test("embedded: a data directory held by another process is a clear error", async () => {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-chdb-" });
  const store = await ChdbStore.open({ path });
  try {
    const child = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { ChdbStore } from ${JSON.stringify(new URL("./chdb.ts", import.meta.url).href)};
         try { await ChdbStore.open({ path: ${JSON.stringify(path)} }); console.log("OPENED"); }
         catch (e) { console.log("ERROR:" + e.message); Deno.exit(2); }`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(child.stdout);
    assert.equal(child.code, 2, out);
    assert.match(out, /ERROR:Cannot open data directory ".*": it is in use by another process/);
  } finally {
    await store.close();
  }
});

Deno.test("embedded: an uncaught error during a query does not kill the process", async () => {
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { ChdbStore } from ${JSON.stringify(new URL("./chdb.ts", import.meta.url).href)};
       const store = await ChdbStore.open({ path: await Deno.makeTempDir() });
       setTimeout(() => { throw new Error("boom from app code"); }, 1);
       Promise.reject(new Error("rejected meanwhile"));
       const [row] = await store.query("SELECT count() AS c FROM numbers(200000000) WHERE sleepEachRow(0) = 0 OR 1");
       console.log("SURVIVED", row.c);
       await store.close();`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(child.stdout);
  const err = new TextDecoder().decode(child.stderr);
  assert.equal(child.code, 0, err);
  assert.match(out, /SURVIVED 200000000/);
  assert.match(err, /boom from app code/);
});

Deno.test("embedded: the event loop stays free while a query runs", async () => {
  const store = await tempStore();
  try {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    await store.query("SELECT sum(number) FROM numbers(400000000)");
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // The timer fires throughout the query; a blocked loop would show ~0 ticks.
    assert.ok(ticks >= Math.min(5, elapsed / 20), `ticks ${ticks} in ${elapsed} ms`);
  } finally {
    await store.close();
  }
});

Deno.test("embedded: 1,000,000 rows insert with none lost", async () => {
  const store = await tempStore();
  try {
    await store.command(
      "CREATE TABLE million (n UInt64, trace String, service LowCardinality(String)) ENGINE = MergeTree ORDER BY n",
    );
    const columns = [
      { name: "n", type: "UInt64" },
      { name: "trace", type: "String" },
      { name: "service", type: "LowCardinality(String)" },
    ];
    const batch = 100_000;
    const pending: Promise<void>[] = [];
    for (let start = 0; start < 1_000_000; start += batch) {
      const rows = Array.from({ length: batch }, (_, i) => ({
        n: start + i,
        trace: (start + i).toString(16).padStart(32, "0"),
        service: `svc-${i % 13}`,
      }));
      pending.push(store.insert("million", rows, { columns }));
    }
    await Promise.all(pending);
    const [row] = await store.query<{ rows: string; distinct: string; sum: string }>(
      "SELECT count() AS rows, uniqExact(trace) AS distinct, sum(n) AS sum FROM million",
    );
    assert.deepEqual(row, { rows: "1000000", distinct: "1000000", sum: "499999500000" });
  } finally {
    await store.close();
  }
});

Deno.test("embedded: a second data directory in one process is a clear error", async () => {
  const first = await tempStore();
  try {
    const other = await Deno.makeTempDir({ prefix: "tracehouse-chdb-" });
    await assert.rejects(
      () => ChdbStore.open({ path: other }),
      /this process has the embedded engine open on ".*tracehouse-chdb-.*", and chDB serves one data directory per process/,
    );
  } finally {
    await first.close();
  }
  const again = await tempStore();
  await again.close();
});
