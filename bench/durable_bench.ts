/**
 * Durability benchmark: what `TRACEHOUSE_DURABLE_INSERTS=on` (`fsync_after_insert` and
 * `fsync_part_directory` on every table, `sql/durable_inserts.ts`) costs an insert, against the
 * same inserts without it, in the same run. Realistic span rows go into `otel_traces` (with its
 * materialized views, whose target tables are fsynced too) in big batches, as the receiver sends
 * them under load, and in small ones, as it sends them when quiet (a batch closes at 200 ms).
 * Settings take turns round by round; each figure is the median of its rounds (with the range).
 *
 *   deno run -A bench/durable_bench.ts [--rows 200000] [--big 50000] [--small 1000] [--rounds 3]
 *
 * The figure depends on the disk: fsync on tmpfs (`TMPDIR=/dev/shm`) costs nothing, and on a
 * laptop SSD or a cloud volume it costs what that device takes to flush.
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";
import { setDurableInserts } from "../sql/durable_inserts.ts";
import { migrate } from "../sql/migrate.ts";
import { TRACES_COLUMNS } from "../sql/schema.ts";
import { spanRows } from "./span_rows.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt, percentile } from "./stats.ts";

const { values } = benchArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "200000" },
    big: { type: "string", default: "50000" },
    small: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
  },
});
const { rows: total, big, small, rounds } = counts(values, ["rows", "big", "small", "rounds"]);

const dir = await Deno.makeTempDir({ prefix: "tracehouse-durable-bench-" });
const store = await ChdbStore.open({ path: dir });
await migrate(store, { database: "default", retentionDays: { traces: 30, logs: 7, metrics: 30 } });
console.log(
  `durable_bench: ${fmt(total)} span rows in batches of ${fmt(big)} and ${fmt(small)}, ` +
    `chDB embedded, data in ${dir}`,
);
const rows = spanRows(total, 11, BigInt(Date.now()) * 1_000_000n);
// Small batches: fewer rows, or a round takes minutes with fsync on a slow disk.
const smallTotal = Math.min(total, small * 100);

/** Inserts `count` rows in batches of `batch`, one at a time; returns rows/s. */
async function timedInserts(count: number, batch: number): Promise<number> {
  await store.command("TRUNCATE TABLE otel_traces");
  const started = performance.now();
  for (let i = 0; i < count; i += batch) {
    await store.insert("otel_traces", rows.slice(i, Math.min(i + batch, count)), {
      columns: TRACES_COLUMNS,
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const [{ n }] = await store.query<{ n: string }>("SELECT count() AS n FROM otel_traces");
  if (Number(n) !== count) throw new Error(`expected ${count} rows, found ${n}`);
  return count / seconds;
}

await store.insert("otel_traces", rows.slice(0, 1000), { columns: TRACES_COLUMNS }); // warm-up
const rates: Record<"off" | "on", { big: number[]; small: number[] }> = {
  off: { big: [], small: [] },
  on: { big: [], small: [] },
};
for (let round = 0; round < rounds; round++) {
  // Alternate which setting goes first, so a drift over the run does not favour one.
  const order = round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
  for (const mode of order) {
    await setDurableInserts(store, { database: "default", enabled: mode === "on" });
    rates[mode].big.push(await timedInserts(total, big));
    rates[mode].small.push(await timedInserts(smallTotal, small));
  }
}
await store.close();
await Deno.remove(dir, { recursive: true });

const line = (label: string, samples: number[], baseline: number[]) => {
  const median = percentile(samples, 50);
  const ratio = samples === baseline
    ? "(baseline)"
    : `${fmt(median / percentile(baseline, 50), 2)}x`;
  const range = `${fmt(Math.min(...samples))}–${fmt(Math.max(...samples))}`;
  console.log(`  ${label.padEnd(34)} ${fmt(median).padStart(9)} rows/s  ${ratio}  (${range})`);
};
console.log(`  medians of ${rounds} rounds (range)`);
line(`batches of ${fmt(big)}, fsync off`, rates.off.big, rates.off.big);
line(`batches of ${fmt(big)}, fsync on`, rates.on.big, rates.off.big);
line(`batches of ${fmt(small)}, fsync off`, rates.off.small, rates.off.small);
line(`batches of ${fmt(small)}, fsync on`, rates.on.small, rates.off.small);
