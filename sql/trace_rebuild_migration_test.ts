// Migration 040 rebuilds otel_traces with finer granules: on a store with data, on an empty one,
// stopped at any statement and run again, and rendered per shard in cluster mode.
import assert from "node:assert/strict";
import { ChdbStore } from "./chdb.ts";
import { listMigrations, migrate, type MigrateOptions, renderMigration } from "./migrate.ts";

const OPTIONS: MigrateOptions = {
  database: "tracehouse",
  retentionDays: { traces: 30, logs: 30, metrics: 30 },
};
const CLUSTER: MigrateOptions = { ...OPTIONS, cluster: "otel_cluster" };
const REBUILD = "040_traces_fine_granules";
const NEW_SETTINGS =
  "index_granularity = 1024, min_compress_block_size = 4096, max_compress_block_size = 65536, ttl_only_drop_parts = 1";

/**
 * Per view reading FROM otel_traces: its target table and a figure of that table that every
 * insert raises by the same amount whatever the background merges did since (sums, not rows,
 * where rows collapse on merge).
 */
const VIEW_FIGURES: Record<string, { target: string; figure: string }> = {
  otel_traces_trace_id_ts_mv: { target: "otel_traces_trace_id_ts", figure: "count()" },
  otel_traces_red_1m_mv: { target: "otel_traces_red_1m", figure: "sum(Spans)" },
  otel_traces_red_1h_mv: { target: "otel_traces_red_1h", figure: "sum(Spans)" },
  otel_service_catalog_mv: {
    target: "otel_service_catalog",
    figure: "uniqExact(ServiceName, SpanName)",
  },
  otel_error_groups_1m_spans_mv: { target: "otel_error_groups_1m", figure: "sum(Spans)" },
  otel_error_group_catalog_spans_mv: {
    target: "otel_error_group_catalog",
    figure: "sum(Occurrences)",
  },
  otel_service_calls_mv: { target: "otel_service_calls", figure: "count()" },
};

async function withStore(fn: (store: ChdbStore) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-rebuild-" });
  const store = await ChdbStore.open({ path, database: OPTIONS.database });
  try {
    await fn(store);
  } finally {
    await store.close();
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

/**
 * Inserts `n` spans of traces of 10 over the last 3 days (several daily partitions, several
 * 1,024-row granules), with every span kind, errors with fingerprints and exception events, so
 * every view reading otel_traces gets rows. Services are named after `tag`.
 */
async function insertSpans(store: ChdbStore, tag: string, n: number): Promise<void> {
  await store.command(
    `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind,
  ServiceName, ResourceAttributes, ScopeName, SpanAttributes, Duration, StatusCode, StatusMessage,
  \`Events.Timestamp\`, \`Events.Name\`, \`Events.Attributes\`)
SELECT
  now64(9) - toIntervalMillisecond(number * 12973 % 259200000) AS ts,
  lower(hex(cityHash64({tag:String}, intDiv(number, 10))) || hex(cityHash64(intDiv(number, 10)))),
  lower(hex(cityHash64({tag:String}, number))),
  if(number % 10 = 0, '', lower(hex(cityHash64({tag:String}, number - 1)))),
  concat('op-', toString(number % 7)),
  ['Server', 'Client', 'Internal', 'Producer', 'Consumer'][number % 5 + 1],
  concat({tag:String}, '-', toString(number % 5)) AS service,
  map('service.name', service, 'host.name', concat('h', toString(number % 3))),
  'rebuild-test',
  if(number % 50 = 0,
    map('error.fingerprint', concat('fp', toString(number % 3)), 'peer.service', 'db'),
    map('peer.service', 'db', 'n', toString(number))),
  number * 7919 % 1000003,
  if(number % 50 = 0, 'Error', 'Ok'),
  if(number % 50 = 0, 'boom', ''),
  if(number % 50 = 0, [ts], []),
  if(number % 50 = 0, ['exception'], []),
  if(number % 50 = 0, [map('exception.type', 'E', 'exception.message', 'boom')], [])
FROM numbers({n:UInt64})`,
    { params: { tag, n } },
  );
}

/** Row count and an order-independent checksum of every column of otel_traces. */
async function contents(store: ChdbStore): Promise<{ n: string; h: string }> {
  const [row] = await store.query<{ n: string; h: string }>(
    "SELECT toString(count()) AS n, toString(sum(cityHash64(*))) AS h FROM otel_traces",
  );
  return row;
}

async function viewFigures(store: ChdbStore): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const [view, { target, figure }] of Object.entries(VIEW_FIGURES)) {
    const [row] = await store.query<{ v: string }>(
      `SELECT toString(${figure}) AS v FROM ${target}`,
    );
    figures[view] = Number(row.v);
  }
  return figures;
}

