// Cluster rendering of the error-group, service-call and alert-state migrations (020-029).
import assert from "node:assert/strict";
import { listMigrations, renderMigration } from "./migrate.ts";

const CLUSTER = {
  database: "tracehouse",
  cluster: "otel_cluster",
  retentionDays: { traces: 7, logs: 7, metrics: 30 },
};

Deno.test("migrations 020-029: replicated local tables, Distributed fronts, views on local tables", async () => {
  const ours = (await listMigrations()).filter((m) => m.name >= "020" && m.name < "030");
  assert.ok(ours.length >= 2, ours.map((m) => m.name).join());
  for (const migration of ours) {
    const statements = renderMigration(migration.sql, CLUSTER);
    const created = statements.flatMap((s) =>
      /^CREATE TABLE IF NOT EXISTS `tracehouse`\.`(\w+)_local` ON CLUSTER/.exec(s)?.slice(1) ?? []
    );
    assert.ok(created.length > 0, migration.name);
    for (const table of created) {
      const local = statements.find((s) => s.includes(`\`${table}_local\` ON CLUSTER`))!;
      assert.match(local, /ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}/);
      assert.ok(
        statements.some((s) =>
          s.startsWith(`CREATE TABLE IF NOT EXISTS \`tracehouse\`.\`${table}\` ON CLUSTER`) &&
          s.includes(`ENGINE = Distributed('otel_cluster', 'tracehouse', '${table}_local'`)
        ),
        `${migration.name}: Distributed ${table}`,
      );
    }
    for (const view of statements.filter((s) => s.startsWith("CREATE MATERIALIZED VIEW"))) {
      assert.match(view, /ON CLUSTER `otel_cluster`/);
      assert.match(view, /\nTO `tracehouse`\.`\w+_local`\n/);
      assert.match(view, /\nFROM `tracehouse`\.`otel_(traces|logs)_local`\n/);
    }
  }
});
