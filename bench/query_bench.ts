/**
 * Query API benchmark: generates spans, logs and metric points into a fresh
 * embedded store (through the real tables and materialized views), then
 * reports p50/p95 latency and rows read for the query patterns of
 * `docs/query-optimization.md`.
 *
 *   deno run -A bench/query_bench.ts [--spans 2000000] [--logs 2000000]
 *     [--series 160] [--iterations 30] [--explain] [--json]
 *     [--path DIR [--reuse]] [--only SUBSTRING] [--no-projection]
 *
 * `--path` keeps the data in DIR; `--reuse` runs the queries over data a
 * previous run kept there (no generation; the 24 h window is taken from the
 * data). `--only` runs the figures whose name contains SUBSTRING. Unless
 * `--no-projection`, the run ends by adding the opt-in trace-id projection
 * (sql/trace_projection.ts), timing trace lookups with it and dropping it.
 *
 * Sizes also come from QUERY_BENCH_SPANS, QUERY_BENCH_LOGS, QUERY_BENCH_SERIES.
 * The target is 10M spans and 10M logs; the default is 2M each so a
 * run fits in a few minutes on a small shared machine.
 *
 * @module
 */
import { createApiApp } from "../routes/api/mod.ts";
import { ChdbStore } from "../sql/chdb.ts";
import { FIRST_WINDOW_NS as LOG_WINDOW_NS, listLogs, logsQuery } from "../sql/logs.ts";
import { migrate } from "../sql/migrate.ts";
import { queryMetric } from "../sql/metrics.ts";
import { timeParam } from "../sql/query_common.ts";
import { listServices, servicesQuery } from "../sql/services.ts";
import { param, render, type Rendered, sql } from "../sql/sql_template.ts";
import type { CallOptions, QueryResult, Store } from "../sql/store.ts";
import {
  FIRST_WINDOW_NS as TRACE_WINDOW_NS,
  getTrace,
  listTraces,
  traceSpansQuery,
  tracesQuery,
} from "../sql/traces.ts";
import { setTraceIdProjection } from "../sql/trace_projection.ts";
import { benchArgs, counts } from "./cli.ts";
import { HISTOGRAM_COLUMNS, insertGenerated, LOG_COLUMNS, SPAN_COLUMNS } from "./generated_rows.ts";