function difference(a: Record<string, number>, b: Record<string, number>) {
  return Object.fromEntries(Object.keys(a).map((k) => [k, a[k] - b[k]]));
}

/** The views that fire on inserts into otel_traces, and otel_traces's settings. */
async function tracesTable(store: ChdbStore): Promise<{ views: string[]; settings: string }> {
  const [row] = await store.query<{ views: string[]; engine_full: string }>(
    `SELECT dependencies_table AS views, engine_full FROM system.tables
     WHERE database = currentDatabase() AND name = 'otel_traces'`,
  );
  return { views: row.views.toSorted(), settings: row.engine_full.split(" SETTINGS ")[1] };
}

async function tableNames(store: ChdbStore): Promise<string[]> {
  const rows = await store.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name",
  );
  return rows.map((r) => r.name);
}

async function migrationsBefore040(): Promise<Awaited<ReturnType<typeof listMigrations>>> {
  return (await listMigrations()).filter((m) => m.name < "040");
}

Deno.test("migration 040 on a store with spans: every span kept, views fed once, before and after", async () => {
  await withStore(async (store) => {
    await migrate(store, OPTIONS, await migrationsBefore040());
    const before = await tracesTable(store);
    assert.match(before.settings, /^index_granularity = 8192, ttl_only_drop_parts = 1$/);
    assert.deepEqual(before.views, Object.keys(VIEW_FIGURES).toSorted(), "every view is covered");

    const empty = await viewFigures(store);
    await insertSpans(store, "before", 20_000);
    const figuresBefore = await viewFigures(store);
    const fedBefore = difference(figuresBefore, empty);
    for (const [view, fed] of Object.entries(fedBefore)) assert.ok(fed > 0, view);
    const spans = await contents(store);
    assert.equal(spans.n, "20000");

    const result = await migrate(store, OPTIONS);
    assert.deepEqual(result.applied, [REBUILD]);
    assert.deepEqual(result.retentionChanged, []);
    assert.deepEqual(await contents(store), spans, "same rows, same column values");
    assert.deepEqual(await viewFigures(store), figuresBefore, "the copy fed no view");
    const after = await tracesTable(store);
    assert.equal(after.settings, NEW_SETTINGS);
    assert.deepEqual(after.views, before.views);
    assert.ok(!(await tableNames(store)).some((t) => t.includes("rebuild")));

    // The same insert after the swap reaches every view as it did before it.
    await insertSpans(store, "after", 20_000);
    assert.deepEqual(difference(await viewFigures(store), figuresBefore), fedBefore);
    const [granules] = await store.query<{ marks: string; rows: string }>(
      `SELECT toString(sum(marks)) AS marks, toString(sum(rows)) AS rows FROM system.parts
       WHERE database = currentDatabase() AND table = 'otel_traces' AND active`,
    );
    assert.equal(granules.rows, "40000");
    // 1,024 rows a granule: at least 40 marks (8,192 rows a granule would give fewer than 10).
    assert.ok(Number(granules.marks) >= 40, granules.marks);
  });
});

Deno.test("migration 040 on an empty store: the new settings, no scratch table, views attached", async () => {
  await withStore(async (store) => {
    const result = await migrate(store, OPTIONS);
    assert.ok(result.applied.includes(REBUILD));
    const table = await tracesTable(store);
    assert.equal(table.settings, NEW_SETTINGS);
    assert.deepEqual(table.views, Object.keys(VIEW_FIGURES).toSorted());
    assert.ok(!(await tableNames(store)).some((t) => t.includes("rebuild")));
    const empty = await viewFigures(store);
    await insertSpans(store, "fresh", 1_000);
    const fed = difference(await viewFigures(store), empty);
    for (const [view, n] of Object.entries(fed)) assert.ok(n > 0, view);
    // Retention changes reach the rebuilt table (its TTL is the configured one).
    const changed = await migrate(store, {
      ...OPTIONS,
      retentionDays: { ...OPTIONS.retentionDays, traces: 9 },
    });
    assert.ok(changed.retentionChanged.includes("otel_traces"));
    assert.ok(!changed.retentionChanged.some((t) => t.includes("rebuild")));
    const [ttl] = await store.query<{ engine_full: string }>(
      "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'otel_traces'",
    );
    assert.match(ttl.engine_full, /toIntervalDay\(9\) SETTINGS index_granularity = 1024,/);
  });
});

