/**
 * Archive benchmark: one day of realistic spans (`span_rows.ts`) in
 * `otel_traces`, exported to Parquet in a local directory with the archive's
 * own `INSERT INTO FUNCTION file() … SELECT` on one core (`max_threads = 1`,
 * serial Parquet encoding), then verified (count and checksum of table and
 * archive). Prints rows/s and MB/s of Parquet, and the Parquet bytes per span
 * against the table's own bytes on disk for the same partition (after a merge,
 * as it would be days later).
 *
 * Baseline in the same run: reading every column of the day once
 * (`SELECT * … FORMAT Null`), the least any export must do.
 *
 *   deno run -A bench/archive_bench.ts [--rows 300000] [--rounds 3] [--s3]
 *
 * `--s3` writes to a local gofakes3 (`.ci/setup.d/70-s3.sh`) instead of a directory: the same
 * export plus the HTTP upload, on loopback.
 *
 * @module
 */
import { archiveDigest, sourceDigest } from "../archive/checksum.ts";
import { exportDay } from "../archive/export.ts";
import { ARCHIVED_TABLES, tableStructure } from "../archive/tables.ts";
import { parseArchiveTarget } from "../archive/target.ts";
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { TRACES_COLUMNS } from "../sql/schema.ts";
import { benchArgs, counts } from "./cli.ts";
import { spanRows } from "./span_rows.ts";
import { startS3 } from "../tests/s3_server.ts";
import { fmt, percentile } from "./stats.ts";

const { values } = benchArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "300000" },
    rounds: { type: "string", default: "3" },
    s3: { type: "boolean", default: false },
  },
});
const { rows: total, rounds } = counts(values, ["rows", "rounds"]);

const dir = await Deno.makeTempDir({ prefix: "tracehouse-archive-bench-" });
const store = await ChdbStore.open({ path: `${dir}/data` });
await migrate(store, { database: "default", retentionDays: { traces: 30, logs: 7, metrics: 30 } });
const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
const startNs = BigInt(Date.parse(`${day}T00:00:00Z`)) * 1_000_000n;
console.log(`archive_bench: ${fmt(total)} spans of ${day}, chDB embedded, one core`);
for (let i = 0; i < total; i += 50_000) {
  const batch = spanRows(Math.min(50_000, total - i), 11 + i, startNs + BigInt(i) * 1_000_000n);
  await store.insert("otel_traces", batch, { columns: TRACES_COLUMNS });
}
await store.command("OPTIMIZE TABLE otel_traces FINAL", { settings: { max_execution_time: 0 } });
const table = ARCHIVED_TABLES.find((t) => t.signal === "traces")!;
const structure = await tableStructure(store, table.table);
const s3 = values.s3 ? await startS3("bench") : undefined;
const target = s3
  ? parseArchiveTarget("s3://bench/archive", {
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
  })
  : parseArchiveTarget(`${dir}/archive`, {});
console.log(`target: ${s3 ? `gofakes3 at ${s3.endpoint}` : "a local directory"}`);
const oneCore = { max_threads: 1, output_format_parquet_parallel_encoding: 0 };
const partition = day.replaceAll("-", "");

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

const read: number[] = [];
const exported: number[] = [];
const verified: number[] = [];
for (let round = 0; round < rounds; round++) {
  read.push(
    await timed(() =>
      store.query(
        `SELECT * FROM otel_traces WHERE _partition_id = {p:String} FORMAT Null`,
        { params: { p: partition }, settings: oneCore },
      )
    ),
  );
  exported.push(
    await timed(() => exportDay(store, target, table, day, total, total, oneCore)),
  );
  verified.push(
    await timed(async () => {
      await sourceDigest(store, table, day);
      await archiveDigest(store, target, table, day, structure);
    }),
  );
}
const digest = await archiveDigest(store, target, table, day, structure);
const source = await sourceDigest(store, table, day);
if (digest.rows !== total || digest.checksum !== source.checksum) {
  throw new Error(`the archive does not match the table: ${JSON.stringify({ digest, source })}`);
}
const [{ bytes, uncompressed }] = await store.query<{ bytes: string; uncompressed: string }>(
  `SELECT sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS uncompressed
   FROM system.parts WHERE database = currentDatabase() AND table = 'otel_traces' AND active
     AND partition_id = {p:String}`,
  { params: { p: partition } },
);
const parquet = digest.parts.reduce((n, p) => n + p.bytes, 0);
const median = (xs: number[]) => percentile(xs, 50);
const range = (xs: number[]) => `${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)} s`;
console.log(
  `read the day (baseline)   ${fmt(median(read), 2)} s (${range(read)}), ${
    fmt(total / median(read))
  } rows/s`,
);
console.log(
  `export to Parquet         ${fmt(median(exported), 2)} s (${range(exported)}), ${
    fmt(total / median(exported))
  } rows/s, ${fmt(parquet / 1e6 / median(exported), 1)} MB/s of Parquet, ${
    fmt(median(exported) / median(read), 1)
  }x the baseline`,
);
console.log(
  `verify (count + checksum) ${fmt(median(verified), 2)} s (${range(verified)}), ${
    fmt(median(verified) / median(read), 1)
  }x the baseline`,
);
console.log(
  `bytes per span            Parquet (zstd) ${fmt(parquet / total, 1)}, table on disk ${
    fmt(Number(bytes) / total, 1)
  } (${fmt(parquet / Number(bytes), 2)}x), uncompressed ${fmt(Number(uncompressed) / total, 1)}`,
);
await store.close();
await s3?.stop();
await Deno.remove(dir, { recursive: true });
