/**
 * Alert evaluation benchmark: 1,000 rules at a 1-minute interval over a large span table.
 *
 * Generates spans (with error fingerprints), logs and histogram points for the 24 h before now
 * into a fresh embedded store (through the real tables and materialized views), then runs the
 * real evaluator (`alerts/evaluator.ts`: query, state machine, ClickHouse state writes) over a
 * rule mix: 700 service RED rules, 200 log counts, 50 metric rules, 50 new-error-group rules.
 * One round evaluates every rule once, which is one minute of evaluation at a 1-minute interval;
 * it reports the process CPU seconds per round (the embedded engine runs in this process, so its
 * query threads are counted), the share of one core that is, and p50/p95 per evaluation.
 *
 * Baselines measured in the same run: `SELECT 1` per rule (the floor cost of a query), and the
 * RED rules computed from the raw spans instead of the rollup.
 *
 *   deno run -A bench/alerts_bench.ts [--spans 10000000] [--logs 2000000] [--rules 1000]
 *     [--rounds 3] [--concurrency 4] [--path DIR [--reuse]]
 *
 * @module
 */
import process from "node:process";
import { ManualClock } from "../alerts/clock.ts";
import { Evaluator } from "../alerts/evaluator.ts";
import { Notifier } from "../alerts/notifier.ts";
import { RedCache } from "../alerts/red_cache.ts";
import { SharedQueries } from "../alerts/shared_queries.ts";
import type { RuleSpec } from "../alerts/rule_schema.ts";
import type { Rule } from "../alerts/rules_file.ts";
import { jitter } from "../alerts/scheduler.ts";
import { AlertStateStore } from "../alerts/state_store.ts";
import { ruleWindow } from "../alerts/window.ts";
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { timeParam } from "../sql/query_common.ts";
import { param, render, sql } from "../sql/sql_template.ts";
import { benchArgs, counts } from "./cli.ts";
import { HISTOGRAM_COLUMNS, insertGenerated, LOG_COLUMNS, SPAN_COLUMNS } from "./generated_rows.ts";

const { values: flags } = benchArgs({
  args: Deno.args,
  options: {
    spans: { type: "string", default: Deno.env.get("ALERTS_BENCH_SPANS") ?? "10000000" },
    logs: { type: "string", default: Deno.env.get("ALERTS_BENCH_LOGS") ?? "2000000" },
    rules: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "4" },
    path: { type: "string" },
    reuse: { type: "boolean", default: false },
  },
});
const { spans: SPANS, logs: LOGS, rules: RULES, rounds: ROUNDS, concurrency: CONCURRENCY } = counts(
  flags,
  ["spans", "logs", "rules", "rounds", "concurrency"],
);

const SERVICES = 20;
const SERIES = 100;
const DAY_S = 86_400;
const END_S = Math.floor(Date.now() / 60_000) * 60;
const START_S = END_S - DAY_S;
const OPS = [
  "GET /api/v1/users",
  "POST /api/v1/users",
  "GET /api/v1/orders",
  "POST /api/v1/orders",
];

function log(message: string): void {
  console.log(message);
}

