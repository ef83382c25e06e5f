/**
 * What one `otel_traces` insert costs, and where it goes. Inserts a 1-row and a 5,000-row block
 * of realistic spans through the real path (`ChdbStore.insert`: a `Native` file read back with
 * `INSERT … SELECT FROM file()`), and bisects the cost: the engine round trip, reading the file
 * into a `Null` table, the `otel_traces` part alone (a copy of the table without views), without
 * its skip indexes and TTL, one view with and without its part, the shipped table with every view
 * and without each one, insert-level settings, rows over three days, and a durable append of the
 * same block to a file (write + fdatasync: what a write-ahead spool would pay instead).
 *
 *   deno run -A bench/insert_cost_bench.ts [--rounds 8] [--dir /path/on/the/disk/to/measure]
 *                                          [--merge-nice 10]
 *
 * Figures per case: wall p50 and process CPU p50 (user + system, all threads: the engine runs in
 * this process) per insert, and the parts the insert wrote. Background merges are stopped during
 * the breakdown so that CPU is the insert's own; the last cases run with merges on, as in
 * service, with the engine's merge threads at `--merge-nice` (default the engine's default,
 * `MERGE_THREADS_NICE`; 0 is ClickHouse's own priority). Cases take turns within each round, so
 * load from other processes spreads over all.
 *
 * @module
 */
import process from "node:process";
import { ChdbStore, MERGE_THREADS_NICE } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { TRACES_COLUMNS } from "../sql/schema.ts";
import type { NativeBlock, Settings } from "../sql/store.ts";
import { encodeNative } from "../sql/native/mod.ts";
import { spanRows } from "./span_rows.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt, percentile } from "./stats.ts";

/** The materialized views that read `otel_traces` (sql/migrations/0*.sql). */
const TRACE_VIEWS = [
  "otel_traces_trace_id_ts_mv",
  "otel_traces_red_1m_mv",
  "otel_traces_red_1h_mv",
  "otel_service_catalog_mv",
  "otel_service_calls_mv",
  "otel_error_groups_1m_spans_mv",
  "otel_error_group_catalog_spans_mv",
] as const;

/** The per-minute RED view's query, over a table of the caller's choice. */
const RED_VIEW = (from: string) =>
  `SELECT toStartOfMinute(Timestamp) AS Minute, ServiceName, SpanName, count() AS Spans,
    countIf(StatusCode = 'Error') AS Errors, sum(Duration) AS DurationSum,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(Duration) AS Durations
  FROM ${from} GROUP BY Minute, ServiceName, SpanName`;

/** One measured case: an insert (or another call) and what to do around it. */
interface Case {
  label: string;
  /** Runs one call of `size` rows. */
  run(size: "one" | "many"): Promise<void>;
  /** Before and after the case's calls in a round (e.g. detach a view). */
  before?: () => Promise<void>;
  after?: () => Promise<void>;
  /** Measured with merges running (the others with merges stopped). */
  merges?: boolean;
  /** Only the 5,000-row block makes sense for this case. */
  manyOnly?: boolean;
}

interface Samples {
  wall: number[];
  cpu: number[];
  parts: number[];
}

/** Type and mount point of the file system holding `path` (from /proc/mounts), if known. */
async function fileSystemOf(path: string): Promise<string> {
  try {
    const mounts = (await Deno.readTextFile("/proc/mounts")).split("\n").map((l) => l.split(" "));
    const real = await Deno.realPath(path);
    let best: string[] | undefined;
    for (const m of mounts) {
      if (
        m.length < 3 || !(real === m[1] || real.startsWith(m[1].endsWith("/") ? m[1] : `${m[1]}/`))
      ) continue;
      if (!best || m[1].length > best[1].length) best = m;
    }
    return best ? `${best[2]} on ${best[1]}` : "unknown file system";
  } catch {
    return "unknown file system";
  }
}

