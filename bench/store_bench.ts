/**
 * Store benchmark: bulk inserts of realistic span rows into `otel_traces`
 * through the Native path and through JSONEachRow in the same run, then the
 * latency of a trace-by-id point query.
 *
 * The formats take turns over several rounds and each figure is the median of its rounds (with
 * the range), so a burst of noise or of background merges on this shared machine lands on one
 * round of one format rather than deciding the ratio.
 *
 *   deno run -A bench/store_bench.ts [--rows 500000] [--batch 50000] [--rounds 3]
 *
 * The data directory is a temporary directory: `TMPDIR=/dev/shm` puts it on tmpfs, which takes the
 * disk's own variance (file creation and deletion on a busy ext4) out of the figure.
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { TRACES_COLUMNS } from "../sql/schema.ts";
import { encodeNative } from "../sql/native/mod.ts";
import { spanRows } from "./span_rows.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt, percentile } from "./stats.ts";

const { values } = benchArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "500000" },
    batch: { type: "string", default: "50000" },
    rounds: { type: "string", default: "3" },
  },
});
const { rows: total, batch: batchSize, rounds } = counts(values, ["rows", "batch", "rounds"]);

const dir = await Deno.makeTempDir({ prefix: "tracehouse-store-bench-" });
const store = await ChdbStore.open({ path: dir });
await migrate(store, {
  database: "default",
  retentionDays: { traces: 30, logs: 7, metrics: 30 },
});

console.log(`store_bench: ${fmt(total)} span rows, batches of ${fmt(batchSize)}, chDB embedded`);
const rows = spanRows(total, 7, BigInt(Date.now()) * 1_000_000n);

/**
 * Inserts every row in batches and returns rows/s. With `inFlight` 2, the next
 * batch is encoded while ClickHouse writes the previous one (the engine call
 * runs on its own thread), which is how the OTLP batcher uses the store.
 */
async function timedInserts(format: "Native" | "JSONEachRow", inFlight = 1): Promise<number> {
  await store.command("TRUNCATE TABLE otel_traces");
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    pending.push(
      store.insert("otel_traces", rows.slice(i, i + batchSize), {
        columns: TRACES_COLUMNS,
        format,
      }),
    );
    if (pending.length >= inFlight) await pending.shift();
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  const [{ n }] = await store.query<{ n: string }>("SELECT count() AS n FROM otel_traces");
  if (Number(n) !== total) throw new Error(`${format}: expected ${total} rows, found ${n}`);
  return total / seconds;
}

function timedEncode(): number {
  const started = performance.now();
  for (let i = 0; i < rows.length; i += batchSize) {
    encodeNative(rows.slice(i, i + batchSize), TRACES_COLUMNS);
  }
  return total / ((performance.now() - started) / 1000);
}

// Warm up both paths (JIT, first parts) on a small slice, then measure.
await store.insert("otel_traces", rows.slice(0, 1000), { columns: TRACES_COLUMNS });
const encodeRates: number[] = [];
const jsonRates: number[] = [];
const nativeRates: number[] = [];
const pipelinedRates: number[] = [];
for (let round = 0; round < rounds; round++) {
  encodeRates.push(timedEncode());
  jsonRates.push(await timedInserts("JSONEachRow"));
  nativeRates.push(await timedInserts("Native"));
  pipelinedRates.push(await timedInserts("Native", 2));
}

const ids = await store.query<{ TraceId: string }>(
  "SELECT TraceId FROM otel_traces GROUP BY TraceId ORDER BY cityHash64(TraceId) LIMIT 200",
);
const latencies: number[] = [];
let rowsRead = 0;
for (const { TraceId } of ids) {
  const started = performance.now();
  const { stats } = await store.queryWithStats(
    `WITH (SELECT (min(Start), max(End)) FROM otel_traces_trace_id_ts WHERE TraceId = {id:String}) AS slice
     SELECT * FROM otel_traces PREWHERE TraceId = {id:String}
     WHERE Timestamp BETWEEN slice.1 AND slice.2 + 1 ORDER BY Timestamp`,
    { params: { id: TraceId } },
  );
  latencies.push(performance.now() - started);
  rowsRead += stats.rowsRead;
}

const jsonRate = percentile(jsonRates, 50);
const rate = (label: string, rates: number[], note = "") => {
  const median = percentile(rates, 50);
  const range = `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}`;
  const ratio = note || `${fmt(median / jsonRate, 2)}x JSONEachRow`;
  console.log(`  ${label.padEnd(28)} ${fmt(median).padStart(10)} rows/s   ${ratio}  (${range})`);
};
console.log(`  medians of ${rounds} rounds (range)`);
rate("Native encode only", encodeRates, "no engine");
rate("insert JSONEachRow", jsonRates, "(baseline)");
rate("insert Native", nativeRates);
rate("insert Native, 2 in flight", pipelinedRates);
console.log(
  `  trace by id (${ids.length} ids)     p50 ${fmt(percentile(latencies, 50), 2)} ms, p95 ${
    fmt(percentile(latencies, 95), 2)
  } ms, ${fmt(rowsRead / ids.length)} rows read per lookup of ${fmt(total)}`,
);
await store.close();
await Deno.remove(dir, { recursive: true });