async function generate(store: ChdbStore): Promise<void> {
  await insertGenerated(store, {
    table: "otel_traces",
    columns: SPAN_COLUMNS,
    label: "spans",
    total: SPANS,
    select: (offset, count) =>
      `SELECT
  toDateTime64(${START_S}, 9) + toIntervalNanosecond(intDiv(n * ${DAY_S}000, ${SPANS}) * 1000000) AS Timestamp,
  leftPad(lower(hex(cityHash64(intDiv(n, 5)))), 16, '0') || leftPad(lower(hex(cityHash64(intDiv(n, 5), 1))), 16, '0') AS TraceId,
  leftPad(lower(hex(cityHash64(n, 2))), 16, '0') AS SpanId,
  if(n % 5 = 0, '', leftPad(lower(hex(cityHash64(n - n % 5, 2))), 16, '0')) AS ParentSpanId,
  '' AS TraceState,
  ['${OPS.join("', '")}'][1 + op] AS SpanName,
  if(n % 5 = 0, 'Server', ['Client', 'Internal'][1 + n % 2]) AS SpanKind,
  concat('svc-', toString(cityHash64(n, 3) % ${SERVICES})) AS ServiceName,
  map('service.name', concat('svc-', toString(cityHash64(n, 3) % ${SERVICES})),
      'host.name', concat('host-', toString(cityHash64(n, 4) % 40))) AS ResourceAttributes,
  'bench' AS ScopeName, '1.0.0' AS ScopeVersion,
  mapFilter((k, v) -> v != '', map('http.route', ['/users', '/users', '/orders', '/orders'][1 + op],
      'error.fingerprint', if(err, lower(hex(cityHash64(op, n % 40))), ''))) AS SpanAttributes,
  toUInt64(1000000 + cityHash64(n, 7) % 200000000 / (1 + n % 5)) AS Duration,
  if(err, 'Error', 'Ok') AS StatusCode,
  '' AS StatusMessage
FROM (SELECT number + ${offset} AS n, cityHash64(n, 5) % 4 AS op, cityHash64(n, 8) % 50 = 0 AS err
  FROM numbers(${count}))`,
  }, log);
  await insertGenerated(store, {
    table: "otel_logs",
    columns: LOG_COLUMNS,
    label: "logs",
    total: LOGS,
    select: (offset, count) =>
      `SELECT
  toDateTime64(${START_S}, 9) + toIntervalNanosecond(intDiv(n * ${DAY_S}000, ${LOGS}) * 1000000) AS Timestamp,
  '' AS TraceId, '' AS SpanId, 0 AS TraceFlags,
  ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'][1 + cityHash64(n, 9) % 6] AS SeverityText,
  [5, 9, 9, 9, 13, 17][1 + cityHash64(n, 9) % 6] AS SeverityNumber,
  concat('svc-', toString(cityHash64(n, 3) % ${SERVICES})) AS ServiceName,
  concat(['request handled', 'cache miss', 'payment declined', 'slow query'][1 + cityHash64(n, 10) % 4], ' id=', toString(n)) AS Body,
  map('service.name', concat('svc-', toString(cityHash64(n, 3) % ${SERVICES}))) AS ResourceAttributes,
  'bench' AS ScopeName, '1.0.0' AS ScopeVersion, map() AS LogAttributes
FROM (SELECT number + ${offset} AS n FROM numbers(${count}))`,
  }, log);
  await insertGenerated(store, {
    table: "otel_metrics_histogram",
    columns: HISTOGRAM_COLUMNS,
    label: "histogram points",
    total: SERIES * (DAY_S / 60),
    select: (offset, count) =>
      `SELECT
  map('service.name', concat('svc-', toString(s % ${SERVICES}))) AS ResourceAttributes,
  concat('svc-', toString(s % ${SERVICES})) AS ServiceName,
  'http.server.request.duration' AS MetricName, '' AS MetricDescription, 'ms' AS MetricUnit,
  map('http.request.method', ['GET', 'POST'][1 + intDiv(s, ${SERVICES}) % 2]) AS Attributes,
  toDateTime(${START_S} + i * 60 - 60) AS StartTimeUnix, toDateTime(${START_S} + i * 60) AS TimeUnix,
  arraySum(b) AS Count, arraySum(arrayMap((c, k) -> c * k, b, [2.5, 7.5, 17.5, 37.5, 75, 175, 375, 750])) AS Sum,
  b AS BucketCounts, [5, 10, 25, 50, 100, 250, 500] AS ExplicitBounds, 1 AS Min, 900 AS Max,
  1 AS AggregationTemporality
FROM (SELECT number + ${offset} AS k, k % ${SERIES} AS s, intDiv(k, ${SERIES}) AS i,
  arrayMap(j -> toUInt64(cityHash64(k, j) % (20 - j * 2)), range(8)) AS b FROM numbers(${count}))`,
  }, log);
}

/** The rule mix: 70 % service RED, 20 % log counts, 5 % metrics, 5 % new error groups. */
function rules(total: number): Rule[] {
  const out: Rule[] = [];
  const signals = ["error_rate", "request_rate", "p95", "p99"] as const;
  for (let i = 0; i < total; i++) {
    const service = `svc-${i % SERVICES}`;
    const slot = i % 20;
    let spec: RuleSpec;
    if (slot < 14) {
      spec = {
        kind: "service_red",
        name: `red-${i}`,
        signal: signals[i % signals.length],
        service,
        operation: i % 3 === 0 ? OPS[i % OPS.length] : undefined,
        window: 300_000,
        comparison: ">",
        threshold: i % 2 === 0 ? 0.05 : 1e9,
      };
    } else if (slot < 18) {
      spec = {
        kind: "log_count",
        name: `logs-${i}`,
        service,
        severity: i % 2 === 0 ? "error" : "warn",
        text: i % 4 === 0 ? "payment" : undefined,
        window: 300_000,
        comparison: ">",
        threshold: 100,
      };
    } else if (slot === 18) {
      spec = {
        kind: "metric",
        name: `metric-${i}`,
        metric: "http.server.request.duration",
        agg: "p95",
        services: [service],
        window: 300_000,
        comparison: ">",
        threshold: 400,
      };
    } else {
      spec = {
        kind: "new_error_group",
        name: `new-errors-${i}`,
        window: 600_000,
        comparison: ">=",
        threshold: 1,
      };
    }
    out.push({
      name: spec.name,
      spec,
      intervalMs: 60_000,
      forMs: 120_000,
      noData: "keep",
      receivers: [],
    });
  }
  return out;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** CPU seconds (user + system) of this process, engine threads included. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Runs `jobs` with at most `limit` at a time; returns each job's wall time in ms. */
async function pool(jobs: (() => Promise<void>)[], limit: number): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const started = performance.now();
      await job();
      times.push(performance.now() - started);
    }
  }));
  return times;
}

