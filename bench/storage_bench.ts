/**
 * Storage per span: bytes per column of `otel_traces` with the exporter's codecs, and with codec
 * variants that keep the exporter's column names and types, over the same rows.
 *
 *   deno run -A bench/storage_bench.ts [--spans 1000000] [--path DIR]
 *
 * Without `--path` it first runs `bench/query_bench.ts` to generate `--spans` spans into a
 * temporary directory (its generator: 10 spans per trace over 24 h, 4 span and 4 resource
 * attributes); with `--path` it reads a directory `query_bench.ts --path DIR` kept. Each variant
 * is a copy of the table (`CREATE TABLE … AS otel_traces`, then `MODIFY COLUMN … CODEC`), filled
 * with `INSERT … SELECT` and merged to one part per partition, so parts compare like for like.
 * Bytes are deterministic; the CPU seconds of the copy (insert + merge, engine threads included)
 * are the cost and move with the machine's load.
 *
 * @module
 */
import process from "node:process";
import { ChdbStore } from "../sql/chdb.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt } from "./stats.ts";
import { generateQueryBenchSpans } from "./query_bench_data.ts";

const { values } = benchArgs({
  args: Deno.args,
  options: { spans: { type: "string", default: "1000000" }, path: { type: "string" } },
});
const { spans } = counts(values, ["spans"]);

const IDS = ["TraceId", "SpanId", "ParentSpanId"];
const MAPS = ["ResourceAttributes", "SpanAttributes"];

/** Codec changes per variant: column → codec. The baseline is migration 001 (exporter v0.161). */
const VARIANTS: Record<string, Record<string, string>> = {
  "exporter v0.165 (ZSTD(3) everywhere)": Object.fromEntries([
    ["Timestamp", "Delta, ZSTD(3)"],
    ...[...IDS, ...MAPS, "Duration", "TraceState", "ScopeName", "ScopeVersion", "StatusMessage"]
      .map((c) => [c, "ZSTD(3)"]),
  ]),
  "maps ZSTD(9), Duration T64 + ZSTD(3)": Object.fromEntries([
    ["Duration", "T64, ZSTD(3)"],
    ...MAPS.map((c) => [c, "ZSTD(9)"]),
  ]),
  "maps ZSTD(3), Duration T64 + ZSTD(1)": Object.fromEntries([
    ["Duration", "T64, ZSTD(1)"],
    ...MAPS.map((c) => [c, "ZSTD(3)"]),
  ]),
  "Timestamp DoubleDelta, maps ZSTD(15)": Object.fromEntries([
    ["Timestamp", "DoubleDelta, ZSTD(3)"],
    ...MAPS.map((c) => [c, "ZSTD(15)"]),
  ]),
};

interface Sizes {
  perColumn: Map<string, number>;
  onDisk: number;
  skipIndexes: number;
  rows: number;
}

async function sizes(store: ChdbStore, table: string): Promise<Sizes> {
  const params = { table };
  const columns = await store.query<{ column: string; bytes: string }>(
    `SELECT column, sum(column_data_compressed_bytes) AS bytes FROM system.parts_columns
     WHERE database = currentDatabase() AND table = {table:String} AND active GROUP BY column`,
    { params },
  );
  const [parts] = await store.query<{ disk: string; idx: string; rows: string }>(
    `SELECT sum(bytes_on_disk) AS disk, sum(secondary_indices_compressed_bytes) AS idx,
       sum(rows) AS rows FROM system.parts
     WHERE database = currentDatabase() AND table = {table:String} AND active`,
    { params },
  );
  return {
    perColumn: new Map(columns.map((c) => [c.column, Number(c.bytes)])),
    onDisk: Number(parts.disk),
    skipIndexes: Number(parts.idx),
    rows: Number(parts.rows),
  };
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function main(): Promise<void> {
  const path = values.path ?? await Deno.makeTempDir({ prefix: "tracehouse-storage-bench-" });
  if (values.path === undefined) await generateQueryBenchSpans(path, spans);
  const store = await ChdbStore.open({ path, database: "bench" });
  try {
    await store.command("OPTIMIZE TABLE otel_traces FINAL");
    const base = await sizes(store, "otel_traces");
    const results: [string, Sizes, number][] = [];
    for (const [name, changes] of Object.entries(VARIANTS)) {
      await store.command("DROP TABLE IF EXISTS storage_variant");
      await store.command("CREATE TABLE storage_variant AS otel_traces");
      for (const [column, codec] of Object.entries(changes)) {
        const [{ type }] = await store.query<{ type: string }>(
          `SELECT type FROM system.columns
           WHERE database = currentDatabase() AND table = 'otel_traces' AND name = {c:String}`,
          { params: { c: column } },
        );
        await store.command(
          `ALTER TABLE storage_variant MODIFY COLUMN \`${column}\` ${type} CODEC(${codec})`,
        );
      }
      const started = cpuSeconds();
      await store.command("INSERT INTO storage_variant SELECT * FROM otel_traces");
      await store.command("OPTIMIZE TABLE storage_variant FINAL");
      results.push([name, await sizes(store, "storage_variant"), cpuSeconds() - started]);
      await store.command("DROP TABLE storage_variant");
    }
    const perSpan = (bytes: number, s: Sizes) => fmt(bytes / s.rows, 2);
    console.log(`\notel_traces, ${fmt(base.rows)} spans; bytes per span (compressed):\n`);
    const header = ["column", "exporter v0.161 (ours)", ...results.map(([name]) => name)];
    console.log(`| ${header.join(" | ")} |`);
    console.log(`| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`);
    const order = [...base.perColumn.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
    for (const column of order.filter((c) => base.perColumn.get(c)! / base.rows >= 0.05)) {
      const cells = [base, ...results.map(([, s]) => s)].map((s) =>
        perSpan(s.perColumn.get(column) ?? 0, s)
      );
      console.log(`| ${column} | ${cells.join(" | ")} |`);
    }
    const all = [base, ...results.map(([, s]) => s)];
    console.log(`| skip indexes | ${all.map((s) => perSpan(s.skipIndexes, s)).join(" | ")} |`);
    console.log(`| **on disk** | ${all.map((s) => `**${perSpan(s.onDisk, s)}**`).join(" | ")} |`);
    console.log(
      `| CPU s to copy + merge | — | ${results.map(([, , cpu]) => fmt(cpu, 1)).join(" | ")} |`,
    );
  } finally {
    await store.close();
    if (values.path === undefined) await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

await main();