const { values: flags } = benchArgs({
  args: Deno.args,
  allowNegative: true,
  options: {
    spans: { type: "string", default: Deno.env.get("QUERY_BENCH_SPANS") ?? "2000000" },
    logs: { type: "string", default: Deno.env.get("QUERY_BENCH_LOGS") ?? "2000000" },
    series: { type: "string", default: Deno.env.get("QUERY_BENCH_SERIES") ?? "160" },
    iterations: { type: "string", default: "30" },
    path: { type: "string" },
    reuse: { type: "boolean", default: false },
    projection: { type: "boolean", default: true },
    only: { type: "string" },
    explain: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const { spans: SPANS, logs: LOGS, series: SERIES, iterations: ITERATIONS } = counts(
  flags,
  ["spans", "logs", "series", "iterations"],
);
const SERVICES = 50;
const SPANS_PER_TRACE = 10;
const DAY_S = 86_400;
/** Data covers the 24 h before END (whole minutes, so rollup and raw cover the same points). */
let END_S = Math.floor(Date.now() / 60_000) * 60;
let START_S = END_S - DAY_S;

/** Counts rows read by every query, whatever module issues it. */
class CountingStore implements Store {
  readonly kind: Store["kind"];
  readonly database: string;
  rowsRead = 0;
  #inner: Store;
  constructor(inner: Store) {
    this.#inner = inner;
    this.kind = inner.kind;
    this.database = inner.database;
  }
  async query<Row>(sql: string, options?: CallOptions): Promise<Row[]> {
    return (await this.queryWithStats<Row>(sql, options)).rows;
  }
  async queryWithStats<Row>(sql: string, options?: CallOptions): Promise<QueryResult<Row>> {
    const result = await this.#inner.queryWithStats<Row>(sql, options);
    this.rowsRead += result.stats.rowsRead;
    return result;
  }
  command(sql: string, options?: CallOptions): Promise<void> {
    return this.#inner.command(sql, options);
  }
  insert: Store["insert"] = (table, rows, options) => this.#inner.insert(table, rows, options);
  close(): Promise<void> {
    return this.#inner.close();
  }
}

function log(message: string): void {
  if (!flags.json) console.error(message);
}

/** Inserts in chunks so materialized views aggregate bounded blocks. */
async function generate(store: Store): Promise<void> {
  const traces = Math.ceil(SPANS / SPANS_PER_TRACE);
  await insertGenerated(store, {
    table: "otel_traces",
    columns: SPAN_COLUMNS,
    label: "spans",
    total: SPANS,
    select: (offset, count) =>
      `SELECT
  toDateTime64(${START_S}, 9) + toIntervalNanosecond(intDiv(n, ${SPANS_PER_TRACE}) * intDiv(${DAY_S}000000000, ${traces}) + (n % ${SPANS_PER_TRACE}) * 1000000) AS Timestamp,
  leftPad(lower(hex(cityHash64(t))), 16, '0') || leftPad(lower(hex(cityHash64(t, 1))), 16, '0') AS TraceId,
  leftPad(lower(hex(cityHash64(n, 2))), 16, '0') AS SpanId,
  if(n % ${SPANS_PER_TRACE} = 0, '', leftPad(lower(hex(cityHash64(n - n % ${SPANS_PER_TRACE}, 2))), 16, '0')) AS ParentSpanId,
  '' AS TraceState,
  concat(['GET', 'POST'][1 + op % 2], ' /api/v1/', ['users', 'orders', 'carts', 'items'][1 + intDiv(op, 2)]) AS SpanName,
  if(n % ${SPANS_PER_TRACE} = 0, 'Server', ['Client', 'Internal'][1 + n % 2]) AS SpanKind,
  concat('svc-', toString((t + n % ${SPANS_PER_TRACE}) % ${SERVICES})) AS ServiceName,
  map('service.name', concat('svc-', toString((t + n % ${SPANS_PER_TRACE}) % ${SERVICES})),
      'host.name', concat('host-', toString(cityHash64(n, 4) % 40)),
      'k8s.pod.name', concat('pod-', toString(cityHash64(n, 5) % 200)),
      'deployment.environment.name', 'prod') AS ResourceAttributes,
  'bench' AS ScopeName, '1.0.0' AS ScopeVersion,
  map('http.route', concat('/api/v1/', ['users', 'orders', 'carts', 'items'][1 + intDiv(op, 2)]),
      'http.method', ['GET', 'POST'][1 + op % 2],
      'http.status_code', toString([200, 200, 200, 201, 404, 500][1 + cityHash64(n, 6) % 6]),
      'user.id', toString(cityHash64(t) % 100000)) AS SpanAttributes,
  toUInt64(1000000 + cityHash64(n, 7) % 200000000 / (1 + n % ${SPANS_PER_TRACE})) AS Duration,
  if(cityHash64(n, 8) % 50 = 0, 'Error', 'Ok') AS StatusCode,
  '' AS StatusMessage
FROM (SELECT number + ${offset} AS n, intDiv(number + ${offset}, ${SPANS_PER_TRACE}) AS t,
  cityHash64(number + ${offset}, 3) % 8 AS op FROM numbers(${count}))`,
  }, log);
  await insertGenerated(store, {
    table: "otel_logs",
    columns: LOG_COLUMNS,
    label: "logs",
    total: LOGS,
    select: (offset, count) =>
      `SELECT
  toDateTime64(${START_S}, 9) + toIntervalNanosecond(n * intDiv(${DAY_S}000000000, ${LOGS})) AS Timestamp,
  if(n % 2 = 0, leftPad(lower(hex(cityHash64(t))), 16, '0') || leftPad(lower(hex(cityHash64(t, 1))), 16, '0'), '') AS TraceId,
  if(n % 2 = 0, leftPad(lower(hex(cityHash64(t * ${SPANS_PER_TRACE}, 2))), 16, '0'), '') AS SpanId,
  1 AS TraceFlags,
  ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'][1 + cityHash64(n, 9) % 6] AS SeverityText,
  [5, 9, 9, 9, 13, 17][1 + cityHash64(n, 9) % 6] AS SeverityNumber,
  concat('svc-', toString(t % ${SERVICES})) AS ServiceName,
  concat(['request handled', 'cache miss for key', 'payment declined', 'user logged in', 'slow query detected', 'retrying upstream call'][1 + cityHash64(n, 10) % 6],
         ' id=', toString(cityHash64(n, 11) % 1000000), ' took ', toString(cityHash64(n, 12) % 900), 'ms') AS Body,
  map('service.name', concat('svc-', toString(t % ${SERVICES})), 'host.name', concat('host-', toString(cityHash64(n, 4) % 40))) AS ResourceAttributes,
  'bench' AS ScopeName, '1.0.0' AS ScopeVersion,
  map('http.route', concat('/api/v1/', ['users', 'orders', 'carts', 'items', 'payments'][1 + cityHash64(n, 3) % 5]), 'request.id', toString(cityHash64(n, 13))) AS LogAttributes
FROM (SELECT number + ${offset} AS n, intDiv((number + ${offset}) * ${
        Math.ceil(SPANS / SPANS_PER_TRACE)
      }, ${LOGS}) AS t FROM numbers(${count}))`,
  }, log);
  // Histogram points every 10 s per series (service × pod × method), delta temporality.
  await insertGenerated(store, {
    table: "otel_metrics_histogram",
    columns: HISTOGRAM_COLUMNS,
    label: "histogram points",
    total: SERIES * (DAY_S / 10),
    select: (offset, count) =>
      `SELECT
  map('service.name', concat('svc-', toString(s % 20)), 'k8s.pod.name', concat('pod-', toString(s))) AS ResourceAttributes,
  concat('svc-', toString(s % 20)) AS ServiceName,
  'http.server.request.duration' AS MetricName, 'Duration of HTTP server requests' AS MetricDescription, 'ms' AS MetricUnit,
  map('http.request.method', ['GET', 'POST'][1 + intDiv(s, 20) % 2]) AS Attributes,
  toDateTime(${START_S} + i * 10 - 10) AS StartTimeUnix,
  toDateTime(${START_S} + i * 10) AS TimeUnix,
  arraySum(b) AS Count, arraySum(arrayMap((c, k) -> c * k, b, [2.5, 7.5, 17.5, 37.5, 75, 175, 375, 750])) AS Sum,
  b AS BucketCounts, [5, 10, 25, 50, 100, 250, 500] AS ExplicitBounds, 1 AS Min, 900 AS Max, 1 AS AggregationTemporality
FROM (
  SELECT number + ${offset} AS k, k % ${SERIES} AS s, intDiv(k, ${SERIES}) AS i,
    arrayMap(j -> toUInt64(cityHash64(k, j) % (20 - j * 2)), range(8)) AS b
  FROM numbers(${count})
)`,
  }, log);
}

/** Lets background merges of the fresh parts finish, so they do not skew the timings. */
async function waitForMerges(store: Store): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < 240; i++) {
    const [row] = await store.query<{ n: string }>(
      "SELECT toString(count()) AS n FROM system.merges WHERE database = currentDatabase()",
    );
    if (Number(row.n) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  log(`  background merges settled in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

interface Figure {
  name: string;
  p50Ms: number;
  p95Ms: number;
  rowsRead: number;
}

async function measure(
  name: string,
  store: CountingStore,
  fn: (i: number) => Promise<unknown>,
): Promise<Figure> {
  if (flags.only && !name.includes(flags.only)) return { name, p50Ms: 0, p95Ms: 0, rowsRead: 0 };
  await fn(0); // warm-up
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    store.rowsRead = 0;
    const started = performance.now();
    await fn(i + 1);
    times.push(performance.now() - started);
    rows += store.rowsRead;
  }
  times.sort((a, b) => a - b);
  const figure = {
    name,
    p50Ms: Math.round(percentile(times, 0.5) * 10) / 10,
    p95Ms: Math.round(percentile(times, 0.95) * 10) / 10,
    rowsRead: Math.round(rows / ITERATIONS),
  };
  log(
    `${name.padEnd(52)} p50 ${String(figure.p50Ms).padStart(7)} ms  p95 ${
      String(figure.p95Ms).padStart(7)
    } ms  rows read ${figure.rowsRead}`,
  );
  return figure;
}

async function explain(
  store: Store,
  title: string,
  query: Rendered,
  kind = "indexes = 1",
): Promise<void> {
  const rows = await store.query<{ explain: string }>(`EXPLAIN ${kind} ${query.query}`, {
    params: query.params,
  });
  console.log(`\n#### ${title}\n\n\`\`\`\n${rows.map((r) => r.explain).join("\n")}\n\`\`\``);
}

async function main(): Promise<void> {
  const path = flags.path ?? await Deno.makeTempDir({ prefix: "tracehouse-query-bench-" });
  const raw = await ChdbStore.open({ path, database: "bench" });
  const store = new CountingStore(raw);
  try {
    log(`query bench: ${SPANS} spans, ${LOGS} logs, ${SERIES} histogram series, data in ${path}`);
    if (!flags.reuse) {
      await migrate(raw, {
        database: "bench",
        retentionDays: { traces: 30, logs: 30, metrics: 30 },
      });
    }
    if (flags.reuse) {
      const [kept] = await raw.query<{ e: string }>(
        "SELECT toString(toUnixTimestamp(max(Timestamp))) AS e FROM otel_traces",
      );
      END_S = Math.ceil(Number(kept.e) / 60) * 60;
      START_S = END_S - DAY_S;
    } else {
      const started = performance.now();
      await generate(raw);
      log(`generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    await waitForMerges(raw);
    const counts = await raw.query<{ t: string; n: string }>(
      `SELECT 'otel_traces' AS t, toString(count()) AS n FROM otel_traces UNION ALL
       SELECT 'otel_logs', toString(count()) FROM otel_logs UNION ALL
       SELECT 'otel_metrics_histogram', toString(count()) FROM otel_metrics_histogram UNION ALL
       SELECT 'otel_traces_red_1m', toString(count()) FROM otel_traces_red_1m UNION ALL
       SELECT 'otel_traces_red_1h', toString(count()) FROM otel_traces_red_1h UNION ALL
       SELECT 'otel_metrics_1m', toString(count()) FROM otel_metrics_1m`,
    );
    log(counts.map((c) => `  ${c.t}: ${c.n} rows`).join("\n"));

    const range = {
      fromNs: BigInt(START_S) * 1_000_000_000n,
      toNs: BigInt(END_S) * 1_000_000_000n,
    };
    const lastHour = { fromNs: range.toNs - 3_600_000_000_000n, toNs: range.toNs };
    const traceIds = (await raw.query<{ id: string }>(
      `SELECT TraceId AS id FROM otel_traces_trace_id_ts ORDER BY cityHash64(TraceId) LIMIT ${
        ITERATIONS + 1
      }`,
    )).map((r) => r.id);
    const figures: Figure[] = [];
    figures.push(
      await measure(
        "trace by id (lookup table + PREWHERE, one statement)",
        store,
        (i) => getTrace(store, traceIds[i % traceIds.length]),
      ),
    );
    figures.push(
      await measure(
        "traces list, first page of 50, 1 h",
        store,
        () => listTraces(store, { range: lastHour }, { limit: 50 }),
      ),
    );
    figures.push(
      await measure(
        "traces list, first page of 50, 24 h",
        store,
        () => listTraces(store, { range }, { limit: 50 }),
      ),
    );
    let traceCursor: string | null = null;
    for (let page = 0; page < 9; page++) {
      traceCursor = (await listTraces(raw, { range }, {
        limit: 50,
        cursor: traceCursor ?? undefined,
      })).nextCursor;
    }
    figures.push(
      await measure(
        "traces list, tenth page of 50, 24 h",
        store,
        () => listTraces(store, { range }, { limit: 50, cursor: traceCursor ?? undefined }),
      ),
    );
    figures.push(
      await measure(
        "traces list, first page of 50, service=svc-7, 24 h",
        store,
        () => listTraces(store, { range, services: ["svc-7"] }, { limit: 50 }),
      ),
    );
    figures.push(
      await measure(
        "traces list, first page of 50, status=error, 24 h",
        store,
        () => listTraces(store, { range, status: "error" }, { limit: 50 }),
      ),
    );
    figures.push(
      await measure(
        "logs, first page of 100, no filter, 1 h (default)",
        store,
        () => listLogs(store, { range: lastHour }, { limit: 100 }),
      ),
    );
    figures.push(
      await measure(
        "logs, first page of 100, no filter, 24 h",
        store,
        () => listLogs(store, { range }, { limit: 100 }),
      ),
    );
    const logFilter = { range: lastHour, services: ["svc-7"], minSeverity: 9 };
    figures.push(
      await measure(
        "logs, first page of 100, service + severity, 1 h",
        store,
        () => listLogs(store, logFilter, { limit: 100 }),
      ),
    );
    let cursor: string | null = null;
    for (let page = 0; page < 9; page++) {
      cursor = (await listLogs(raw, logFilter, { limit: 100, cursor: cursor ?? undefined }))
        .nextCursor;
    }
    figures.push(
      await measure(
        "logs, tenth page of 100, same filter",
        store,
        () => listLogs(store, logFilter, { limit: 100, cursor: cursor ?? undefined }),
      ),
    );
    figures.push(
      await measure(
        "logs, first page, free text q=declined, 1 h",
        store,
        () => listLogs(store, { range: lastHour, text: "declined" }, { limit: 100 }),
      ),
    );
    figures.push(
      await measure(
        "services overview, 24 h (hourly + minute rollups)",
        store,
        () => listServices(store, range),
      ),
    );
    figures.push(
      await measure("services overview, 24 h (raw spans, for comparison)", store, () =>
        store.query(
          `SELECT ServiceName, count(), countIf(StatusCode = 'Error'),
             quantiles(0.5, 0.95, 0.99)(Duration) FROM otel_traces
           WHERE Timestamp >= {f:DateTime64(9)} AND Timestamp <= {t:DateTime64(9)} GROUP BY ServiceName`,
          { params: { f: new Date(START_S * 1000), t: new Date(END_S * 1000) } },
        )),
    );
    const chart = (source: "rollup" | "raw") => () =>
      queryMetric(store, {
        name: "http.server.request.duration",
        range,
        stepSeconds: 300,
        agg: "p95",
        groupBy: ["service"],
        source,
      });
    figures.push(
      await measure("24 h p95 chart by service, step 5m, rollup", store, chart("rollup")),
    );
    figures.push(await measure("24 h p95 chart by service, step 5m, raw", store, chart("raw")));
    await raw.command("OPTIMIZE TABLE otel_metrics_1m FINAL");
    figures.push(
      await measure("24 h p95 chart, rollup after OPTIMIZE FINAL", store, chart("rollup")),
    );

    const app = createApiApp(store, { cacheSize: 1000 });
    const url = (i: number) => `/services?from=${START_S * 1000}&to=${(END_S - 3600 - i) * 1000}`;
    figures.push(
      await measure("GET /api/services 24 h, cache miss", store, async (i) => {
        await (await app.request(url(i + 1000))).text();
      }),
    );
    await (await app.request(url(0))).text();
    figures.push(
      await measure("GET /api/services 24 h, cache hit", store, async () => {
        const res = await app.request(url(0));
        if (res.headers.get("X-Cache") !== "hit") throw new Error("expected a cache hit");
        await res.text();
      }),
    );

    // The opt-in trace-id projection (sql/trace_projection.ts): added, measured, dropped again.
    let storage: Record<string, number> | undefined;
    if (flags.projection && (!flags.only || "trace by id".includes(flags.only))) {
      const traceBytes = async () =>
        Number(
          (await raw.query<{ b: string }>(
            `SELECT toString(sum(bytes_on_disk)) AS b FROM system.parts
             WHERE active AND database = currentDatabase() AND table = 'otel_traces'`,
          ))[0].b,
        );
      const projectionBytes = async () =>
        Number(
          (await raw.query<{ b: string }>(
            `SELECT toString(sum(bytes_on_disk)) AS b FROM system.projection_parts
             WHERE active AND database = currentDatabase() AND table = 'otel_traces'`,
          ))[0].b,
        );
      const without = await traceBytes();
      const started = performance.now();
      await setTraceIdProjection(store, { database: "bench", enabled: true });
      const materializeMs = Math.round(performance.now() - started);
      storage = {
        tableBytes: without,
        projectionBytes: await projectionBytes(),
        materializeMs,
      };
      log(
        `  trace-id projection: materialized in ${materializeMs} ms, ${
          (storage.projectionBytes / 2 ** 20).toFixed(1)
        } MiB on top of ${(without / 2 ** 20).toFixed(1)} MiB`,
      );
      figures.push(
        await measure(
          "trace by id, with the opt-in trace-id projection",
          store,
          (i) => getTrace(store, traceIds[i % traceIds.length]),
        ),
      );
      await setTraceIdProjection(store, { database: "bench", enabled: false });
    }

    if (flags.explain) {
      const id = traceIds[0];
      await explain(
        raw,
        "trace by id: spans within the slice from otel_traces_trace_id_ts (as sql/traces.ts runs it)",
        render(traceSpansQuery(id, "lookup", 10_000)),
      );
      await explain(
        raw,
        "trace by id without the lookup table",
        render(sql`SELECT SpanId FROM otel_traces WHERE TraceId = ${param("String", id)}`),
      );
      await explain(
        raw,
        "logs page as sql/logs.ts runs it: first window, bounds on toStartOfFiveMinutes(Timestamp) too",
        render(logsQuery(logFilter, { limit: 100 }, LOG_WINDOW_NS)),
      );
      await explain(
        raw,
        "unfiltered logs page over 24 h in one pass (no window), read in key order",
        render(logsQuery({ range }, { limit: 100 })),
        "actions = 1",
      );
      await explain(
        raw,
        "trace list, first pass (newest minute) as sql/traces.ts runs it",
        render(tracesQuery({ range }, { limit: 50 }, range.toNs - TRACE_WINDOW_NS)),
      );
      await explain(
        raw,
        "logs page with bounds on Timestamp only",
        render(sql`SELECT Body FROM otel_logs
PREWHERE Timestamp >= ${timeParam(lastHour.fromNs)} AND Timestamp <= ${timeParam(lastHour.toNs)}
  AND ServiceName IN ['svc-7'] AND SeverityNumber >= 9
ORDER BY Timestamp DESC LIMIT 101`),
      );
      await explain(
        raw,
        "services overview (hourly + minute rollups)",
        render(servicesQuery(range)),
      );
    }
    if (flags.json) {
      console.log(
        JSON.stringify({ spans: SPANS, logs: LOGS, series: SERIES, figures, storage }, null, 2),
      );
    }
  } finally {
    await raw.close();
    if (!flags.path) await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