async function main(): Promise<void> {
  const path = flags.path ?? await Deno.makeTempDir({ prefix: "tracehouse-alerts-bench-" });
  const store = await ChdbStore.open({ path, database: "bench" });
  try {
    log(`alerts bench: ${RULES} rules, ${SPANS} spans, ${LOGS} logs over 24 h, data in ${path}`);
    log("(the machine is shared with other engineers' builds and tests: figures are noisy)");
    if (!flags.reuse) {
      await migrate(store, {
        database: "bench",
        retentionDays: { traces: 30, logs: 30, metrics: 30 },
      });
      const started = performance.now();
      await generate(store);
      log(`generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    const counted = await store.query<{ t: string; n: string }>(
      `SELECT 'otel_traces' AS t, toString(count()) AS n FROM otel_traces UNION ALL
       SELECT 'otel_logs', toString(count()) FROM otel_logs UNION ALL
       SELECT 'otel_traces_red_1m', toString(count()) FROM otel_traces_red_1m UNION ALL
       SELECT 'otel_error_group_catalog', toString(count()) FROM otel_error_group_catalog`,
    );
    log(counted.map((c) => `  ${c.t}: ${c.n} rows`).join("\n"));
    const [{ end }] = await store.query<{ end: string }>(
      "SELECT toString(toUnixTimestamp(max(Timestamp))) AS end FROM otel_traces",
    );
    const clock = new ManualClock(Number(end) * 1000);
    const all = rules(RULES);
    const notifier = new Notifier({ clock, onDelivered: () => Promise.resolve() });
    notifier.setReceivers(new Map());
    // As the alert manager runs it: state written behind, one insert per table per second.
    const states = new AlertStateStore(store, { flushDelayMs: 1_000 });
    const evaluator = new Evaluator({
      store,
      states,
      notifier,
      clock,
      silences: () => [],
      receivers: () => new Map(),
      queryTimeoutSeconds: 10,
      shared: { red: new RedCache(store), queries: new SharedQueries(store) },
    });
    await evaluator.adopt(all);

    // Baseline 1: the cheapest query, once per rule.
    const floorCpu = cpuSeconds();
    const floor = await pool(
      all.map(() => () => store.query("SELECT 1").then(() => {})),
      CONCURRENCY,
    );
    const floorCpuS = cpuSeconds() - floorCpu;
    floor.sort((a, b) => a - b);

    // The evaluation rounds: every rule once per round, i.e. one minute of evaluation each.
    const perRound: { cpu: number; wall: number }[] = [];
    const byKind = new Map<string, number[]>();
    const evalTimes: number[] = [];
    await pool(all.slice(0, 50).map((r) => () => evaluator.evaluate(r)), CONCURRENCY); // warm-up
    // As the scheduler runs them: each rule at its jittered offset within the minute (whole
    // seconds matter: raw-table windows end there), the rules of one second `CONCURRENCY` at a time.
    const bySecond = new Map<number, Rule[]>();
    for (const r of all) {
      const second = Math.floor(jitter(r) / 1000);
      bySecond.set(second, [...(bySecond.get(second) ?? []), r]);
    }
    const seconds = [...bySecond.keys()].sort((a, b) => a - b);
    const round = async (which: Evaluator) => {
      const start = Math.ceil((clock.now() + 1) / 60_000) * 60_000;
      await clock.advance(start - clock.now());
      let cpu = 0, wall = 0;
      const times: number[] = [];
      for (const second of seconds) {
        await clock.advance(start + second * 1000 - clock.now());
        const cpu0 = cpuSeconds();
        const wall0 = performance.now();
        times.push(
          ...await pool(bySecond.get(second)!.map((r) => () => which.evaluate(r)), CONCURRENCY),
        );
        await states.flush();
        cpu += cpuSeconds() - cpu0;
        wall += (performance.now() - wall0) / 1000;
      }
      return { times, cpu, wall };
    };
    for (let i = 0; i < ROUNDS; i++) {
      const { times, cpu, wall } = await round(evaluator);
      evalTimes.push(...times);
      perRound.push({ cpu, wall });
      for (const r of all) {
        const list = byKind.get(r.spec.kind) ?? [];
        list.push(evaluator.lastRun(r.name)!.durationMs);
        byKind.set(r.spec.kind, list);
      }
    }
    const failed = all.filter((r) => evaluator.lastRun(r.name)?.error);
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} rules failed, e.g. ${failed[0].name}: ${
          evaluator.lastRun(failed[0].name)?.error
        }`,
      );
    }
    evalTimes.sort((a, b) => a - b);
    const cpu = perRound.reduce((a, r) => a + r.cpu, 0) / perRound.length;
    const wall = perRound.reduce((a, r) => a + r.wall, 0) / perRound.length;

    // Baseline 2: one round where every RED rule runs its own rollup query (no shared query).
    const unshared = new Evaluator({
      store,
      states,
      notifier,
      clock,
      silences: () => [],
      receivers: () => new Map(),
      queryTimeoutSeconds: 10,
    });
    await unshared.adopt(all);
    const own = await round(unshared);

    // Baseline 3: the RED rules computed from the raw spans rather than the rollup (a sample).
    const red = all.filter((r) => r.spec.kind === "service_red").slice(0, 40);
    const rawTimes = await pool(
      red.map((r) => async () => {
        const spec = r.spec as Extract<RuleSpec, { kind: "service_red" }>;
        const window = ruleWindow(clock.now(), spec.window, true);
        const operation = spec.operation === undefined
          ? sql``
          : sql`AND SpanName = ${param("String", spec.operation)}`;
        const q = render(sql`SELECT count() AS spans, countIf(StatusCode = 'Error') AS errors,
  quantiles(0.5, 0.9, 0.95, 0.99)(Duration) AS q
FROM otel_traces
WHERE Timestamp >= ${timeParam(window.fromNs)} AND Timestamp <= ${timeParam(window.toNs)}
  AND ServiceName = ${param("String", spec.service ?? "")} ${operation}`);
        await store.query(q.query, { params: q.params });
      }),
      CONCURRENCY,
    );
    rawTimes.sort((a, b) => a - b);
    const ownRed = red.map((r) => unshared.lastRun(r.name)!.durationMs).sort((a, b) => a - b);
    const ms = (xs: number[], q: number) => percentile(xs, q).toFixed(1);

    log(`\nper round (= 1 minute of evaluation at a 1-minute interval), mean of ${ROUNDS}:`);
    log(
      `  CPU ${cpu.toFixed(2)} s per minute = ${(cpu / 60 * 100).toFixed(2)} % of one core ` +
        `(goal < 5 %); wall ${wall.toFixed(2)} s at concurrency ${CONCURRENCY}`,
    );
    log(
      `  per evaluation (query + state): p50 ${ms(evalTimes, 0.5)} ms, p95 ${
        ms(evalTimes, 0.95)
      } ms, max ${evalTimes[evalTimes.length - 1].toFixed(1)} ms`,
    );
    for (const [kind, times] of byKind) {
      times.sort((a, b) => a - b);
      log(`    ${kind.padEnd(16)} p50 ${ms(times, 0.5)} ms, p95 ${ms(times, 0.95)} ms`);
    }
    log(`baselines, same run:`);
    log(
      `  SELECT 1 x ${RULES}: CPU ${floorCpuS.toFixed(2)} s, p95 ${ms(floor, 0.95)} ms ` +
        `-> evaluation costs ${(cpu / Math.max(floorCpuS, 1e-3)).toFixed(1)}x the bare query floor`,
    );
    log(
      `  one round with a rollup query per RED rule (no shared query): CPU ${
        own.cpu.toFixed(2)
      } s = ${(own.cpu / 60 * 100).toFixed(2)} % of a core -> the shared query saves ${
        (own.cpu / Math.max(cpu, 1e-3)).toFixed(1)
      }x; RED p50 ${ms(ownRed, 0.5)} ms`,
    );
    log(
      `  RED from raw spans (40 rules): p50 ${ms(rawTimes, 0.5)} ms, p95 ${
        ms(rawTimes, 0.95)
      } ms ` +
        `-> ${(percentile(rawTimes, 0.5) / Math.max(percentile(ownRed, 0.5), 0.01)).toFixed(1)}x ` +
        `the per-rule rollup query`,
    );
    await notifier.close();
  } finally {
    await store.close();
    if (!flags.path) await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

await main();
