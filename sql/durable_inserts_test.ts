import assert from "node:assert/strict";
import { parseCommandLine } from "../config.ts";
import { migrateStore } from "../main.ts";
import { openFixtureStore } from "../testing/query_fixtures.ts";
import {
  durableInsertsState,
  durableInsertsStatement,
  setDurableInserts,
} from "./durable_inserts.ts";

Deno.test("durable inserts: statements, single node and cluster, names checked", () => {
  assert.equal(
    durableInsertsStatement("otel_traces", { database: "db", enabled: true }),
    "ALTER TABLE `db`.`otel_traces` MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1",
  );
  assert.equal(
    durableInsertsStatement("otel_logs_local", { database: "db", cluster: "c1", enabled: false }),
    "ALTER TABLE `db`.`otel_logs_local` ON CLUSTER `c1` RESET SETTING fsync_after_insert, fsync_part_directory",
  );
  assert.throws(() => durableInsertsStatement("t", { database: "a`b", enabled: true }), TypeError);
  assert.throws(() => durableInsertsStatement("t;", { database: "db", enabled: true }), TypeError);
  assert.throws(
    () => durableInsertsStatement("t", { database: "db", cluster: "x y", enabled: true }),
    TypeError,
  );
});

Deno.test("durable inserts: the settings land in the tables, idempotent and reversible", async () => {
  const store = await openFixtureStore();
  try {
    const options = { database: "tracehouse" };
    const before = await durableInsertsState(store, options.database);
    const names = before.map((t) => t.table);
    for (const table of ["otel_traces", "otel_logs", "otel_metrics_sum"]) {
      assert.ok(names.includes(table), `${table} is a MergeTree table: ${names}`);
    }
    assert.ok(before.every((t) => !t.durable), "off by default");

    const changed = await setDurableInserts(store, { ...options, enabled: true });
    assert.deepEqual(changed, names);
    const [traces] = await store.query<{ q: string }>(
      "SELECT create_table_query AS q FROM system.tables WHERE database = 'tracehouse' AND name = 'otel_traces'",
    );
    assert.match(traces.q, /fsync_after_insert = 1/);
    assert.match(traces.q, /fsync_part_directory = 1/);
    // Only the two settings changed: the TTL setting and the sorting key are still there.
    assert.match(traces.q, /ttl_only_drop_parts = 1/);
    assert.match(traces.q, /ORDER BY \(ServiceName, SpanName, toDateTime\(Timestamp\)\)/);
    assert.deepEqual(await setDurableInserts(store, { ...options, enabled: true }), []);

    // Inserts still work, and land, with the settings on.
    await store.command(
      "INSERT INTO otel_logs (Timestamp, ServiceName, Body) VALUES (now64(9), 'durable', 'x')",
    );
    const [n] = await store.query<{ n: string }>(
      "SELECT toString(count()) AS n FROM otel_logs WHERE ServiceName = 'durable'",
    );
    assert.equal(n.n, "1");

    assert.deepEqual(await setDurableInserts(store, { ...options, enabled: false }), names);
    const after = await durableInsertsState(store, options.database);
    assert.ok(after.every((t) => !t.durable));
    const [reset] = await store.query<{ q: string }>(
      "SELECT create_table_query AS q FROM system.tables WHERE database = 'tracehouse' AND name = 'otel_traces'",
    );
    assert.doesNotMatch(reset.q, /fsync/);
    assert.deepEqual(await setDurableInserts(store, { ...options, enabled: false }), []);
  } finally {
    await store.close();
  }
});

Deno.test("durable inserts: applied by migrate from TRACEHOUSE_DURABLE_INSERTS / --durable-inserts", async () => {
  const store = await openFixtureStore();
  try {
    const config = (argv: string[], env: Record<string, string> = {}) => ({
      ...parseCommandLine(["migrate", ...argv], env).config,
      clickhouseDatabase: "tracehouse",
      retentionDays: { traces: 3650, logs: 3650, metrics: 3650 },
    });
    await migrateStore(store, config([], { TRACEHOUSE_DURABLE_INSERTS: "on" }));
    assert.ok((await durableInsertsState(store, "tracehouse")).every((t) => t.durable));
    await migrateStore(store, config([]));
    assert.ok(
      (await durableInsertsState(store, "tracehouse")).every((t) => t.durable),
      "unset keeps",
    );
    await migrateStore(store, config(["--durable-inserts", "off"]));
    assert.ok((await durableInsertsState(store, "tracehouse")).every((t) => !t.durable));
    assert.throws(() => parseCommandLine(["--durable-inserts", "yes"], {}), /expected on or off/);
  } finally {
    await store.close();
  }
});
