/**
 * What migration 040 (the `otel_traces` rebuild with finer granules) costs on a store that
 * already holds spans: its statements timed one by one over `--spans` spans, against a full read
 * of every column of the same table in the same run (the copy's own floor), and checked: the same
 * row count and checksum after it.
 *
 *   deno run -A bench/trace_rebuild_bench.ts [--spans 1000000] [--path DIR]
 *
 * Without `--path` it first runs `bench/query_bench.ts` to generate `--spans` spans into a
 * temporary directory; with `--path` it rebuilds the `otel_traces` of a directory
 * `query_bench.ts --path DIR` kept (in place: the rebuild is what an upgrade does). The copy's
 * work is the same whatever settings the table had, so a directory generated after 040 measures
 * the upgrade of one generated before it. Times move with the machine's load.
 *
 * @module
 */
import type { ChdbStore } from "../sql/chdb.ts";
import { listMigrations, renderMigration } from "../sql/migrate.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt } from "./stats.ts";
import { openQueryBenchData } from "./query_bench_data.ts";

const { values } = benchArgs({
  args: Deno.args,
  options: { spans: { type: "string", default: "1000000" }, path: { type: "string" } },
});
const { spans } = counts(values, ["spans"]);

const REBUILD = "040_traces_fine_granules";

async function onDisk(store: ChdbStore): Promise<number> {
  const [row] = await store.query<{ b: string }>(
    `SELECT toString(sum(bytes_on_disk)) AS b FROM system.parts
     WHERE database = currentDatabase() AND table = 'otel_traces' AND active`,
  );
  return Number(row.b);
}

async function contents(store: ChdbStore): Promise<string> {
  const [row] = await store.query<{ n: string; h: string }>(
    "SELECT toString(count()) AS n, toString(sum(cityHash64(*))) AS h FROM otel_traces",
  );
  return `${row.n} rows, checksum ${row.h}`;
}

async function main(): Promise<void> {
  const { store, path } = await openQueryBenchData(values.path, spans, "tracehouse-rebuild-bench-");
  try {
    const [rebuild] = (await listMigrations()).filter((m) => m.name === REBUILD);
    const statements = renderMigration(rebuild.sql, {
      database: "bench",
      retentionDays: { traces: 30, logs: 30, metrics: 30 },
    });

    let started = performance.now();
    const before = await contents(store); // reads every column of every span
    const scanS = (performance.now() - started) / 1000;
    const bytesBefore = await onDisk(store);
    const n = Number(before.split(" ")[0]);
    console.log(`\nmigration ${REBUILD} over ${fmt(n)} spans (${fmt(bytesBefore / 1e6, 1)} MB):\n`);
    console.log("| statement | s |");
    console.log("| --- | ---: |");
    let totalS = 0;
    for (const statement of statements) {
      started = performance.now();
      await store.command(statement);
      const s = (performance.now() - started) / 1000;
      totalS += s;
      console.log(`| ${statement.split("\n")[0].slice(0, 90)} | ${fmt(s, 2)} |`);
    }
    const after = await contents(store);
    if (after !== before) throw new Error(`the rebuild changed the spans: ${before} → ${after}`);
    console.log(
      `\nrebuild ${fmt(totalS, 1)} s, ${fmt(n / totalS)} spans/s; ` +
        `${fmt(totalS / scanS, 1)}× a full read of every column (${fmt(scanS, 1)} s, same run)`,
    );
    console.log(
      `on disk right after: ${fmt((await onDisk(store)) / 1e6, 1)} MB (unmerged parts of the copy)`,
    );
    console.log(`spans unchanged: ${after}`);
    console.log(`load average: ${Deno.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  } finally {
    await store.close();
    if (values.path === undefined) await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

await main();
