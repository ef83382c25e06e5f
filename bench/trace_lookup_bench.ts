/**
 * Where a trace lookup's time goes on the exporter's layout: the spans query of `getTrace`
 * (`sql/traces.ts`) against reads of single column groups over the same granules, the slice
 * lookup in `otel_traces_trace_id_ts`, and the same spans query on copies of `otel_traces` that
 * differ only in table settings: the exporter's (8,192-row granules, the engine's default
 * compressed blocks) and migration 040's (`--granularity` rows, 4-64 KiB blocks), whichever of
 * the two the data directory's `otel_traces` has. `--no-copies` measures the table as it is only
 * (a minute instead of ten at 10M spans).
 *
 *   deno run -A bench/trace_lookup_bench.ts [--spans 1000000] [--path DIR] [--granularity 1024]
 *                                           [--no-copies]
 *
 * Without `--path` it first runs `bench/query_bench.ts` to generate `--spans` spans into a
 * temporary directory (10 spans per trace over 24 h); with `--path` it reads a directory
 * `query_bench.ts --path DIR` kept. Each figure: 2 rounds over 24 random traces after a warm-up
 * round; rows and bytes are ClickHouse's own read counters (uncompressed bytes), which do not
 * depend on the machine's load, and the ratio is against the spans query in the same run.
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";
import { render, type Rendered } from "../sql/sql_template.ts";
import { traceSliceQuery, traceSpansQuery } from "../sql/traces.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt, percentile } from "./stats.ts";
import { openQueryBenchData } from "./query_bench_data.ts";

const { values } = benchArgs({
  args: Deno.args,
  allowNegative: true,
  options: {
    spans: { type: "string", default: "1000000" },
    path: { type: "string" },
    granularity: { type: "string", default: "1024" },
    copies: { type: "boolean", default: true },
  },
});
const { spans, granularity } = counts(values, ["spans", "granularity"]);

const TRACES = 24;
const ROUNDS = 2;

interface Figure {
  name: string;
  p50Ms: number;
  p95Ms: number;
  rows: number;
  bytes: number;
}

async function measure(
  store: ChdbStore,
  name: string,
  ids: string[],
  query: (id: string) => Rendered,
): Promise<Figure> {
  const times: number[] = [];
  let rows = 0;
  let bytes = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    for (const id of ids) {
      const q = query(id);
      const started = performance.now();
      const { stats } = await store.queryWithStats(q.query, { params: q.params });
      if (round === 0) continue; // warm-up: page cache and marks
      times.push(performance.now() - started);
      rows += stats.rowsRead;
      bytes += stats.bytesRead;
    }
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  return {
    name,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    rows: rows / n,
    bytes: bytes / n,
  };
}

/** The spans query's read of some columns only, over the same slice and granules. */
function columnsQuery(
  table: string,
  columns: string,
  id: string,
  slice: { fromS: bigint; toS: bigint },
): Rendered {
  return {
    query: `SELECT ${columns} FROM ${table} PREWHERE TraceId = {id:String}
WHERE toDateTime(Timestamp) >= {a:UInt32} AND toDateTime(Timestamp) <= {b:UInt32}`,
    params: { id, a: Number(slice.fromS), b: Number(slice.toS) },
  };
}

