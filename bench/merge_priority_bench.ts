/**
 * What the engine's merge threads cost the statements beside them, at ClickHouse's own priority
 * (nice 0) and at Tracehouse's default (`MERGE_THREADS_NICE`). Each phase reopens the same data
 * directory with one nice value and, for `--seconds`, inserts 5,000-span blocks into
 * `otel_traces` back to back (so merges run all the time) while a dashboard user looks up traces
 * by id (`getTrace`, 20 ms apart). The values take turns, phase after phase, so load from other
 * processes spreads over both.
 *
 *   deno run -A bench/merge_priority_bench.ts [--seconds 8] [--rounds 3] [--nice 10]
 *
 * Prints per value: rows inserted per second, insert p50 / p95, trace by id p50 / p95, and the
 * most active `otel_traces` parts seen (whether merges keep up).
 *
 * @module
 */
import { ChdbStore, MERGE_THREADS_NICE } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { TRACES_COLUMNS } from "../sql/schema.ts";
import { encodeNative } from "../sql/native/mod.ts";
import { getTrace } from "../sql/traces.ts";
import { spanRows } from "./span_rows.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt, percentile } from "./stats.ts";

interface Phase {
  rowsPerSecond: number;
  inserts: number[];
  lookups: number[];
  maxParts: number;
}

/** Runs the benchmark and prints one line per nice value. */
export async function main(args: string[] = Deno.args): Promise<void> {
  const { values } = benchArgs({
    args,
    options: {
      seconds: { type: "string", default: "8" },
      rounds: { type: "string", default: "3" },
      nice: { type: "string", default: String(MERGE_THREADS_NICE) },
    },
  });
  const n = counts(values, ["seconds", "rounds", "nice"]);
  if (n.nice > 19) {
    console.error(`Bad flag: --nice=${values.nice} (expected a whole number from 1 to 19)`);
    Deno.exit(2);
  }
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-merge-priority-" });
  const now = BigInt(Date.now()) * 1_000_000n;
  const blocks = Array.from({ length: 8 }, (_, i) => {
    const rows = spanRows(5000, 500 + i, now);
    return { native: encodeNative(rows, TRACES_COLUMNS), rows: rows.length };
  });
  const traceIds = [...new Set(blocks.flatMap((_, i) => spanRows(50, 500 + i, now)))]
    .map((row) => row.TraceId as string);
  const results: Record<number, Phase[]> = { 0: [], [n.nice]: [] };
  try {
    const setup = await ChdbStore.open({ path: dir });
    await migrate(setup, {
      database: "default",
      retentionDays: { traces: 30, logs: 30, metrics: 30 },
    });
    for (const block of blocks) {
      await setup.insert("otel_traces", block, { columns: TRACES_COLUMNS });
    }
    await setup.close();
    for (let round = 0; round < n.rounds; round++) {
      for (const nice of round % 2 === 0 ? [0, n.nice] : [n.nice, 0]) {
        results[nice].push(await phase(dir, nice, n.seconds, blocks, traceIds));
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  console.log(
    `merge_priority_bench: 5,000-span inserts back to back + trace lookups 20 ms apart, ` +
      `${n.seconds} s phases, ${n.rounds} per value, in turns; load average ${
        Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
      } (2-core machine shared with other work)`,
  );
  console.log(
    "| merge threads | rows/s (phases) | insert p50 / p95 ms | trace by id p50 / p95 ms | most active parts |",
  );
  console.log("| --- | --- | --- | --- | --- |");
  for (const nice of [0, n.nice]) {
    const phases = results[nice];
    const all = (pick: (p: Phase) => number[]) => phases.flatMap(pick);
    console.log(
      `| nice ${nice} | ${phases.map((p) => fmt(p.rowsPerSecond)).join(", ")} | ${
        fmt(percentile(all((p) => p.inserts), 50))
      } / ${fmt(percentile(all((p) => p.inserts), 95))} | ${
        fmt(percentile(all((p) => p.lookups), 50), 1)
      } / ${fmt(percentile(all((p) => p.lookups), 95), 1)} | ${
        Math.max(...phases.map((p) => p.maxParts))
      } |`,
    );
  }
}

async function phase(
  dir: string,
  nice: number,
  seconds: number,
  blocks: { native: Uint8Array; rows: number }[],
  traceIds: string[],
): Promise<Phase> {
  const store = await ChdbStore.open({ path: dir, mergeThreadsNice: nice });
  try {
    const deadline = performance.now() + seconds * 1000;
    const inserts: number[] = [];
    const lookups: number[] = [];
    let rows = 0;
    let maxParts = 0;
    const writer = async () => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t = performance.now();
        await store.insert("otel_traces", blocks[i % blocks.length], { columns: TRACES_COLUMNS });
        inserts.push(performance.now() - t);
        rows += blocks[i % blocks.length].rows;
        const [{ parts }] = await store.query<{ parts: string }>(
          "SELECT count() AS parts FROM system.parts WHERE active AND table = 'otel_traces'",
          { lane: "background" },
        );
        maxParts = Math.max(maxParts, Number(parts));
      }
    };
    const reader = async () => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t = performance.now();
        if ((await getTrace(store, traceIds[i % traceIds.length])) === null) {
          throw new Error("an inserted trace was not found");
        }
        lookups.push(performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const started = performance.now();
    await Promise.all([writer(), reader()]);
    return {
      rowsPerSecond: rows / ((performance.now() - started) / 1000),
      inserts,
      lookups,
      maxParts,
    };
  } finally {
    await store.close();
  }
}

if (import.meta.main) await main();
