import assert from "node:assert/strict";
import { ChdbStore } from "./chdb.ts";
import {
  bootstrapStatements,
  listMigrations,
  migrate,
  type MigrateOptions,
  type Migration,
  MigrationChecksumError,
  MIGRATIONS_TABLE,
  pendingMigrations,
  renderMigration,
  retentionTargets,
  splitStatements,
} from "./migrate.ts";
import { TRACES_COLUMNS } from "./schema.ts";
import { rejection } from "../testing/store_suite.ts";

const RETENTION = { traces: 7, logs: 14, metrics: 30 };
const OPTIONS: MigrateOptions = { database: "tracehouse", retentionDays: RETENTION };
const CLUSTER: MigrateOptions = { ...OPTIONS, cluster: "otel_cluster" };

const TABLES = [
  "otel_traces",
  "otel_traces_trace_id_ts",
  "otel_logs",
  "otel_metrics_gauge",
  "otel_metrics_sum",
  "otel_metrics_histogram",
  "otel_metrics_exponential_histogram",
  "otel_metrics_summary",
];

/** Opens an embedded store in a fresh directory, runs `fn`, closes it (one data path at a time). */
async function withStore(database: string, fn: (store: ChdbStore) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-migrate-" });
  const store = await ChdbStore.open({ path, database });
  try {
    await fn(store);
  } finally {
    await store.close();
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

// --- the exporter's own DDL, rendered the way the exporter renders it --------------------------

const EXPORTER_MODULE =
  "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/clickhouseexporter";

/**
 * The exporter's SQL templates at `version`, read from the Go module cache
 * (`go mod download` fetches the module when missing): the real source, not a
 * copy kept in this repository. `null` when Go is not installed.
 */
async function exporterTemplates(version: string): Promise<string | null> {
  let output;
  try {
    output = await new Deno.Command("go", {
      args: ["mod", "download", "-json", `${EXPORTER_MODULE}@${version}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const text = new TextDecoder().decode(output.stdout);
  assert.ok(
    output.success,
    `go mod download failed: ${text}${new TextDecoder().decode(output.stderr)}`,
  );
  return `${JSON.parse(text).Dir}/internal/sqltemplates`;
}

function sprintf(template: string, args: string[]): string {
  let i = 0;
  return template.replace(/%[sq]/g, (verb) => {
    const arg = args[i++];
    return verb === "%q" ? JSON.stringify(arg) : arg;
  });
}

/** The statements `create_schema: true` would run at `version`, with a TTL of the given days. */
async function exporterDdl(templates: string, database: string): Promise<string[]> {
  const read = (name: string) => Deno.readTextFile(`${templates}/${name}.sql`);
  const engine = "MergeTree()";
  const ttl = (column: string, days: number) =>
    `TTL toDateTime(${column}) + toIntervalDay(${days})`;
  const statements = [
    sprintf(await read("traces_table"), [
      database,
      "otel_traces",
      "",
      engine,
      ttl("Timestamp", RETENTION.traces),
    ]),
    sprintf(await read("traces_id_ts_lookup_table"), [
      database,
      "otel_traces",
      "",
      engine,
      ttl("Start", RETENTION.traces),
    ]),
    sprintf(await read("traces_id_ts_lookup_mv"), [
      database,
      "otel_traces",
      "",
      database,
      "otel_traces",
      database,
      "otel_traces",
    ]),
    (await read("logs_table"))
      .replace(
        /\{\{- if \.HasFullTextSearch\}\}[\s\S]*?\{\{- else\}\}([\s\S]*?)\{\{- end\}\}/,
        "$1",
      )
      .replace("{{ident .Database}}", `\`${database}\``)
      .replace("{{ident .TableName}}", "`otel_logs`")
      .replace("{{.ClusterString}}", "")
      .replace("{{.Engine}}", engine)
      .replace("{{.TTL}}", ttl("Timestamp", RETENTION.logs)),
  ];
  const metrics = [
    ["gauge", "otel_metrics_gauge"],
    ["sum", "otel_metrics_sum"],
    ["histogram", "otel_metrics_histogram"],
    ["exp_histogram", "otel_metrics_exponential_histogram"],
    ["summary", "otel_metrics_summary"],
  ];
  for (const [kind, table] of metrics) {
    const template = await read(`metrics_${kind}_table`);
    statements.push(
      sprintf(template, [database, table, "", engine, ttl("TimeUnix", RETENTION.metrics)]),
    );
  }
  for (const statement of statements) assert.doesNotMatch(statement, /\{\{|%[sq]/);
  return statements;
}

interface Described {
  columns: unknown[];
  table: unknown;
  indexes: unknown[];
}

/** What ClickHouse reports about a table, with the database name taken out. */
async function describe(store: ChdbStore, database: string, table: string): Promise<Described> {
  const params = { database, table };
  const columns = await store.query(
    `SELECT name, type, default_kind, default_expression, compression_codec, comment
     FROM system.columns WHERE database = {database:String} AND table = {table:String}
     ORDER BY position`,
    { params },
  );
  const [info] = await store.query<Record<string, string>>(
    `SELECT engine, engine_full, partition_key, sorting_key, primary_key, as_select
     FROM system.tables WHERE database = {database:String} AND name = {table:String}`,
    { params },
  );
  assert.ok(info, `${database}.${table} exists`);
  const indexes = await store.query(
    `SELECT name, type_full, expr, granularity FROM system.data_skipping_indices
     WHERE database = {database:String} AND table = {table:String} ORDER BY name`,
    { params },
  );
  const unqualified = (text: string) => text.replaceAll(`${database}.`, "");
  return {
    columns,
    table: { ...info, as_select: unqualified(info.as_select) },
    indexes,
  };
}

/**
 * Table settings that are deliberately ours, not the exporter's, per table. The exporter inserts
 * by column name (`create_schema: false`), so what it depends on stays pinned below: columns,
 * types, codecs, skip indexes, engine, PARTITION BY, ORDER BY / PRIMARY KEY and TTL. These
 * settings only change how parts are laid out on disk: 1,024-row granules and 4-64 KiB compressed
 * blocks make a trace lookup decompress ~8x fewer rows (migration 040,
 * docs/query-optimization.md). Every other setting still equals the exporter's.
 */
const OUR_SETTINGS: Record<string, Record<string, string>> = {
  otel_traces: {
    index_granularity: "1024",
    min_compress_block_size: "4096",
    max_compress_block_size: "65536",
  },
};

/**
 * `described` with our own settings ({@linkcode OUR_SETTINGS}) taken out of `engine_full`, after
 * checking that ours has them with our values (`ours`), so the rest compares with the exporter.
 */
function exporterSettings(table: string, described: Described, ours: boolean): unknown {
  const info = described.table as Record<string, string>;
  const [head, list = ""] = info.engine_full.split(" SETTINGS ");
  const own = OUR_SETTINGS[table] ?? {};
  const settings = list.split(", ").filter((s) => s !== "").map((s) => s.split(" = "));
  if (ours) {
    for (const [name, value] of Object.entries(own)) {
      assert.ok(
        settings.some(([n, v]) => n === name && v === value),
        `${table}: SETTINGS ${name} = ${value} in ${list}`,
      );
    }
  }
  const rest = settings.filter(([name]) => !(name in own)).map((s) => s.join(" = "));
  return { ...info, engine_full: `${head} SETTINGS ${rest.join(", ")}` };
}

Deno.test("migrate: every table matches the clickhouseexporter DDL (v0.161.0 and v0.165.1)", async () => {
  await withStore("tracehouse", async (store) => {
    const result = await migrate(store, OPTIONS);
    assert.deepEqual(result.applied, (await listMigrations()).map((m) => m.name));
    assert.deepEqual(result.applied.slice(0, 3), ["001_traces", "002_logs", "003_metrics"]);
    for (const [version, database] of [["v0.161.0", "x161"], ["v0.165.1", "x165"]]) {
      const templates = await exporterTemplates(version);
      if (templates === null) {
        // A developer machine without Go; CI always has Go.
        assert.ok(!Deno.env.get("CI"), "Go is required in CI to read the exporter's DDL");
        console.warn(`skipped: Go is not installed, cannot read the exporter ${version} DDL`);
        return;
      }
      await store.command(`CREATE DATABASE ${database}`);
      for (const statement of await exporterDdl(templates, database)) {
        await store.command(statement);
      }
    }
    for (const table of [...TABLES, "otel_traces_trace_id_ts_mv"]) {
      const ours = await describe(store, "tracehouse", table);
      const v161 = await describe(store, "x161", table);
      const v165 = await describe(store, "x165", table);
      // Against the pinned release: identical columns, types, codecs, comments, engine, keys, TTL.
      assert.deepEqual(ours.columns, v161.columns, `${table}: columns as at v0.161.0`);
      const ourTable = exporterSettings(table, ours, true);
      assert.deepEqual(
        ourTable,
        exporterSettings(table, v161, false),
        `${table}: engine, keys and TTL as at v0.161.0`,
      );
      // v0.165 only raised codecs to ZSTD(3) and added idx_event_name on otel_logs.
      const withoutCodec = (columns: unknown[]) =>
        columns.map((c) => ({ ...(c as object), compression_codec: undefined }));
      assert.deepEqual(withoutCodec(ours.columns), withoutCodec(v165.columns), `${table} v0.165`);
      assert.deepEqual(
        ourTable,
        exporterSettings(table, v165, false),
        `${table}: engine, keys and TTL as at v0.165.1`,
      );
      assert.deepEqual(ours.indexes, v165.indexes, `${table}: skip indexes as at v0.165.1`);
      const extra = table === "otel_logs" ? ["idx_event_name"] : [];
      assert.deepEqual(
        ours.indexes.filter((i) => !extra.includes((i as { name: string }).name)),
        v161.indexes,
        `${table}: skip indexes as at v0.161.0`,
      );
    }
    const [logs] = await store.query<{ engine_full: string }>(
      "SELECT engine_full FROM system.tables WHERE database = 'tracehouse' AND name = 'otel_logs'",
    );
    assert.match(logs.engine_full, /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(14\)/);
    assert.match(logs.engine_full, /ttl_only_drop_parts = 1/);
  });
});

Deno.test("migrate: the materialized view records each trace's time range", async () => {
  await withStore("tracehouse", async (store) => {
    await migrate(store, OPTIONS);
    // Recent times: rows already past the TTL are dropped at insert.
    const base = Math.floor(Date.now() / 1000) - 3600;
    const second = 1_000_000_000n;
    const start = BigInt(base) * second;
    const span = (traceId: string, offset: bigint) =>
      Object.fromEntries(
        TRACES_COLUMNS.map(({ name, type }) => {
          if (name === "Timestamp") return [name, start + offset];
          if (name === "TraceId") return [name, traceId];
          if (name === "Duration") return [name, 1000n];
          if (type.startsWith("Array")) return [name, []];
          if (type.startsWith("Map")) return [name, {}];
          return [name, ""];
        }),
      );
    const a = "0af7651916cd43dd8448eb211c80319c";
    const b = "4bf92f3577b34da6a3ce929d0e0e4736";
    await store.insert(
      "otel_traces",
      [span(a, 0n), span(a, 5n * second), span(b, 60n * second), span("", 0n)],
      { columns: TRACES_COLUMNS },
    );
    await store.insert("otel_traces", [span(a, -2n * second)], { columns: TRACES_COLUMNS });
    const rows = await store.query(
      `SELECT TraceId, toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end
       FROM otel_traces_trace_id_ts GROUP BY TraceId ORDER BY TraceId`,
    );
    assert.deepEqual(rows, [
      { TraceId: a, start: base - 2, end: base + 5 },
      { TraceId: b, start: base + 60, end: base + 60 },
    ]);
  });
});

Deno.test("migrate: a second run does nothing; changed retention is applied with MODIFY TTL", async () => {
  await withStore("tracehouse", async (store) => {
    await migrate(store, OPTIONS);
    const again = await migrate(store, OPTIONS);
    assert.deepEqual(again, { applied: [], retentionChanged: [] });
    const recorded = await store.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM ${MIGRATIONS_TABLE} ORDER BY name`,
    );
    const files = await listMigrations();
    assert.deepEqual(recorded, files.map(({ name, checksum }) => ({ name, checksum })));

    const longer = { ...OPTIONS, retentionDays: { ...RETENTION, traces: 3, metrics: 90 } };
    const changed = await migrate(store, longer);
    assert.deepEqual(changed.applied, []);
    const before = retentionTargets(files, OPTIONS);
    const after = retentionTargets(files, longer);
    assert.deepEqual(
      changed.retentionChanged,
      after.filter((t, i) => t.days !== before[i].days).map((t) => t.table),
    );
    for (const table of TABLES.filter((t) => t !== "otel_logs")) {
      assert.ok(changed.retentionChanged.includes(table), table);
    }
    const ttl = await store.query<{ name: string; days: string }>(
      `SELECT name, extract(engine_full, 'toIntervalDay\\((\\d+)\\)') AS days
       FROM system.tables WHERE database = 'tracehouse' AND name IN {tables:Array(String)}
       ORDER BY name`,
      { params: { tables: TABLES } },
    );
    assert.deepEqual(
      Object.fromEntries(ttl.map((row) => [row.name, Number(row.days)])),
      {
        otel_logs: 14,
        otel_metrics_exponential_histogram: 90,
        otel_metrics_gauge: 90,
        otel_metrics_histogram: 90,
        otel_metrics_sum: 90,
        otel_metrics_summary: 90,
        otel_traces: 3,
        otel_traces_trace_id_ts: 3,
      },
    );
    assert.deepEqual(await migrate(store, longer), { applied: [], retentionChanged: [] });
  });
});

function fakeMigration(name: string, sql: string): Migration {
  return { name, sql, checksum: `checksum-of-${name}` };
}

Deno.test("migrate: pending migrations apply in order; an edited applied one is refused", async () => {
  await withStore("custom", async (store) => {
    const options = { ...OPTIONS, database: "custom" };
    const first = fakeMigration(
      "001_a",
      "CREATE TABLE IF NOT EXISTS {{database}}.{{table:a}} (n UInt8)\nENGINE = {{engine:MergeTree}} ORDER BY n;",
    );
    const second = fakeMigration(
      "002_b",
      "CREATE TABLE IF NOT EXISTS {{database}}.b AS {{database}}.a;\nINSERT INTO {{database}}.a VALUES (1);",
    );
    assert.deepEqual((await migrate(store, options, [first])).applied, ["001_a"]);
    assert.deepEqual((await migrate(store, options, [first, second])).applied, ["002_b"]);
    assert.deepEqual(await store.query("SELECT n FROM a"), [{ n: 1 }]);
    assert.deepEqual(await store.query("SELECT n FROM b"), []);

    const edited = { ...first, sql: `${first.sql}\n`, checksum: "changed" };
    const third = fakeMigration("003_c", "CREATE TABLE IF NOT EXISTS {{database}}.c AS a;");
    const error = await rejection(migrate(store, options, [edited, second, third]), Error);
    assert.ok(error instanceof MigrationChecksumError);
    assert.equal(error.migration, "001_a");
    assert.match(
      error.message,
      /migration "001_a" was applied with checksum .* its file now has checksum changed/,
    );
    // Nothing after the check ran.
    assert.deepEqual(await store.query("EXISTS TABLE c"), [{ result: 0 }]);
  });
});

Deno.test("migrate: the shipped migrations render completely; base tables are 001-003", async () => {
  const migrations = await listMigrations();
  assert.deepEqual(migrations.slice(0, 3).map((m) => m.name), [
    "001_traces",
    "002_logs",
    "003_metrics",
  ]);
  // Rollups and the like come from 010 on.
  for (const m of migrations.slice(3)) assert.ok(Number(m.name.slice(0, 3)) >= 10, m.name);
  for (const m of migrations) {
    assert.match(m.checksum, /^[0-9a-f]{64}$/);
    for (const options of [OPTIONS, CLUSTER]) {
      for (const statement of renderMigration(m.sql, options)) {
        assert.doesNotMatch(statement, /\{\{|\}\}/);
        assert.doesNotMatch(statement, /;\s*$/);
      }
    }
  }
});

// --- rendering --------------------------------------------------------------------------------

Deno.test("renderMigration: single node", async () => {
  const [traces] = await listMigrations();
  const statements = renderMigration(traces.sql, OPTIONS);
  assert.equal(statements.length, 3);
  assert.match(statements[0], /^CREATE TABLE IF NOT EXISTS `tracehouse`\.`otel_traces` {2}\(\n/);
  assert.match(statements[0], /\n\) ENGINE = MergeTree\(\)\nPARTITION BY toDate\(Timestamp\)\n/);
  assert.match(
    statements[0],
    /\nTTL toDateTime\(Timestamp\) \+ toIntervalDay\(7\) DELETE\nSETTINGS index_granularity = 8192, ttl_only_drop_parts = 1$/,
  );
  assert.match(
    statements[1],
    /^CREATE TABLE IF NOT EXISTS `tracehouse`\.`otel_traces_trace_id_ts` /,
  );
  assert.equal(
    statements[2],
    [
      "CREATE MATERIALIZED VIEW IF NOT EXISTS `tracehouse`.otel_traces_trace_id_ts_mv ",
      "TO `tracehouse`.`otel_traces_trace_id_ts`",
      "AS SELECT",
      "    TraceId,",
      "    min(Timestamp) AS Start,",
      "    max(Timestamp) AS End",
      "FROM `tracehouse`.`otel_traces`",
      "WHERE TraceId != ''",
      "GROUP BY TraceId",
    ].join("\n"),
  );
});

Deno.test("renderMigration: cluster mode renders ON CLUSTER, replicated local tables and Distributed tables", async () => {
  const [traces, logs, metrics] = await listMigrations();
  const statements = renderMigration(traces.sql, CLUSTER);
  const heads = statements.map((s) => s.split("\n")[0]);
  assert.deepEqual(heads, [
    "CREATE TABLE IF NOT EXISTS `tracehouse`.`otel_traces_local` ON CLUSTER `otel_cluster` (",
    "CREATE TABLE IF NOT EXISTS `tracehouse`.`otel_traces` ON CLUSTER `otel_cluster` AS `tracehouse`.`otel_traces_local` ENGINE = Distributed('otel_cluster', 'tracehouse', 'otel_traces_local', cityHash64(TraceId))",
    "CREATE TABLE IF NOT EXISTS `tracehouse`.`otel_traces_trace_id_ts_local` ON CLUSTER `otel_cluster` (",
    "CREATE TABLE IF NOT EXISTS `tracehouse`.`otel_traces_trace_id_ts` ON CLUSTER `otel_cluster` AS `tracehouse`.`otel_traces_trace_id_ts_local` ENGINE = Distributed('otel_cluster', 'tracehouse', 'otel_traces_trace_id_ts_local', cityHash64(TraceId))",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS `tracehouse`.otel_traces_trace_id_ts_mv ON CLUSTER `otel_cluster`",
  ]);
  assert.match(
    statements[0],
    /\n\) ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'\)\n/,
  );
  // The view reads and writes each shard's local tables.
  assert.match(statements[4], /\nTO `tracehouse`\.`otel_traces_trace_id_ts_local`\n/);
  assert.match(statements[4], /\nFROM `tracehouse`\.`otel_traces_local`\n/);
  assert.deepEqual(
    renderMigration(logs.sql, CLUSTER).map((s) => s.split("\n")[0]).slice(1),
    [
      "CREATE TABLE IF NOT EXISTS `tracehouse`.`otel_logs` ON CLUSTER `otel_cluster` AS `tracehouse`.`otel_logs_local` ENGINE = Distributed('otel_cluster', 'tracehouse', 'otel_logs_local', rand())",
    ],
  );
  const metricStatements = renderMigration(metrics.sql, CLUSTER);
  assert.equal(metricStatements.length, 10);
  for (const statement of [...statements, ...metricStatements]) {
    assert.match(statement, /ON CLUSTER `otel_cluster`/);
  }
  // Engine variants for the rollup migrations to come.
  const [replacing, aggregating] = renderMigration(
    "CREATE TABLE t (v UInt64) ENGINE = {{engine:ReplacingMergeTree:v}} ORDER BY v;\n" +
      "CREATE TABLE u (v UInt64) ENGINE = {{engine:AggregatingMergeTree}} ORDER BY v;",
    CLUSTER,
  );
  assert.match(
    replacing,
    /ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}', v\)/,
  );
  assert.match(aggregating, /ENGINE = ReplicatedAggregatingMergeTree\('[^']+', '\{replica\}'\)/);
  assert.deepEqual(
    renderMigration("CREATE TABLE t (v UInt64) ENGINE = {{engine:ReplacingMergeTree:v}};", OPTIONS),
    ["CREATE TABLE t (v UInt64) ENGINE = ReplacingMergeTree(v)"],
  );
});

Deno.test("renderMigration: cluster DDL parses (formatQuery on the real engine)", async () => {
  await withStore("default", async (store) => {
    for (const migration of await listMigrations()) {
      for (const sql of renderMigration(migration.sql, CLUSTER)) {
        const [row] = await store.query<{ ok: string }>("SELECT formatQuery({sql:String}) AS ok", {
          params: { sql },
        });
        assert.ok(row.ok.length > 0);
      }
    }
  });
});

Deno.test("renderMigration: names and retention days are validated, never interpolated blindly", () => {
  const sql = "SELECT 1 FROM {{database}}.t {{on_cluster}};";
  for (const database of ["", "1db", "db; DROP TABLE x", "a`b", "db.x", "a b", "x".repeat(129)]) {
    assert.throws(() => renderMigration(sql, { ...OPTIONS, database }), TypeError, database);
  }
  for (const cluster of ["", "c`x", "c'x", "c x", "c;", "-c"]) {
    assert.throws(() => renderMigration(sql, { ...OPTIONS, cluster }), TypeError, cluster);
  }
  for (const days of [0, -1, 1.5, NaN, Infinity, 40000, "7" as unknown as number]) {
    assert.throws(
      () => renderMigration(sql, { ...OPTIONS, retentionDays: { ...RETENTION, logs: days } }),
      RangeError,
      String(days),
    );
  }
  assert.equal(
    renderMigration(sql, { ...OPTIONS, cluster: "prod-eu.1" })[0],
    "SELECT 1 FROM `tracehouse`.t ON CLUSTER `prod-eu.1`",
  );
  for (
    const bad of [
      "{{nope}}",
      "{{ttl_days:profiles}}",
      "{{table:a-b}}",
      "{{engine:Log}}",
      "{{engine:MergeTree:x')}}",
      "{{database:x}}",
    ]
  ) {
    assert.throws(() => renderMigration(`SELECT ${bad};`, OPTIONS), SyntaxError, bad);
  }
  assert.throws(
    () => renderMigration("{{distributed:t:sleep(1)'}};", CLUSTER),
    SyntaxError,
  );
});

Deno.test("splitStatements: one statement per `;` at the end of a line; comment lines dropped", () => {
  assert.deepEqual(
    splitStatements(
      "-- a comment; with a semicolon;\nSELECT 'a;b';\n\nSELECT 2 ;  \n-- end\nSELECT\n  3;",
    ),
    ["SELECT 'a;b'", "SELECT 2", "SELECT\n  3"],
  );
});

Deno.test("cluster mode: migrations table and retention changes render ON CLUSTER", async () => {
  const [database, table] = bootstrapStatements(CLUSTER);
  assert.equal(database, "CREATE DATABASE IF NOT EXISTS `tracehouse` ON CLUSTER `otel_cluster`");
  assert.match(
    table,
    /^CREATE TABLE IF NOT EXISTS `tracehouse`\.`tracehouse_migrations` ON CLUSTER `otel_cluster` \(/,
  );
  // One record shared by every node: no {shard} in the replication path.
  assert.match(
    table,
    /ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/tracehouse\/\{database\}\/\{table\}', '\{replica\}'\)/,
  );
  const targets = retentionTargets(await listMigrations(), CLUSTER)
    .filter((t) => TABLES.includes(t.table.replace(/_local$/, "")));
  assert.deepEqual(targets.map((t) => `${t.table}:${t.days}`), [
    "otel_traces_local:7",
    "otel_traces_trace_id_ts_local:7",
    "otel_logs_local:14",
    "otel_metrics_gauge_local:30",
    "otel_metrics_sum_local:30",
    "otel_metrics_histogram_local:30",
    "otel_metrics_exponential_histogram_local:30",
    "otel_metrics_summary_local:30",
  ]);
  assert.equal(
    targets[2].alter,
    "ALTER TABLE `tracehouse`.`otel_logs_local` ON CLUSTER `otel_cluster` " +
      "MODIFY TTL toDateTime(Timestamp) + toIntervalDay(14) DELETE",
  );
  assert.equal(
    retentionTargets(await listMigrations(), OPTIONS)[0].alter,
    "ALTER TABLE `tracehouse`.`otel_traces` MODIFY TTL toDateTime(Timestamp) + toIntervalDay(7) DELETE",
  );
});

Deno.test("pendingMigrations: lists what migrate would apply, changing nothing", async () => {
  await withStore("fresh", async (store) => {
    const options = { ...OPTIONS, database: "fresh" };
    assert.deepEqual(
      await pendingMigrations(store, options),
      (await listMigrations()).map((m) => m.name),
    );
    assert.deepEqual(await store.query(`EXISTS TABLE ${MIGRATIONS_TABLE}`), [{ result: 0 }]);
    await migrate(store, options);
    assert.deepEqual(await pendingMigrations(store, options), []);
  });
});
