/**
 * Mixed-load benchmark: saturating OTLP ingest while a person uses the
 * dashboard (trace by id, a filtered log page) and someone runs a deliberately
 * heavy query through the ClickHouse endpoint's lane. Prints, in one run and
 * for each mode: ingest spans/s, acknowledgement p50/p99, and query p50/p95
 * idle vs under load, with the issue's three goals checked.
 *
 *   deno run -A bench/mixed_load_bench.ts [--seconds 8] [--concurrency 32]
 *     [--per-request 1000] [--prefill-spans 300000] [--prefill-logs 200000]
 *     [--iterations 40] [--modes fifo,lanes,per-lane]
 *
 * A mode is how the engine's lanes run: `per-lane` (the default engine: a
 * connection per lane, statements of different lanes side by side), or one
 * shared connection ordered `lanes` (sql/lanes.ts) or `fifo` (one queue, as
 * before lanes); optionally `:slice=N`, the batcher's
 * `maxRowsWhileQueried` (0: off; default the batcher's), and `:budget=S`, the
 * heavy query's `max_execution_time` in seconds (default 60, the endpoint's
 * bound), and `:ingest-nice=N`, the nice value of the ingest lane's query
 * threads (per-lane only), `:endpoint-nice=N` the same for the endpoint lane, and `:thread`, the OTLP receiver on a thread of its
 * own as `serve` runs it (per-lane only). `--rounds R` repeats the modes R times, interleaved.
 *
 * Phases per mode, on the same prefilled store: queries alone; ingest
 * alone; ingest + queries; ingest + queries + the heavy query in a loop. The
 * OTLP client runs in its own process (this file with `--client-url`), cycling
 * through pre-encoded requests and timing each acknowledgement.
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";
import { ClickHouseError } from "../sql/store.ts";
import type { Lane, LaneStats } from "../sql/lanes.ts";
import { migrate } from "../sql/migrate.ts";
import { getTrace } from "../sql/traces.ts";
import { listLogs } from "../sql/logs.ts";
import { type Config, DEFAULT_CONFIG } from "../config.ts";
import { createOtlpApp } from "../routes/otlp.ts";
import { type OtlpReceiver, startOtlpReceiver } from "../otlp/receiver.ts";
import { startOtlpReceiverThread } from "../otlp/receiver_thread.ts";
import { encodeLogs, encodeTraces } from "../testing/otlp_encode.ts";
import { logRequest, spanRequest } from "../testing/otlp_payloads.ts";
import { random } from "./span_rows.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt, percentile } from "./stats.ts";

/** A full scan with wide aggregates: seconds on a big store, hundreds of ms on the prefill. */
const HEAVY_QUERY = `SELECT ServiceName, SpanName, count(), quantilesExact(0.5, 0.99)(Duration),
  uniqExact(TraceId), uniqExact(SpanAttributes['url.path']), groupArray(10)(SpanId)
FROM otel_traces GROUP BY ServiceName, SpanName ORDER BY count() DESC`;

const { values } = benchArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "8" },
    concurrency: { type: "string", default: "32" },
    "per-request": { type: "string", default: "1000" },
    "prefill-spans": { type: "string", default: "300000" },
    "prefill-logs": { type: "string", default: "200000" },
    iterations: { type: "string", default: "40" },
    modes: { type: "string", default: "fifo,lanes,per-lane" },
    rounds: { type: "string", default: "1" },
    "client-url": { type: "string" },
    "client-file": { type: "string" },
  },
});
const n = counts(values, [
  "seconds",
  "concurrency",
  "per-request",
  "prefill-spans",
  "prefill-logs",
  "iterations",
  "rounds",
]);

/** One configuration measured: see the module doc. */
interface Mode {
  label: string;
  ordering: "lanes" | "fifo" | "per-lane";
  /** `maxRowsWhileQueried`; undefined: the batcher's default. */
  slice?: number;
  /** The heavy query's `max_execution_time`, s. */
  budget: number;
  /** Nice value of the ingest lane's query threads; undefined: the engine's default. */
  ingestNice?: number;
  /** Nice value of the endpoint lane's query threads; undefined: the engine's default. */
  endpointNice?: number;
  /** The OTLP receiver on a thread of its own (as `serve` runs it), not on the main thread. */
  thread?: boolean;
}