/** Runs the benchmark and prints the breakdown table. */
export async function main(args: string[] = Deno.args): Promise<void> {
  const { values } = benchArgs({
    args,
    options: {
      rounds: { type: "string", default: "8" },
      dir: { type: "string" },
      "merge-nice": { type: "string", default: String(MERGE_THREADS_NICE) },
    },
  });
  const n = counts(values, ["rounds"]);
  const nice = Number(values["merge-nice"]);
  if (!/^\d+$/.test(values["merge-nice"]) || nice > 19) {
    console.error(
      `Bad flag: --merge-nice=${values["merge-nice"]} (expected a whole number from 0 to 19)`,
    );
    Deno.exit(2);
  }
  if (values.dir !== undefined) {
    const info = await Deno.stat(values.dir).catch(() => undefined);
    if (!info?.isDirectory) {
      console.error(`Bad flag: --dir=${values.dir} (expected an existing directory)`);
      Deno.exit(2);
    }
  }
  const dir = await Deno.makeTempDir({ dir: values.dir, prefix: "tracehouse-insert-cost-" });
  const store = await ChdbStore.open({ path: dir, mergeThreadsNice: nice });
  try {
    await migrate(store, {
      database: "default",
      retentionDays: { traces: 30, logs: 30, metrics: 30 },
    });
    const now = BigInt(Date.now()) * 1_000_000n;
    const block = (rows: Record<string, unknown>[]): NativeBlock => ({
      native: encodeNative(rows, TRACES_COLUMNS),
      rows: rows.length,
    });
    // Several blocks per size so that consecutive inserts are not byte-identical.
    const one = Array.from({ length: 4 }, (_, i) => block(spanRows(1, 100 + i, now)));
    const many = Array.from({ length: 4 }, (_, i) => block(spanRows(5000, 200 + i, now)));
    const day = 86_400_000_000_000n;
    const threeDays = Array.from(
      { length: 4 },
      (_, i) =>
        block([0n, 1n, 2n].flatMap((d) => spanRows(1667, 300 + i * 3 + Number(d), now - d * day))),
    );
    let turn = 0;
    const insert = (table: string, size: "one" | "many", settings?: Settings) =>
      store.insert(table, (size === "one" ? one : many)[turn++ % 4], {
        columns: TRACES_COLUMNS,
        settings,
      });

    await store.command("CREATE TABLE bench_null AS otel_traces ENGINE = Null");
    await store.command("CREATE TABLE bench_copy AS otel_traces");
    await store.command("CREATE TABLE bench_no_index AS otel_traces");
    for (const index of ["idx_trace_id", "idx_res_attr_key", "idx_res_attr_value"]) {
      await store.command(`ALTER TABLE bench_no_index DROP INDEX ${index}`);
    }
    for (const index of ["idx_span_attr_key", "idx_span_attr_value", "idx_duration"]) {
      await store.command(`ALTER TABLE bench_no_index DROP INDEX ${index}`);
    }
    await store.command("CREATE TABLE bench_no_ttl AS otel_traces");
    await store.command("ALTER TABLE bench_no_ttl REMOVE TTL");
    await store.command("CREATE TABLE bench_view_null AS otel_traces");
    await store.command("CREATE TABLE bench_red_null AS otel_traces_red_1m ENGINE = Null");
    await store.command(
      `CREATE MATERIALIZED VIEW bench_view_null_mv TO bench_red_null AS ${
        RED_VIEW("bench_view_null")
      }`,
    );
    await store.command("CREATE TABLE bench_view_part AS otel_traces");
    await store.command("CREATE TABLE bench_red AS otel_traces_red_1m");
    await store.command(
      `CREATE MATERIALIZED VIEW bench_view_part_mv TO bench_red AS ${RED_VIEW("bench_view_part")}`,
    );

    const spool = await Deno.open(`${dir}/spool.bin`, { write: true, create: true });
    const cases: Case[] = [
      { label: "engine round trip (SELECT 1)", run: () => store.command("SELECT 1") },
      { label: "read the file into a Null table (no part)", run: (s) => insert("bench_null", s) },
      { label: "+ the otel_traces part (copy, no views)", run: (s) => insert("bench_copy", s) },
      { label: "  the same without skip indexes", run: (s) => insert("bench_no_index", s) },
      { label: "  the same without TTL", run: (s) => insert("bench_no_ttl", s) },
      { label: "+ one view (red_1m), Null target", run: (s) => insert("bench_view_null", s) },
      { label: "+ one view (red_1m) writing its part", run: (s) => insert("bench_view_part", s) },
      { label: "otel_traces as shipped (7 views)", run: (s) => insert("otel_traces", s) },
      ...TRACE_VIEWS.map((view): Case => ({
        label: `  without ${view}`,
        run: (s) => insert("otel_traces", s),
        before: () => store.command(`DETACH TABLE ${view}`),
        after: () => store.command(`ATTACH TABLE ${view}`),
      })),
      ...([
        ["parallel_view_processing = 1", { parallel_view_processing: 1 }],
        ["max_threads = 1, max_insert_threads = 1", { max_threads: 1, max_insert_threads: 1 }],
        ["insert_deduplicate = 0", { insert_deduplicate: 0 }],
        ["optimize_on_insert = 0", { optimize_on_insert: 0 }],
      ] as const).map(([label, settings]): Case => ({
        label: `  with ${label}`,
        run: (s) => insert("otel_traces", s, settings),
      })),
      {
        label: "  the 5,000 rows over 3 days",
        run: () => store.insert("otel_traces", threeDays[turn++ % 4], { columns: TRACES_COLUMNS }),
        manyOnly: true,
      },
      {
        label: "otel_traces as shipped, merges running",
        run: (s) => insert("otel_traces", s),
        merges: true,
      },
      {
        label: "durable append of the block (write + fdatasync)",
        run: async (s) => {
          const data = (s === "one" ? one : many)[turn++ % 4].native;
          for (let at = 0; at < data.length;) at += await spool.write(data.subarray(at));
          await spool.syncData();
        },
      },
    ];

    const parts = async () =>
      Number(
        (await store.query<{ n: string }>("SELECT count() AS n FROM system.parts WHERE active"))[0]
          .n,
      );
    const samples = new Map<Case, Record<"one" | "many", Samples>>();
    for (const c of cases) {
      samples.set(c, {
        one: { wall: [], cpu: [], parts: [] },
        many: { wall: [], cpu: [], parts: [] },
      });
    }
    const measure = async (c: Case, size: "one" | "many") => {
      const before = await parts();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await c.run(size);
      const wall = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const s = samples.get(c)![size];
      s.wall.push(wall);
      s.cpu.push((used.user + used.system) / 1000);
      s.parts.push((await parts()) - before);
    };
    // Warm-up: the first parts of every table, the JIT.
    for (const c of cases) {
      await c.before?.();
      await c.run(c.manyOnly ? "many" : "one");
      await c.after?.();
    }
    for (let round = 0; round < n.rounds; round++) {
      const order = round % 2 === 0 ? cases : [...cases].reverse();
      for (const c of order) {
        await store.command(c.merges ? "SYSTEM START MERGES" : "SYSTEM STOP MERGES");
        await c.before?.();
        try {
          for (let k = 0; k < (c.manyOnly ? 0 : 3); k++) await measure(c, "one");
          await measure(c, "many");
        } finally {
          await c.after?.();
        }
      }
    }
    spool.close();

    console.log(
      `insert_cost_bench: otel_traces inserts through ChdbStore.insert, data directory on ${await fileSystemOf(
        dir,
      )}; ${n.rounds} rounds, cases in turns, merges stopped unless said, merge threads at nice ${nice}; load average ${
        Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
      } (2-core machine shared with other work: compare rows within this run)`,
    );
    console.log(
      "| case | 1 row: wall p50 ms | CPU p50 ms | 5,000 rows: wall p50 ms | CPU p50 ms | parts written (1 row / 5,000) |",
    );
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const c of cases) {
      const s = samples.get(c)!;
      // fmt of an empty list's NaN would print "NaN": a case measured at one size shows a dash.
      const p = (xs: number[]) => xs.length === 0 ? "—" : fmt(percentile(xs, 50), 1);
      console.log(
        `| ${c.label.replace(/^ {2}/, "↳ ")} | ${p(s.one.wall)} | ${p(s.one.cpu)} | ${
          p(s.many.wall)
        } | ${p(s.many.cpu)} | ${s.one.parts.length === 0 ? "—" : percentile(s.one.parts, 50)} / ${
          percentile(s.many.parts, 50)
        } |`,
      );
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
