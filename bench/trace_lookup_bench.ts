/**
 * Where a trace lookup's time goes on the exporter's layout. First the whole `getTrace`
 * (`sql/traces.ts`: one statement, the slice lookup in `otel_traces_trace_id_ts` as a scalar
 * subquery of the spans query) against the two statements it ran before (the slice lookup, then
 * the spans query with the slice as parameters), taking turns trace by trace in the same run. Then
 * the spans query alone against reads of single column groups over the same granules, the slice
 * lookup alone, and the same spans query on copies of `otel_traces` that differ only in table
 * settings: the exporter's (8,192-row granules, the engine's default compressed blocks) and
 * migration 040's (`--granularity` rows, 4-64 KiB blocks), whichever of the two the data
 * directory's `otel_traces` has. `--no-copies` measures the table as it is only (a minute instead
 * of ten at 10M spans).
 *
 *   deno run -A bench/trace_lookup_bench.ts [--spans 1000000] [--path DIR] [--granularity 1024]
 *                                           [--rounds 2] [--no-copies]
 *
 * Without `--path` it first runs `bench/query_bench.ts` to generate `--spans` spans into a
 * temporary directory (10 spans per trace over 24 h); with `--path` it reads a directory
 * `query_bench.ts --path DIR` kept. Each figure: `--rounds` rounds over 24 random traces after a
 * warm-up round, all with the query condition cache off as `getTrace` has it (on, it would serve
 * repeated lookups of a trace); rows and bytes are ClickHouse's own read counters (uncompressed
 * bytes), which do not depend on the machine's load, and the ratio is against the first line of
 * its table.
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";
import { render, type Rendered } from "../sql/sql_template.ts";
import { callOptions } from "../sql/query_common.ts";
import { getTrace, traceSliceQuery, traceSpansQuery } from "../sql/traces.ts";
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
    rounds: { type: "string", default: "2" },
    copies: { type: "boolean", default: true },
  },
});
const { spans, granularity, rounds: ROUNDS } = counts(values, ["spans", "granularity", "rounds"]);

const TRACES = 24;

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
      // callOptions(): the query condition cache off, as getTrace has it. On, it remembers the
      // granules of each trace from the previous round (0.87× the time, fewer rows read).
      const { stats } = await store.queryWithStats(q.query, { params: q.params, ...callOptions() });
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

/** One way to look a trace up, timed as a whole; `null` when the trace was not found. */
type Lookup = (store: ChdbStore, id: string) => Promise<number | null>;

/** `getTrace` before this version: the slice lookup, then the spans query, as two statements. */
async function twoStatements(store: ChdbStore, id: string): Promise<number | null> {
  const call = callOptions();
  const s = render(traceSliceQuery(id));
  const [found] = await store.query<{ n: string; s: string; e: string }>(s.query, {
    params: s.params,
    ...call,
  });
  if (!found || Number(found.n) === 0) return null;
  const q = render(traceSpansQuery(id, { fromS: BigInt(found.s), toS: BigInt(found.e) }, 10_000));
  const rows = await store.query(q.query, { params: q.params, ...call });
  return rows.length === 0 ? null : rows.length;
}

/**
 * Whole lookups, the ways taking turns trace by trace so that load from other processes falls on
 * all of them alike; rows and bytes are those of the statements each way runs.
 */
async function measureLookups(
  store: ChdbStore,
  ids: string[],
  ways: [string, Lookup, (id: string) => Rendered[]][],
): Promise<Figure[]> {
  const times = ways.map((): number[] => []);
  const read = ways.map(() => ({ rows: 0, bytes: 0 }));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const id of ids) {
      for (const [i, [name, lookup]] of ways.entries()) {
        const started = performance.now();
        if (await lookup(store, id) === null) throw new Error(`${name}: trace ${id} not found`);
        if (round > 0) times[i].push(performance.now() - started);
      }
    }
  }
  for (const id of ids) {
    for (const [i, [, , statements]] of ways.entries()) {
      for (const q of statements(id)) {
        const { stats } = await store.queryWithStats(q.query, {
          params: q.params,
          ...callOptions(),
        });
        read[i].rows += stats.rowsRead;
        read[i].bytes += stats.bytesRead;
      }
    }
  }
  return ways.map(([name], i) => {
    const sorted = times[i].sort((a, b) => a - b);
    return {
      name,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      rows: read[i].rows / ids.length,
      bytes: read[i].bytes / ids.length,
    };
  });
}

function printFigures(figures: Figure[], ratioTo: string): void {
  const base = figures[0];
  console.log(`| read | p50 | p95 | rows | MB read | × ${ratioTo} |`);
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const f of figures) {
    console.log(
      `| ${f.name} | ${fmt(f.p50Ms, 1)} ms | ${fmt(f.p95Ms, 1)} ms | ${fmt(f.rows)} | ${
        fmt(f.bytes / 1e6, 2)
      } | ${fmt(f.p50Ms / base.p50Ms, 2)} |`,
    );
  }
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

    const lookups = await measureLookups(store, ids, [
      [
        "whole lookup, two statements (slice, then spans: getTrace before)",
        twoStatements,
        (id) => [
          render(traceSliceQuery(id)),
          render(traceSpansQuery(id, slice(id), 10_000)),
        ],
      ],
      [
        "whole lookup, one statement (getTrace itself)",
        async (store, id) => (await getTrace(store, id))?.spans.length ?? null,
        (id) => [render(traceSpansQuery(id, "lookup", 10_000))],
      ],
    ]);
    printFigures(lookups, "two statements' time");
    console.log(`load average: ${Deno.loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);

    const figures: Figure[] = [];
    const spansQuery = (table: string) => (id: string) => {
      const q = render(traceSpansQuery(id, slice(id), 10_000));
      return { ...q, query: q.query.replace("FROM otel_traces\n", `FROM ${table}\n`) };
    };
    figures.push(
      await measure(
        store,
        "spans query alone, slice as parameters",
        ids,
        spansQuery("otel_traces"),
      ),
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

    printFigures(figures, "spans query's time");
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
