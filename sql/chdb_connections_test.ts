import assert from "node:assert/strict";
import { ChdbStore, LANE_THREADS_NICE } from "./chdb.ts";
import { LANES } from "./lanes.ts";
import { countRunningThreadNices } from "../testing/thread_nices.ts";

async function tempStore(options: Parameters<typeof ChdbStore.open>[0] = {}): Promise<ChdbStore> {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-chdb-connections-" });
  return await ChdbStore.open({ path, ...options });
}

/** Starts `calls` in order and resolves with the labels in the order they finished. */
async function finishOrder(calls: [string, () => Promise<unknown>][]): Promise<string[]> {
  const done: string[] = [];
  await Promise.all(calls.map(([label, call]) => call().then(() => done.push(label))));
  return done;
}

Deno.test("connections: ingest and people do not wait for a heavy endpoint statement", async () => {
  const store = await tempStore();
  try {
    assert.equal(store.connections, "per-lane");
    await store.command("CREATE TABLE lane_rows (n UInt32) ENGINE = MergeTree ORDER BY n");
    const endpoint = store.withLane("endpoint");
    const done = await finishOrder([
      ["slow", () => endpoint.execute("SELECT sleep(0.5)", "TabSeparated")],
      ["endpoint 1", () => endpoint.execute("SELECT 1", "TabSeparated")],
      [
        "insert",
        () => store.insert("lane_rows", [{ n: 1 }], { columns: [{ name: "n", type: "UInt32" }] }),
      ],
      // The endpoint's own INSERT statements run on the ingest connection.
      [
        "endpoint insert",
        () => endpoint.execute("INSERT INTO lane_rows VALUES (7)", "TabSeparated"),
      ],
      ["query", () => store.query("SELECT count() FROM lane_rows")],
    ]);
    // One lane's calls still run one at a time, in order; the other lanes' went meanwhile.
    assert.deepEqual(done.slice(-2), ["slow", "endpoint 1"]);
    assert.deepEqual(done.slice(0, 3).sort(), ["endpoint insert", "insert", "query"]);
    assert.deepEqual(await store.query("SELECT n FROM lane_rows ORDER BY n"), [{ n: 1 }, { n: 7 }]);
    const stats = store.laneStats();
    assert.equal(stats.endpoint.ran, 2);
    assert.equal(stats.ingest.ran, 2);
    // The insert and the query waited behind nothing: the slow statement was on another connection.
    assert.equal(stats.ingest.waitedBehind, 1); // the endpoint's INSERT behind the store's insert
    assert.equal(stats.interactive.waitedBehind, 0);
  } finally {
    await store.close();
  }
});

Deno.test("connections: shared, one line ordered by lanes (an insert jumps queued bulk calls)", async () => {
  const store = await tempStore({ connections: "shared" });
  try {
    assert.equal(store.connections, "shared");
    await store.command("CREATE TABLE lane_rows (n UInt32) ENGINE = MergeTree ORDER BY n");
    const endpoint = store.withLane("endpoint");
    const done = await finishOrder([
      ["slow", () => endpoint.execute("SELECT sleep(0.3)", "TabSeparated")],
      ["endpoint 1", () => endpoint.execute("SELECT 1", "TabSeparated")],
      ["endpoint 2", () => endpoint.execute("SELECT 2", "TabSeparated")],
      [
        "endpoint insert",
        () => endpoint.execute("INSERT INTO lane_rows VALUES (7)", "TabSeparated"),
      ],
      [
        "insert",
        () => store.insert("lane_rows", [{ n: 1 }], { columns: [{ name: "n", type: "UInt32" }] }),
      ],
    ]);
    assert.deepEqual(done, ["slow", "endpoint insert", "insert", "endpoint 1", "endpoint 2"]);
    await endpoint.close(); // a view's close leaves the engine open
    assert.deepEqual(await store.query("SELECT n FROM lane_rows ORDER BY n"), [{ n: 1 }, { n: 7 }]);
    const stats = store.laneStats();
    assert.equal(stats.endpoint.ran, 3);
    assert.equal(stats.ingest.ran, 2);
  } finally {
    await store.close();
  }
});

Deno.test("connections: people have two connections, so one slow query does not hold up the next", async () => {
  for (const [interactive, expected] of [[2, ["quick", "slow"]], [1, ["slow", "quick"]]] as const) {
    const store = await tempStore({ laneConnections: { interactive } });
    try {
      const done = await finishOrder([
        ["slow", () => store.query("SELECT sleep(0.4)")],
        ["quick", () => store.query("SELECT 1")],
      ]);
      assert.deepEqual(done, expected, `${interactive} interactive connections`);
      assert.equal(store.laneStats().interactive.waitedBehind, interactive === 2 ? 0 : 1);
    } finally {
      await store.close();
    }
  }
});