async function main(): Promise<void> {
  const { store, path } = await openQueryBenchData(
    values.path,
    spans,
    "tracehouse-trace-lookup-bench-",
  );
  try {
    const ids = (await store.query<{ id: string }>(
      `SELECT TraceId AS id FROM otel_traces_trace_id_ts ORDER BY cityHash64(TraceId, 77)
       LIMIT ${TRACES}`,
    )).map((r) => r.id);
    const slices = new Map<string, { fromS: bigint; toS: bigint }>();
    for (const id of ids) {
      const q = render(traceSliceQuery(id));
      const [row] = await store.query<{ s: string; e: string }>(q.query, { params: q.params });
      slices.set(id, { fromS: BigInt(row.s), toS: BigInt(row.e) });
    }
    const slice = (id: string) => slices.get(id)!;
    const [{ n }] = await store.query<{ n: string }>("SELECT count() AS n FROM otel_traces");
    console.log(`\ntrace lookups at ${fmt(Number(n))} spans, ${TRACES} traces × ${ROUNDS}:\n`);

    const figures: Figure[] = [];
    const spansQuery = (table: string) => (id: string) => {
      const q = render(traceSpansQuery(id, slice(id), 10_000));
      return { ...q, query: q.query.replace("FROM otel_traces\n", `FROM ${table}\n`) };
    };
    figures.push(
      await measure(store, "spans query as getTrace runs it", ids, spansQuery("otel_traces")),
    );
    figures.push(
      await measure(
        store,
        "slice lookup in otel_traces_trace_id_ts",
        ids,
        (id) => render(traceSliceQuery(id)),
      ),
    );
    const groups: [string, string][] = [
      ["TraceId only (the PREWHERE column)", "TraceId"],
      [
        "ids, Timestamp, Duration, names, status",
        "TraceId, SpanId, ParentSpanId, Timestamp, Duration, SpanName, ServiceName, SpanKind, StatusCode",
      ],
      ["SpanAttributes", "SpanAttributes"],
      ["ResourceAttributes", "ResourceAttributes"],
      [
        "Events + Links",
        "Events.Timestamp, Events.Name, Events.Attributes, Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes",
      ],
    ];
    for (const [name, columns] of groups) {
      figures.push(
        await measure(
          store,
          name,
          ids,
          (id) => columnsQuery("otel_traces", columns, id, slice(id)),
        ),
      );
    }

    // The same rows in tables that differ only in their settings.
    const [{ ddl }] = await store.query<{ ddl: string }>(
      "SELECT create_table_query AS ddl FROM system.tables WHERE database = currentDatabase() AND name = 'otel_traces'",
    );
    console.log(`otel_traces SETTINGS ${ddl.split(" SETTINGS ")[1]}\n`);
    const copies: [string, string][] = !values.copies ? [] : [
      ["otel_traces_exporter_settings", "index_granularity = 8192"],
      [
        "otel_traces_fine_blocks",
        `index_granularity = ${granularity}, min_compress_block_size = 4096, max_compress_block_size = 65536`,
      ],
    ];
    for (const [table, settings] of copies) {
      await store.command(`DROP TABLE IF EXISTS ${table}`);
      await store.command(
        ddl.replace(/CREATE TABLE \S+/, `CREATE TABLE ${table}`)
          .replace(/ SETTINGS .*$/s, ` SETTINGS ${settings}, ttl_only_drop_parts = 1`),
      );
      await store.command(`INSERT INTO ${table} SELECT * FROM otel_traces`);
      await store.command(`OPTIMIZE TABLE ${table} FINAL`);
    }
    if (values.copies) await store.command("OPTIMIZE TABLE otel_traces FINAL");
    const sizes = await store.query<{ table: string; bytes: string }>(
      `SELECT table, sum(bytes_on_disk) AS bytes FROM system.parts
       WHERE database = currentDatabase() AND active AND startsWith(table, 'otel_traces')
       GROUP BY table`,
    );
    const perSpan = (table: string) =>
      fmt(Number(sizes.find((r) => r.table === table)?.bytes ?? 0) / Number(n), 2);
    if (values.copies) {
      figures.push(
        await measure(
          store,
          "spans query, all merged (baseline for the next)",
          ids,
          spansQuery("otel_traces"),
        ),
      );
    }
    for (const [table, settings] of copies) {
      figures.push(
        await measure(store, `spans query, copy with ${settings}`, ids, spansQuery(table)),
      );
      figures.push(
        await measure(
          store,
          `TraceId only, copy with ${settings}`,
          ids,
          (id) => columnsQuery(table, "TraceId", id, slice(id)),
        ),
      );
    }
    for (const [table] of copies) await store.command(`DROP TABLE ${table}`);

    const base = figures[0];
    console.log("| read | p50 | p95 | rows | MB read | × spans query's time |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const f of figures) {
      console.log(
        `| ${f.name} | ${fmt(f.p50Ms, 1)} ms | ${fmt(f.p95Ms, 1)} ms | ${fmt(f.rows)} | ${
          fmt(f.bytes / 1e6, 2)
        } | ${fmt(f.p50Ms / base.p50Ms, 2)} |`,
      );
    }
    console.log(
      `\non disk, B/span (one part per partition): otel_traces ${perSpan("otel_traces")}`,
    );
    for (const [table, settings] of copies) {
      console.log(`  copy with ${settings}: ${perSpan(table)}`);
    }
    console.log(`load average: ${Deno.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  } finally {
    await store.close();
    if (values.path === undefined) await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

await main();