function parseMode(text: string): Mode | undefined {
  const [ordering, ...options] = text.split(":");
  if (ordering !== "lanes" && ordering !== "fifo" && ordering !== "per-lane") return undefined;
  const mode: Mode = { label: text, ordering, budget: 60 };
  for (const option of options) {
    if (option === "thread" && ordering === "per-lane") {
      mode.thread = true;
      continue;
    }
    const [, name, value] =
      option.match(/^(slice|budget|ingest-nice|endpoint-nice)=(\d+(?:\.\d+)?)$/) ?? [];
    // Nice values only where the lanes have connections (and threads) of their own.
    const nice = ordering === "per-lane" && Number.isInteger(Number(value)) &&
      Number(value) <= 19;
    if (name === "slice" && Number.isInteger(Number(value))) mode.slice = Number(value);
    else if (name === "ingest-nice" && nice) mode.ingestNice = Number(value);
    else if (name === "endpoint-nice" && nice) mode.endpointNice = Number(value);
    else if (name === "budget" && Number(value) > 0) mode.budget = Number(value);
    else return undefined;
  }
  return mode;
}

const modes = values.modes.split(",").map(parseMode);
if (modes.some((m) => m === undefined)) {
  console.error(
    `Bad flag: --modes=${values.modes} (expected a comma-separated list of per-lane, lanes or fifo, ` +
      `each optionally with :slice=ROWS, :budget=SECONDS, :ingest-nice=N, :endpoint-nice=N and, per-lane, :thread)`,
  );
  Deno.exit(2);
}

/** The client process: POSTs the bodies in a loop for `seconds`, prints the ack latencies. */
async function client(url: string, file: string): Promise<void> {
  const data = await Deno.readFile(file);
  const view = new DataView(data.buffer);
  const bodies: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 0; at < data.length;) {
    const length = view.getUint32(at, true);
    bodies.push(data.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const deadline = performance.now() + n.seconds * 1000;
  const started = performance.now();
  async function worker() {
    while (performance.now() < deadline) {
      const body = bodies[next++ % bodies.length];
      const t = performance.now();
      const res = await fetch(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-protobuf" },
      });
      await res.body?.cancel();
      if (res.status === 200) latencies.push(performance.now() - t);
      else failed++;
    }
  }
  await Promise.all(Array.from({ length: n.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ latencies, failed, seconds }));
}

interface IngestFigures {
  spansPerSecond: number;
  ackP50: number;
  ackP99: number;
  failed: number;
}

async function runIngest(url: string, file: string): Promise<IngestFigures> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--client-url",
      url,
      "--client-file",
      file,
      "--seconds",
      String(n.seconds),
      "--concurrency",
      String(n.concurrency),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("the OTLP client failed");
  const { latencies, failed, seconds } = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    latencies: number[];
    failed: number;
    seconds: number;
  };
  return {
    spansPerSecond: (latencies.length * n["per-request"]) / seconds,
    ackP50: percentile(latencies, 50),
    ackP99: percentile(latencies, 99),
    failed,
  };
}