Deno.test("connections: parameters bound on one connection never reach another", async () => {
  const store = await tempStore();
  try {
    const lanes = LANES.map((lane) => store.withLane(lane));
    for (let round = 0; round < 30; round++) {
      // Each statement sleeps a little, so the five connections bind and run at the same time.
      const answers = await Promise.all(
        lanes.map((view) =>
          view.query<{ v: string }>("SELECT {v:String} AS v, sleepEachRow(0.001) FROM numbers(3)", {
            params: { v: `${view.lane}-${round}` },
          })
        ),
      );
      answers.forEach((rows, i) =>
        assert.deepEqual(rows.map((r) => r.v), Array(3).fill(`${LANES[i]}-${round}`))
      );
    }
  } finally {
    await store.close();
  }
});

Deno.test("connections: each lane keeps its own session, per-call settings go back to it", async () => {
  const store = await tempStore({ database: "own", laneThreadsNice: { interactive: 3 } });
  const nice = async (view: ChdbStore, settings?: Record<string, number>) =>
    (await view.query<{ n: string; db: string }>(
      "SELECT toString(getSetting('os_thread_priority')) AS n, currentDatabase() AS db",
      { settings },
    ))[0];
  try {
    const endpoint = store.withLane("endpoint");
    assert.deepEqual(await nice(store), { n: "3", db: "own" });
    assert.deepEqual(await nice(endpoint), { n: String(LANE_THREADS_NICE.endpoint), db: "own" });
    assert.deepEqual(await nice(store.withLane("background")), {
      n: String(LANE_THREADS_NICE.background),
      db: "own",
    });
    assert.equal((await nice(store, { os_thread_priority: 7 })).n, "7");
    assert.equal((await nice(store)).n, "3");
    assert.equal((await nice(endpoint)).n, String(LANE_THREADS_NICE.endpoint));
    // A call's database switch is the calling lane's alone.
    const other = endpoint.execute("SELECT currentDatabase()", "TabSeparated", {
      database: "system",
    });
    assert.equal((await nice(store)).db, "own");
    assert.equal(new TextDecoder().decode((await other).data).trim(), "system");
  } finally {
    await store.close();
  }
});

Deno.test("connections: bad options are refused before the engine opens", async () => {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-chdb-connections-" });
  await assert.rejects(
    // @ts-expect-error: not a mode
    ChdbStore.open({ path, connections: "pooled" }),
    /Invalid connections: "pooled"/,
  );
  for (const bad of [-1, 20, 1.5, Number.NaN]) {
    await assert.rejects(
      ChdbStore.open({ path, laneThreadsNice: { endpoint: bad } }),
      /Invalid laneThreadsNice for lane endpoint/,
    );
  }
  for (const bad of [0, 9, 1.5]) {
    await assert.rejects(
      ChdbStore.open({ path, laneConnections: { interactive: bad } }),
      /Invalid laneConnections for lane interactive/,
    );
  }
  // Nothing was left open: the same path opens.
  const store = await ChdbStore.open({ path });
  await store.close();
});

/** Whether this process may lower its threads' priority, which ClickHouse requires to apply it. */
function hasCapSysNice(): boolean {
  const caps = Deno.readTextFileSync("/proc/self/status").match(/^CapEff:\s*([0-9a-f]+)/m);
  return caps !== null && (BigInt(`0x${caps[1]}`) & (1n << 23n)) !== 0n;
}

Deno.test({
  name: "connections: an endpoint statement's threads run at the endpoint lane's nice value",
  ignore: Deno.build.os !== "linux" || !hasCapSysNice(),
  fn: async () => {
    const store = await tempStore();
    try {
      const seen = new Map<number, number>();
      // ClickHouse names them QueryPipelineEx, QueryPullPipeEx, …
      const sampler = setInterval(() => countRunningThreadNices("Query", seen), 2);
      await store.withLane("endpoint").execute(
        "SELECT count() FROM numbers(100000000000) WHERE cityHash64(number) % 7 = 1 " +
          "SETTINGS max_execution_time = 0.6, timeout_overflow_mode = 'break'",
        "TabSeparated",
      );
      clearInterval(sampler);
      const total = [...seen.values()].reduce((a, b) => a + b, 0);
      const atNice = seen.get(LANE_THREADS_NICE.endpoint) ?? 0;
      assert.ok(total >= 20, `threads seen running ${total} times`);
      // A pool thread runs for a moment at 0 when it picks up the statement, before ClickHouse
      // applies the setting (1 of ~290 samples in 1 run of 6); every other sample is at the
      // lane's value, as the merge threads' test finds for merges.
      assert.ok(atNice >= total * 0.95, `nice values seen: ${JSON.stringify([...seen])}`);
    } finally {
      await store.close();
    }
  },
});
