import assert from "node:assert/strict";
import { ChdbStore } from "./chdb.ts";
import { migrate } from "./migrate.ts";
import {
  INDEXES_BUILT_ON_MERGE,
  LOGS_MATERIALIZED_COLUMNS,
  TABLE_COLUMNS,
  type TableName,
  TRACES_COLUMNS,
} from "./schema.ts";

function sampleValue(type: string, now: number): unknown {
  if (type.startsWith("Array(")) return [];
  if (type.startsWith("Map(")) return { "service.name": "api" };
  if (type === "DateTime64(9)") return BigInt(now) * 1_000_000_000n;
  if (type === "DateTime") return now;
  if (type === "Bool") return true;
  if (/^U?Int64$/.test(type)) return 1n;
  if (/^U?Int|^Float/.test(type)) return 1;
  return "x";
}

Deno.test("schema: column specs match system.columns and insert through the Native path", async () => {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-schema-" });
  const store = await ChdbStore.open({ path, database: "tracehouse" });
  try {
    await migrate(store, {
      database: "tracehouse",
      retentionDays: { traces: 7, logs: 7, metrics: 7 },
    });
    const rows = await store.query<{ table: string; name: string; type: string; kind: string }>(
      `SELECT table, name, type, default_kind AS kind FROM system.columns
       WHERE database = 'tracehouse' AND table IN {tables:Array(String)}
       ORDER BY table, position`,
      { params: { tables: Object.keys(TABLE_COLUMNS) } },
    );
    const tables = [...new Set(rows.map((r) => r.table))].sort();
    assert.deepEqual(tables, Object.keys(TABLE_COLUMNS).sort());
    for (const [table, columns] of Object.entries(TABLE_COLUMNS)) {
      const actual = rows.filter((r) => r.table === table);
      assert.deepEqual(
        actual.filter((r) => r.kind === "").map(({ name, type }) => ({ name, type })),
        columns,
        table,
      );
      const materialized = actual.filter((r) => r.kind !== "").map((r) => r.name);
      assert.deepEqual(materialized, table === "otel_logs" ? LOGS_MATERIALIZED_COLUMNS : []);
    }

    const now = Math.floor(Date.now() / 1000) - 60;
    for (const [table, columns] of Object.entries(TABLE_COLUMNS)) {
      const row = Object.fromEntries(columns.map((c) => [c.name, sampleValue(c.type, now)]));
      await store.insert(table, [row], { columns });
    }
    for (const table of Object.keys(TABLE_COLUMNS) as TableName[]) {
      // otel_traces_trace_id_ts also receives a row from the materialized view.
      const expected = table === "otel_traces_trace_id_ts" ? 2 : 1;
      const [{ n }] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
      assert.equal(Number(n), expected, table);
    }
    const [log] = await store.query<Record<string, string>>(
      "SELECT ServiceName, `__otel_materialized_k8s.pod.name` AS pod FROM otel_logs",
    );
    assert.deepEqual(log, { ServiceName: "x", pod: "" });
  } finally {
    await store.close();
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
});

Deno.test("schema: attribute indexes are built by merges, the trace id index on insert", async () => {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-schema-" });
  const store = await ChdbStore.open({ path });
  try {
    await migrate(store, {
      database: "default",
      retentionDays: { traces: 7, logs: 7, metrics: 7 },
    });
    const indexes = await store.query<{ name: string }>(
      "SELECT DISTINCT name FROM system.data_skipping_indices WHERE database = 'default'",
    );
    const names = new Set(indexes.map((i) => i.name));
    // A renamed index would otherwise silently go back to being built on every insert.
    for (const name of INDEXES_BUILT_ON_MERGE) assert.ok(names.has(name), name);

    const now = BigInt(Date.now() - 60_000) * 1_000_000n;
    const span = (i: number) => ({
      ...Object.fromEntries(TRACES_COLUMNS.map((c) => [c.name, sampleValue(c.type, 0)])),
      Timestamp: now + BigInt(i),
      TraceId: `${i}`.padStart(32, "0"),
      SpanAttributes: { "http.route": `/r/${i}` },
    });
    const indexBytes = async () =>
      Object.fromEntries(
        (await store.query<{ name: string; bytes: string }>(
          `SELECT name, data_compressed_bytes AS bytes FROM system.data_skipping_indices
           WHERE table = 'otel_traces' AND name IN ('idx_trace_id', 'idx_span_attr_value')`,
        )).map((i) => [i.name, Number(i.bytes)]),
      );
    const matching = async () =>
      (await store.query<{ TraceId: string }>(
        "SELECT TraceId FROM otel_traces WHERE SpanAttributes['http.route'] = '/r/2'",
      )).map((r) => r.TraceId);

    await store.insert("otel_traces", [span(1), span(2)], { columns: TRACES_COLUMNS });
    await store.insert("otel_traces", [span(3)], { columns: TRACES_COLUMNS });
    const fresh = await indexBytes();
    assert.ok(fresh.idx_trace_id > 0, "the trace id index is written on insert");
    assert.equal(fresh.idx_span_attr_value, 0, "attribute indexes wait for a merge");
    assert.deepEqual(await matching(), [`${2}`.padStart(32, "0")]);

    await store.command("OPTIMIZE TABLE otel_traces FINAL");
    assert.ok((await indexBytes()).idx_span_attr_value > 0, "the merge built the attribute index");
    assert.deepEqual(await matching(), [`${2}`.padStart(32, "0")]);
  } finally {
    await store.close();
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
});