Deno.test("migration 040 stopped after any statement and run again: same spans, one table", async () => {
  const [rebuild] = (await listMigrations()).filter((m) => m.name === REBUILD);
  const statements = renderMigration(rebuild.sql, OPTIONS);
  await withStore(async (store) => {
    await migrate(store, OPTIONS, await migrationsBefore040());
    await insertSpans(store, "stopped", 5_000);
    const spans = await contents(store);
    const figures = await viewFigures(store);
    for (let stop = 1; stop < statements.length; stop++) {
      for (const statement of statements.slice(0, stop)) await store.command(statement);
      for (const statement of statements) await store.command(statement);
      assert.deepEqual(await contents(store), spans, `stopped after statement ${stop}`);
      assert.deepEqual(await viewFigures(store), figures, `stopped after statement ${stop}`);
      const table = await tracesTable(store);
      assert.equal(table.settings, NEW_SETTINGS);
      assert.deepEqual(table.views, Object.keys(VIEW_FIGURES).toSorted());
      assert.ok(!(await tableNames(store)).some((t) => t.includes("rebuild")), `${stop}`);
    }
  });
});

Deno.test("migration 040: the copy's DDL is 001's otel_traces but for name and SETTINGS", async () => {
  const migrations = await listMigrations();
  const base = migrations.find((m) => m.name === "001_traces")!;
  const rebuild = migrations.find((m) => m.name === REBUILD)!;
  for (const options of [OPTIONS, CLUSTER]) {
    const [original] = renderMigration(base.sql, options);
    const copy = renderMigration(rebuild.sql, options).find((s) => s.startsWith("CREATE TABLE"))!;
    const settings = /\nSETTINGS (.*)$/;
    assert.equal(settings.exec(original)?.[1], "index_granularity = 8192, ttl_only_drop_parts = 1");
    assert.equal(settings.exec(copy)?.[1], NEW_SETTINGS);
    assert.equal(
      copy.replace(settings, "").replaceAll("otel_traces_040_rebuild", "otel_traces"),
      original.replace(settings, ""),
    );
  }
});

Deno.test("migration 040 in cluster mode: each shard rebuilds its local table", async () => {
  const [rebuild] = (await listMigrations()).filter((m) => m.name === REBUILD);
  const statements = renderMigration(rebuild.sql, CLUSTER);
  const heads = statements.map((s) => s.split("\n")[0]);
  const db = "`tracehouse`";
  const on = "ON CLUSTER `otel_cluster`";
  assert.deepEqual(heads, [
    `DROP TABLE IF EXISTS ${db}.otel_traces_040_rebuild ${on}`,
    `DROP TABLE IF EXISTS ${db}.\`otel_traces_040_rebuild_local\` ${on}`,
    `CREATE TABLE IF NOT EXISTS ${db}.\`otel_traces_040_rebuild_local\` ${on} (`,
    `CREATE TABLE IF NOT EXISTS ${db}.\`otel_traces_040_rebuild\` ${on} AS ${db}.\`otel_traces_040_rebuild_local\` ` +
    "ENGINE = Distributed('otel_cluster', 'tracehouse', 'otel_traces_040_rebuild_local', cityHash64(TraceId))",
    `INSERT INTO ${db}.otel_traces_040_rebuild`,
    `EXCHANGE TABLES ${db}.\`otel_traces_local\` AND ${db}.\`otel_traces_040_rebuild_local\` ${on}`,
    `DROP TABLE IF EXISTS ${db}.otel_traces_040_rebuild ${on}`,
    `DROP TABLE IF EXISTS ${db}.\`otel_traces_040_rebuild_local\` ${on}`,
  ]);
  assert.match(
    statements[2],
    /\n\) ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'\)\n/,
  );
  // The copy runs shard by shard between the local tables, synchronously, without deduplication;
  // both Distributed tables shard by cityHash64(TraceId) (001's otel_traces does).
  const copy = statements[4];
  assert.match(copy, /parallel_distributed_insert_select = 2/);
  assert.match(copy, /distributed_foreground_insert = 1/);
  assert.match(copy, /insert_deduplicate = 0/);
  assert.match(copy, /\nSELECT \* FROM `tracehouse`\.otel_traces$/);
  const [base] = await listMigrations();
  assert.match(
    renderMigration(base.sql, CLUSTER)[1],
    /'otel_traces_local', cityHash64\(TraceId\)\)$/,
  );
  // Single node: the same statements on the tables themselves.
  assert.deepEqual(
    renderMigration(rebuild.sql, OPTIONS).map((s) => s.split("\n")[0]).slice(3, 5),
    [
      `INSERT INTO ${db}.otel_traces_040_rebuild`,
      `EXCHANGE TABLES ${db}.\`otel_traces\` AND ${db}.\`otel_traces_040_rebuild\` `,
    ],
  );
});
