import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../config.ts";
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { dayBefore, generateDay } from "./generate.ts";
import { readManifests } from "./manifest.ts";
import { startArchiving } from "./schedule.ts";
import { parseArchiveTarget } from "./target.ts";

Deno.test({
  name: "serve's archive job runs on schedule and refreshes the reader",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tracehouse-schedule-" });
    const store = await ChdbStore.open({ path: `${dir}/data` });
    try {
      await migrate(store, {
        database: "default",
        retentionDays: { traces: 7, logs: 7, metrics: 7 },
      });
      await generateDay(store, dayBefore(3), { spans: 400, logs: 200, gauges: 0 });
      const lines: string[] = [];
      const config = {
        ...structuredClone(DEFAULT_CONFIG),
        archiveTo: `${dir}/archive`,
        archiveAfterDays: 7,
      };
      const archiving = startArchiving(store, config, {
        firstRunMs: 10,
        log: (l) => lines.push(l),
      })!;
      assert.ok(archiving.reader, "the embedded engine reads its archive");
      assert.ok(
        lines.some((l) => /traces are kept 7 days; archiving after 7 days comes too late/.test(l)),
      );
      await archiving.stop();

      config.archiveAfterDays = 1;
      lines.length = 0;
      const job = startArchiving(store, config, { firstRunMs: 10, log: (l) => lines.push(l) })!;
      const target = parseArchiveTarget(config.archiveTo, {});
      for (let i = 0; i < 100 && lines.length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await job.stop();
      assert.equal(lines.length, 2, lines.join("\n"));
      assert.match(
        lines.sort()[0],
        new RegExp(`^logs ${dayBefore(3)}: exported 200 rows, \\d+ bytes`),
      );
      assert.match(lines[1], new RegExp(`^traces ${dayBefore(3)}: exported 400 rows, \\d+ bytes`));
      assert.equal((await readManifests(store, target)).length, 2);
      assert.deepEqual((await job.reader!.contents()).days, {
        logs: [dayBefore(3)],
        traces: [dayBefore(3)],
      });
    } finally {
      await store.close();
    }
  },
});

Deno.test("archive settings are checked when serve starts", () => {
  const config = structuredClone(DEFAULT_CONFIG);
  assert.equal(startArchiving({} as never, config), undefined);
  assert.throws(
    () => startArchiving({} as never, { ...config, archiveAfterDays: 3 }),
    /--archive-after-days needs --archive-to/,
  );
  assert.throws(
    () => startArchiving({} as never, { ...config, archiveTo: "s3://x" }, { env: {} }),
    /Invalid --archive-to: Invalid archive target "s3:\/\/x"/,
  );
});
