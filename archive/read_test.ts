import assert from "node:assert/strict";
import { ChdbStore } from "../sql/chdb.ts";
import { listLogs } from "../sql/logs.ts";
import { migrate } from "../sql/migrate.ts";
import { parseTimeRange } from "../params/time.ts";
import { listTraces } from "../sql/traces.ts";
import { runArchive } from "./export.ts";
import { dayBefore, generateDay } from "./generate.ts";
import { ArchiveStore } from "./read.ts";
import { ARCHIVED_TABLES } from "./tables.ts";
import { parseArchiveTarget } from "./target.ts";

Deno.test({
  name: "queries over a directory archive, with reloads racing them, answer as the table did",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tracehouse-read-" });
    const store = await ChdbStore.open({ path: `${dir}/data` });
    try {
      await migrate(store, {
        database: "default",
        retentionDays: { traces: 9, logs: 9, metrics: 9 },
      });
      const day = dayBefore(2);
      await generateDay(store, day, { spans: 2_000, logs: 1_000, gauges: 0 });
      const range = parseTimeRange(
        { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z` },
        { now: Date.now(), maxRangeMs: 31 * 86_400_000 },
      );
      const before = await listTraces(store, { range, status: "error" }, { limit: 10 });
      const logsBefore = await listLogs(store, { range, text: "failed" }, { limit: 10 });
      const target = parseArchiveTarget(`${dir}/archive`, {});
      const empty = new ArchiveStore(store, target);
      assert.deepEqual((await listTraces(empty, { range }, { limit: 10 })).traces, []);
      await runArchive(store, target, { tables: ARCHIVED_TABLES, olderThanDays: 1 });
      await store.command("TRUNCATE TABLE otel_traces");
      await store.command("TRUNCATE TABLE otel_logs");

      const archive = new ArchiveStore(store, target, { maxAgeMs: 0 });
      const answers = await Promise.all(
        Array.from(
          { length: 8 },
          (_, i) =>
            i % 2 === 0
              ? listTraces(archive, { range, status: "error" }, { limit: 10 })
              : archive.refresh().then(() =>
                listTraces(archive, { range, status: "error" }, { limit: 10 })
              ),
        ),
      );
      for (const answer of answers) assert.deepEqual(answer, before);
      assert.deepEqual(
        await listLogs(archive, { range, text: "failed" }, { limit: 10 }),
        logsBefore,
      );
      assert.deepEqual((await archive.contents()).days, { traces: [day], logs: [day] });
      await assert.rejects(() => archive.command(), /read-only/);
    } finally {
      await store.close();
    }
  },
});