async function writeBodies(bodies: Uint8Array[]): Promise<string> {
  const file = await Deno.makeTempFile({ prefix: "tracehouse-mixed-bodies-" });
  const out = new Uint8Array(bodies.reduce((total, b) => total + 4 + b.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const body of bodies) {
    view.setUint32(at, body.length, true);
    out.set(body, at + 4);
    at += 4 + body.length;
  }
  await Deno.writeFile(file, out);
  return file;
}

interface QueryFigures {
  trace: number[];
  logs: number[];
}

/** One person at the dashboard: trace by id and a log page, one after another, until `stop`. */
async function dashboardUser(
  store: ChdbStore,
  traceIds: string[],
  stop: () => boolean,
): Promise<QueryFigures> {
  const figures: QueryFigures = { trace: [], logs: [] };
  for (let i = 0; !stop(); i++) {
    let t = performance.now();
    const trace = await getTrace(store, traceIds[i % traceIds.length]);
    if (trace === null) throw new Error("a prefilled trace was not found");
    figures.trace.push(performance.now() - t);
    const toNs = BigInt(Date.now()) * 1_000_000n;
    t = performance.now();
    await listLogs(store, {
      range: { fromNs: toNs - 3_600_000_000_000n, toNs },
      services: ["checkout"],
      minSeverity: 9,
    }, { limit: 100 });
    figures.logs.push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a person reads between clicks
  }
  return figures;
}

function summary(samples: number[]): string {
  return `p50 ${fmt(percentile(samples, 50), 1).padStart(7)} ms  p95 ${
    fmt(percentile(samples, 95), 1).padStart(7)
  } ms  (${samples.length})`;
}

async function prefill(store: ChdbStore): Promise<void> {
  const otlp = createOtlpApp(store);
  const rand = random(7);
  const now = BigInt(Date.now()) * 1_000_000n;
  const post = async (signal: string, body: Uint8Array<ArrayBuffer>) => {
    const res = await otlp.app.request(`/v1/${signal}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-protobuf" },
    });
    if (res.status !== 200) throw new Error(`prefill: HTTP ${res.status}`);
  };
  const jobs: [string, () => Uint8Array<ArrayBuffer>][] = [];
  for (let i = 0; i < n["prefill-spans"] / 1000; i++) {
    jobs.push(["traces", () => encodeTraces(spanRequest(rand, 1000, now))]);
  }
  for (let i = 0; i < n["prefill-logs"] / 1000; i++) {
    jobs.push(["logs", () => encodeLogs(logRequest(rand, 1000, now))]);
  }
  // Sixteen requests in flight: enough to fill batches, few enough not to meet the 429 bound.
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [signal, body] = jobs[next++];
      await post(signal, body());
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  await otlp.close();
}

/** Waits until no merge has run for a second (at most 60 s), so a mode's idle phase is idle. */
async function mergesSettled(store: ChdbStore): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (let quiet = 0; quiet < 5 && performance.now() < deadline;) {
    const [{ n }] = await store.query<{ n: string }>("SELECT count() AS n FROM system.merges");
    quiet = Number(n) === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Per lane: calls, mean statements each waited behind, mean wait and mean engine time held
 * (from `laneStats` deltas).
 */
type Waits = Partial<
  Record<Lane, { calls: number; behind: number; waitMs: number; heldMs: number }>
>;

/**
 * Samples how late a 10 ms timer fires on this process's event loop until the returned function
 * is called, which gives the samples: what a query's continuation waits behind besides the engine.
 */
function eventLoopLag(): () => number[] {
  const lags: number[] = [];
  let expected = performance.now() + 10;
  const timer = setInterval(() => {
    const now = performance.now();
    lags.push(Math.max(0, now - expected));
    expected = now + 10;
  }, 10);
  return () => (clearInterval(timer), lags);
}

function waits(before: Record<Lane, LaneStats>, after: Record<Lane, LaneStats>): Waits {
  const out: Waits = {};
  for (const lane of ["interactive", "ingest", "endpoint"] as const) {
    const calls = after[lane].ran - before[lane].ran;
    if (calls === 0) continue;
    out[lane] = {
      calls,
      behind: (after[lane].waitedBehind - before[lane].waitedBehind) / calls,
      waitMs: (after[lane].waitedMs - before[lane].waitedMs) / calls,
      heldMs: (after[lane].busyMs - before[lane].busyMs) / calls,
    };
  }
  return out;
}

interface ModeReport {
  label: string;
  idle: QueryFigures;
  alone: IngestFigures;
  withQueries: IngestFigures & QueryFigures & { waits: Waits; lag: number[] };
  withHeavy: IngestFigures & QueryFigures & {
    heavyRuns: number;
    heavyMs: number[];
    heavyTimedOut: number;
    waits: Waits;
    lag: number[];
  };
}

/** The OTLP receiver of `mode`, as `serve` would start it, on a free loopback port. */
function startReceiver(store: ChdbStore, mode: Mode): Promise<OtlpReceiver> {
  const config: Config = {
    ...DEFAULT_CONFIG,
    host: "127.0.0.1",
    otlpPort: 0,
    otlpGrpcPort: null,
    clickhouseDatabase: "bench",
    engineConnections: mode.ordering === "per-lane" ? "per-lane" : "shared",
    engineLaneNice: {
      ...DEFAULT_CONFIG.engineLaneNice,
      ingest: mode.ingestNice ?? DEFAULT_CONFIG.engineLaneNice.ingest,
    },
    batchMaxRowsWhileQueried: mode.slice ?? DEFAULT_CONFIG.batchMaxRowsWhileQueried,
    // The prefill's spans are hours old: keep the retention window out of the measurement.
    retentionDays: { traces: 30, logs: 30, metrics: 30 },
  };
  return mode.thread
    ? startOtlpReceiverThread({
      config,
      path: store.path,
      allowedHosts: [],
      laneStats: () => store.laneStats(),
    })
    : startOtlpReceiver(store, config, []);
}

async function runMode(path: string, mode: Mode, file: string): Promise<ModeReport> {
  const store = await ChdbStore.open({
    path,
    database: "bench",
    ...(mode.ordering === "per-lane"
      ? {
        connections: "per-lane" as const,
        laneThreadsNice: {
          ...(mode.ingestNice === undefined ? {} : { ingest: mode.ingestNice }),
          ...(mode.endpointNice === undefined ? {} : { endpoint: mode.endpointNice }),
        },
      }
      : { connections: "shared" as const, lanes: { ordering: mode.ordering } }),
  });
  try {
    const traceIds = (await store.query<{ id: string }>(
      "SELECT TraceId AS id FROM otel_traces_trace_id_ts ORDER BY cityHash64(TraceId) LIMIT 500",
    )).map((r) => r.id);
    await mergesSettled(store);
    let count = 0;
    const idle = await dashboardUser(store, traceIds, () => count++ >= n.iterations);
    const receiver = await startReceiver(store, mode);
    const url = `http://127.0.0.1:${receiver.http.port}/v1/traces`;
    try {
      const alone = await runIngest(url, file);
      let stop = false;
      let mark = store.laneStats();
      let lag = eventLoopLag();
      let user = dashboardUser(store, traceIds, () => stop);
      const loaded = await runIngest(url, file);
      stop = true;
      const queries = await user;
      const loadedLag = lag();
      const loadedWaits = waits(mark, store.laneStats());
      stop = false;
      mark = store.laneStats();
      lag = eventLoopLag();
      user = dashboardUser(store, traceIds, () => stop);
      const endpoint = store.withLane("endpoint");
      const heavyMs: number[] = [];
      let heavyTimedOut = 0;
      const heavy = (async () => {
        while (!stop) {
          const t = performance.now();
          try {
            await endpoint.execute(HEAVY_QUERY, "TabSeparated", {
              settings: { max_execution_time: mode.budget },
            });
          } catch (error) {
            // TIMEOUT_EXCEEDED: the budget cut it short, which is the point of a budget.
            if (!(error instanceof ClickHouseError && error.code === 159)) throw error;
            heavyTimedOut++;
          }
          heavyMs.push(performance.now() - t);
        }
      })();
      const heavyLoad = await runIngest(url, file);
      stop = true;
      const [heavyQueries] = await Promise.all([user, heavy]);
      const heavyLag = lag();
      const heavyWaits = waits(mark, store.laneStats());
      return {
        label: mode.label,
        idle,
        alone,
        withQueries: { ...loaded, ...queries, waits: loadedWaits, lag: loadedLag },
        withHeavy: {
          ...heavyLoad,
          ...heavyQueries,
          heavyRuns: heavyMs.length,
          heavyMs,
          heavyTimedOut,
          waits: heavyWaits,
          lag: heavyLag,
        },
      };
    } finally {
      await receiver.shutdown();
    }
  } finally {
    await store.close();
  }
}

function print(report: ModeReport): void {
  const { idle, alone, withQueries: q, withHeavy: h } = report;
  const ingest = (label: string, f: IngestFigures) =>
    console.log(
      `  ${label.padEnd(34)} ${fmt(f.spansPerSecond).padStart(8)} spans/s  ack p50 ${
        fmt(f.ackP50, 1).padStart(7)
      } ms  p99 ${fmt(f.ackP99, 1).padStart(7)} ms${f.failed ? `  (${f.failed} failed)` : ""}`,
    );
  console.log(`\nmode: ${report.label}`);
  ingest("ingest alone", alone);
  ingest("ingest + dashboard queries", q);
  ingest("ingest + dashboard + heavy query", h);
  console.log(`  trace by id, idle                  ${summary(idle.trace)}`);
  console.log(`  trace by id, under ingest          ${summary(q.trace)}`);
  console.log(`  trace by id, ingest + heavy        ${summary(h.trace)}`);
  console.log(`  log page, idle                     ${summary(idle.logs)}`);
  console.log(`  log page, under ingest             ${summary(q.logs)}`);
  console.log(`  log page, ingest + heavy           ${summary(h.logs)}`);
  console.log(
    `  heavy query: ${h.heavyRuns} runs (${h.heavyTimedOut} cut by the budget), p50 ${
      fmt(percentile(h.heavyMs, 50))
    } ms each`,
  );
  for (
    const [label, w] of [["ingest + dashboard", q.waits], ["ingest + heavy", h.waits]] as const
  ) {
    const parts = Object.entries(w).map(([lane, v]) =>
      `${lane} ${fmt(v.behind, 2)} (wait ${fmt(v.waitMs)} ms, engine ${
        fmt(v.heldMs)
      } ms, ${v.calls} calls)`
    );
    console.log(`  statements waited behind, ${label}: ${parts.join("; ")}`);
  }
  console.log(
    `  event-loop lag p95 / p99: ingest + dashboard ${fmt(percentile(q.lag, 95))} / ${
      fmt(percentile(q.lag, 99))
    } ms; ingest + heavy ${fmt(percentile(h.lag, 95))} / ${fmt(percentile(h.lag, 99))} ms`,
  );
  const p95 = (s: number[]) => percentile(s, 95);
  const goals = [
    [
      "query p95 under load ≤ 2× idle (trace, logs)",
      `${fmt(p95(q.trace) / p95(idle.trace), 2)}×, ${fmt(p95(q.logs) / p95(idle.logs), 2)}×`,
      p95(q.trace) <= 2 * p95(idle.trace) && p95(q.logs) <= 2 * p95(idle.logs),
    ],
    [
      "heavy query adds ≤ 100 ms to ack p99",
      `+${fmt(h.ackP99 - q.ackP99)} ms`,
      h.ackP99 - q.ackP99 <= 100,
    ],
    [
      "ingest under query load ≥ 90% of alone",
      `${fmt((100 * q.spansPerSecond) / alone.spansPerSecond)}%`,
      q.spansPerSecond >= 0.9 * alone.spansPerSecond,
    ],
  ] as const;
  for (const [goal, figure, met] of goals) {
    console.log(`  goal: ${goal.padEnd(46)} ${figure.padEnd(16)} ${met ? "met" : "NOT met"}`);
  }
}

async function main(): Promise<void> {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-mixed-bench-" });
  console.log(
    `mixed load: ${n["prefill-spans"]} spans + ${n["prefill-logs"]} logs prefilled, ` +
      `${n.seconds} s per phase, ${n.concurrency} clients × ${n["per-request"]} spans ` +
      `(shared, loaded machine: compare modes within one run)`,
  );
  const setup = await ChdbStore.open({ path, database: "bench" });
  try {
    await migrate(setup, {
      database: "bench",
      retentionDays: { traces: 30, logs: 30, metrics: 30 },
    });
    await prefill(setup);
  } finally {
    await setup.close();
  }
  const rand = random(11);
  const bodies = Array.from(
    { length: 64 },
    () => encodeTraces(spanRequest(rand, n["per-request"], BigInt(Date.now()) * 1_000_000n)),
  );
  const file = await writeBodies(bodies);
  try {
    for (let round = 1; round <= n.rounds; round++) {
      if (n.rounds > 1) console.log(`\n## round ${round} of ${n.rounds}`);
      for (const mode of modes as Mode[]) print(await runMode(path, mode, file));
    }
  } finally {
    await Deno.remove(file).catch(() => {});
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

if (values["client-url"] && values["client-file"]) {
  await client(values["client-url"], values["client-file"]);
} else {
  await main();
}
