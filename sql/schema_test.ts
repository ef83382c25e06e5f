import assert from "node:assert/strict";
import { ChdbStore } from "./chdb.ts";
import { migrate } from "./migrate.ts";
import { LOGS_MATERIALIZED_COLUMNS, TABLE_COLUMNS, type TableName } from "./schema.ts";

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
