/**
 * OTLP ingest benchmark: spans/s and logs/s end to end (OTLP/HTTP protobuf in → rows committed
 * in the embedded engine), then where the time goes: decode, map, Native encode, insert.
 *
 *   deno run -A bench/ingest_bench.ts [--spans 200000] [--logs 200000] [--per-request 1000]
 *                                     [--concurrency 64] [--client-cpu 1] [--no-split]
 *                                     [--stop-merges] [--batch-rows 50000] [--rounds 3]
 *                                     [--redact]
 *
 * Throughput needs more records in flight than one batch holds (64 requests of 1,000 against
 * batches of 50,000): with fewer, every batch waits out its 200 ms age limit, and the figure is
 * the clients' concurrency divided by that wait, not what the server can take.
 *
 * The HTTP client runs in a separate process, so the CPU figure is the server's alone. For the
 * one-core figure pin the server and put the client on the other core:
 *
 *   taskset -c 0 deno run -A bench/ingest_bench.ts --client-cpu 1
 *
 * The receiver runs with `serve`'s default attribute limits; `--redact` turns redaction on (records
 * holding anything a rule could change then take the model path).
 *
 * `--stop-merges` pauses the engine's background merges during the end-to-end run (a
 * diagnostic: the difference is what merging the inserted parts costs).
 *
 * The data directory is a temporary directory: `TMPDIR=/dev/shm` puts it on tmpfs, which takes the
 * disk's own variance (file creation and deletion on a busy ext4) out of the figure.
 *
 * Payloads are realistic (`testing/otlp_payloads.ts`): 8 services, 15 span attributes of mixed
 * types, 2 events on every fourth span, 12 log attributes; one resource with 6 attributes per
 * request.
 *
 * @module
 */
import process from "node:process";
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { encodeNative, NativeBlockBuilder } from "../sql/native/mod.ts";
import { LOGS_COLUMNS, TRACES_COLUMNS } from "../sql/schema.ts";
import { LogsBlock } from "../sql/tables/otel_logs.ts";
import { TracesBlock } from "../sql/tables/otel_traces.ts";
import { createOtlpApp } from "../routes/otlp.ts";
import { BATCH_DEFAULTS } from "../otlp/batcher.ts";
import { encodeLogs, encodeTraces } from "../testing/otlp_encode.ts";
import { mapLogs } from "../testing/map_logs_oracle.ts";
import { mapTraces } from "../testing/map_traces_oracle.ts";
import { decodeLogsProtoInto, decodeTracesProtoInto } from "../otlp/protobuf_columns.ts";
import { DEFAULT_CONFIG } from "../config.ts";
import { ingestLimits } from "../otlp/limits.ts";
import { RecordPolicy, type RecordPolicyOptions } from "../otlp/record_policy.ts";
import { logRequest, spanRequest } from "../testing/otlp_payloads.ts";
import { decodeLogsProto } from "../otlp/pb_logs.ts";
import { decodeTracesProto } from "../otlp/pb_traces.ts";
import { random } from "./span_rows.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt } from "./stats.ts";

/** Results of one run, per signal. */
export interface IngestBenchResult {
  signal: "traces" | "logs";
  records: number;
  endToEndPerSecond: number;
  /** Records per CPU-second of the server process (HTTP, decode, map, encode, engine threads). */
  perCpuSecond: number;
  /** CPU seconds of the server's JavaScript thread during the end-to-end run. */
  mainThreadSeconds: number;
  /** Records per CPU-second counting the background merges of the run's parts, until they settle. */
  perCpuSecondSettled: number;
  /** CPU ms of the serial in-process run, stage by stage. */
  split: { decodeAndMap: number; finish: number; insert: number };
  /** CPU ms of the same work through the former row path (row objects, `encodeNative`). */
  rowPathMs: number;
}

/** Writes request bodies to a file: each as a 4-byte little-endian length, then the bytes. */
async function writeBodies(bodies: Uint8Array[]): Promise<string> {
  const file = await Deno.makeTempFile({ prefix: "tracehouse-ingest-bodies-" });
  const total = bodies.reduce((n, b) => n + 4 + b.length, 0);
  const out = new Uint8Array(total);
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

/** The client side, run in its own process so its work is not counted as the server's. */
async function client(url: string, file: string, concurrency: number): Promise<void> {
  const data = await Deno.readFile(file);
  const view = new DataView(data.buffer);
  const bodies: Uint8Array[] = [];
  for (let at = 0; at < data.length;) {
    const length = view.getUint32(at, true);
    bodies.push(data.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  let next = 0;
  async function worker() {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(url, {
        method: "POST",
        body: body as Uint8Array<ArrayBuffer>,
        headers: { "content-type": "application/x-protobuf" },
      });
      await res.body?.cancel();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Truncates every MergeTree table of the database, then waits for merges to settle. */
async function clearTables(store: ChdbStore): Promise<void> {
  const tables = await store.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'",
  );
  for (const { name } of tables) await store.command(`TRUNCATE TABLE \`${name}\``);
  await mergesSettled(store);
}

/** Waits until no merge has run for a second (at most 60 s). */
async function mergesSettled(store: ChdbStore): Promise<void> {
  const deadline = performance.now() + 60_000;
  let quiet = 0;
  while (quiet < 5 && performance.now() < deadline) {
    const [{ n }] = await store.query<{ n: string }>("SELECT count() AS n FROM system.merges");
    quiet = Number(n) === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function endToEnd(
  store: ChdbStore,
  signal: "traces" | "logs",
  bodies: Uint8Array<ArrayBuffer>[],
  perRequest: number,
  concurrency: number,
  clientCpu: string | undefined,
  stopMerges: boolean,
  batchRows: number,
): Promise<{
  rate: number;
  cpuSeconds: number;
  mainThreadSeconds: number;
  settledCpuSeconds: number;
  batchRowCounts: number[];
}> {
  // Empty every table (the materialized views' targets too) and let merges of earlier phases
  // finish, so the run is charged with its own work only.
  await clearTables(store);
  const table = signal === "traces" ? "otel_traces" : "otel_logs";
  if (stopMerges) await store.command("SYSTEM STOP MERGES");
  const file = await writeBodies(bodies);
  const otlp = createOtlpApp(store, { batch: { maxRows: batchRows }, records: recordOptions });
  const batchRowCounts: number[] = [];
  otlp.ingest.batcher.onBatch((report) => {
    if (report.table === table) batchRowCounts.push(report.rows);
  });
  // The client's start-up is not timed: its first request starts the clock.
  let cpu = process.cpuUsage();
  let main = mainThreadCpuSeconds();
  let started = performance.now();
  let first = true;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    if (first) {
      first = false;
      cpu = process.cpuUsage();
      main = mainThreadCpuSeconds();
      started = performance.now();
    }
    return otlp.app.fetch(request);
  });
  const url = `http://127.0.0.1:${server.addr.port}/v1/${signal}`;
  // With --client-cpu the client runs pinned to that CPU (taskset), away from the server's.
  const pin = clientCpu === undefined ? [] : ["taskset", "-c", clientCpu];
  const [command, ...prefix] = [...pin, Deno.execPath()];
  const child = new Deno.Command(command, {
    args: [
      ...prefix,
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--client-url",
      url,
      "--client-file",
      file,
      "--concurrency",
      String(concurrency),
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const status = await child.status;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const mainThreadSeconds = mainThreadCpuSeconds() - main;
  // The background merges of the parts this run wrote belong to its cost too.
  if (!stopMerges) await mergesSettled(store);
  const settled = process.cpuUsage(cpu);
  await server.shutdown();
  await otlp.close();
  if (stopMerges) await store.command("SYSTEM START MERGES");
  await Deno.remove(file).catch(() => {});
  if (!status.success) throw new Error("the benchmark client failed");
  const [{ n }] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
  if (Number(n) !== bodies.length * perRequest) {
    throw new Error(`expected ${bodies.length * perRequest} rows in ${table}, found ${n}`);
  }
  return {
    rate: (bodies.length * perRequest) / seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    mainThreadSeconds,
    settledCpuSeconds: (settled.user + settled.system) / 1e6,
    batchRowCounts,
  };
}

/**
 * CPU seconds of the JavaScript thread (the process's main thread on Linux: HTTP, decoding,
 * mapping, encoding), from `/proc`; `NaN` where unavailable. The rest of the process's CPU time
 * is the engine's threads (inserts, merges, materialized views).
 */
function mainThreadCpuSeconds(): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${Deno.pid}/task/${Deno.pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
  } catch {
    return NaN;
  }
}

/** CPU time of the process so far (all threads), in ms: steadier than wall time on a busy machine. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * The column path, stage by stage, serially in process: what the server does per batch, in CPU
 * time of the process (the engine's insert threads included).
 */
async function split(
  store: ChdbStore,
  signal: "traces" | "logs",
  bodies: Uint8Array[],
  batchRows: number,
): Promise<IngestBenchResult["split"]> {
  const table = signal === "traces" ? "otel_traces" : "otel_logs";
  const columns = signal === "traces" ? TRACES_COLUMNS : LOGS_COLUMNS;
  await store.command(`TRUNCATE TABLE ${table}`);
  const t = { decodeAndMap: 0, finish: 0, insert: 0 };
  const builder = new NativeBlockBuilder(columns);
  const out = { rejected: 0, errors: [] as string[] };
  const policy = new RecordPolicy(recordOptions);
  const flush = async () => {
    let s = cpuMs();
    const native = builder.finish();
    t.finish += cpuMs() - s;
    s = cpuMs();
    await store.insert(table, { native, rows: builder.rows }, { columns });
    t.insert += cpuMs() - s;
    builder.reset(); // as the batcher does: the grown buffers are reused
  };
  for (const body of bodies) {
    const s = cpuMs();
    // As the receiver does: straight from the protobuf bytes into the block.
    // As the receiver does: the table's typed block over the batcher's builder, one per request.
    if (signal === "traces") decodeTracesProtoInto(body, new TracesBlock(builder), out, policy);
    else decodeLogsProtoInto(body, new LogsBlock(builder), out, policy);
    t.decodeAndMap += cpuMs() - s;
    if (builder.rows >= batchRows) await flush();
  }
  if (builder.rows) await flush();
  return t;
}

/** The former row path (row objects, then `encodeNative`), serially: the baseline, in CPU ms. */
async function rowPath(
  store: ChdbStore,
  signal: "traces" | "logs",
  bodies: Uint8Array[],
  batchRows: number,
): Promise<number> {
  const table = signal === "traces" ? "otel_traces" : "otel_logs";
  const columns = signal === "traces" ? TRACES_COLUMNS : LOGS_COLUMNS;
  await store.command(`TRUNCATE TABLE ${table}`);
  const started = cpuMs();
  let rows: Record<string, unknown>[] = [];
  for (const body of bodies) {
    const mapped = signal === "traces"
      ? mapTraces(decodeTracesProto(body))
      : mapLogs(decodeLogsProto(body));
    for (const row of mapped.rows) rows.push(row);
    if (rows.length >= batchRows) {
      await store.insert(table, encodeRows(rows, columns), { columns });
      rows = [];
    }
  }
  if (rows.length) await store.insert(table, encodeRows(rows, columns), { columns });
  return cpuMs() - started;
}

function encodeRows(
  rows: Record<string, unknown>[],
  columns: typeof TRACES_COLUMNS,
): { native: Uint8Array; rows: number } {
  return { native: encodeNative(rows, columns), rows: rows.length };
}

/**
 * What the receiver does to records: the default attribute limits of `serve`, and redaction
 * with `--redact` (off by default, as in `serve`).
 */
let recordOptions: RecordPolicyOptions = { limits: ingestLimits(DEFAULT_CONFIG) };

/** Runs the benchmark and prints a report; returns the figures. */
export async function main(args: string[] = Deno.args): Promise<IngestBenchResult[]> {
  const { values } = benchArgs({
    args,
    allowNegative: true,
    options: {
      spans: { type: "string", default: "200000" },
      logs: { type: "string", default: "200000" },
      "per-request": { type: "string", default: "1000" },
      concurrency: { type: "string", default: "64" },
      "batch-rows": { type: "string", default: String(BATCH_DEFAULTS.maxRows) },
      rounds: { type: "string", default: "3" },
      "client-cpu": { type: "string" },
      split: { type: "boolean", default: true },
      "stop-merges": { type: "boolean", default: false },
      "client-url": { type: "string" },
      "client-file": { type: "string" },
      redact: { type: "boolean", default: false },
    },
  });
  recordOptions = { limits: ingestLimits(DEFAULT_CONFIG), redact: values.redact };
  if (values["client-url"] && values["client-file"]) {
    await client(values["client-url"], values["client-file"], Number(values.concurrency));
    return [];
  }
  const n = counts(
    values,
    ["spans", "logs", "per-request", "concurrency", "batch-rows", "rounds"],
    { spans: 0, logs: 0 },
  );
  const perRequest = n["per-request"];
  const concurrency = n.concurrency;
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-ingest-bench-" });
  const store = await ChdbStore.open({ path: dir });
  const results: IngestBenchResult[] = [];
  try {
    await migrate(store, {
      database: "default",
      retentionDays: { traces: 30, logs: 30, metrics: 30 },
    });
    const now = BigInt(Date.now()) * 1_000_000n;
    for (const signal of ["traces", "logs"] as const) {
      const total = signal === "traces" ? n.spans : n.logs;
      if (total <= 0) continue;
      const rand = random(42);
      const bodies = Array.from(
        { length: Math.ceil(total / perRequest) },
        () =>
          signal === "traces"
            ? encodeTraces(spanRequest(rand, perRequest, now))
            : encodeLogs(logRequest(rand, perRequest, now)),
      );
      const records = bodies.length * perRequest;
      const mb = bodies.reduce((n, b) => n + b.length, 0) / 1e6;
      const batchRows = n["batch-rows"];
      // The split runs first: it also warms up the JIT for the end-to-end run.
      const t = values.split
        ? await split(store, signal, bodies, batchRows)
        : { decodeAndMap: 0, finish: 0, insert: 0 };
      const rowPathMs = values.split ? await rowPath(store, signal, bodies, batchRows) : 0;
      // Several rounds, reported by the median one: a burst of noise on this shared machine
      // then moves the range, not the figure.
      const rounds = [];
      for (let round = 0; round < n.rounds; round++) {
        rounds.push(
          await endToEnd(
            store,
            signal,
            bodies,
            perRequest,
            concurrency,
            values["client-cpu"],
            values["stop-merges"],
            batchRows,
          ),
        );
      }
      rounds.sort((a, b) => a.rate - b.rate);
      const { rate, cpuSeconds, mainThreadSeconds, settledCpuSeconds, batchRowCounts } =
        rounds[Math.floor(rounds.length / 2)];
      const perCpuSecond = records / cpuSeconds;
      const sum = t.decodeAndMap + t.finish + t.insert;
      const pct = (x: number) =>
        `${fmt(x / 1000 * 1e6 / records, 2)} µs/record (${fmt(x / sum * 100)}%)`;
      const unit = signal === "traces" ? "spans" : "logs";
      console.log(
        `ingest_bench ${signal}: ${fmt(records)} ${unit} in ${bodies.length} requests (${
          fmt(mb, 1)
        } MB protobuf), concurrency ${concurrency}, load average ${
          Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
        }`,
      );
      console.log(
        `  end to end (HTTP protobuf → committed): ${
          fmt(rate)
        } ${unit}/s wall clock, median of ${rounds.length} rounds (${fmt(rounds[0].rate)}–${
          fmt(rounds[rounds.length - 1].rate)
        }); in ${batchRowCounts.length} inserts of ${
          fmt(records / batchRowCounts.length)
        } rows on average`,
      );
      console.log(
        `  CPU cost: ${
          fmt(perCpuSecond)
        } ${unit} per CPU-second of the server process (all threads): ${
          fmt(cpuSeconds * 1e6 / records, 1)
        } µs/record, of which the JavaScript thread ${
          fmt(mainThreadSeconds * 1e6 / records, 1)
        } µs and the engine's threads ${
          fmt((cpuSeconds - mainThreadSeconds) * 1e6 / records, 1)
        } µs`,
      );
      if (!values["stop-merges"]) {
        console.log(
          `  with the background merges of its parts, until they settle: ${
            fmt(records / settledCpuSeconds)
          } ${unit} per CPU-second (${fmt(settledCpuSeconds * 1e6 / records, 1)} µs/record)`,
        );
      }
      if (!values.split) {
        results.push({
          signal,
          records,
          endToEndPerSecond: rate,
          perCpuSecond,
          mainThreadSeconds,
          perCpuSecondSettled: records / settledCpuSeconds,
          split: t,
          rowPathMs,
        });
        continue;
      }
      console.log(
        `  in process, serial, batches of ${fmt(batchRows)} rows, per CPU-second: column path ${
          fmt(records / (sum / 1000))
        } ${unit}, former row path ${fmt(records / (rowPathMs / 1000))} ${unit} (${
          fmt(rowPathMs / sum, 2)
        }x the time)`,
      );
      console.log(`    decode + map into columns ${pct(t.decodeAndMap)}`);
      console.log(`    finish the block          ${pct(t.finish)}`);
      console.log(`    engine insert             ${pct(t.insert)}`);
      results.push({
        signal,
        records,
        endToEndPerSecond: rate,
        perCpuSecond,
        mainThreadSeconds,
        perCpuSecondSettled: records / settledCpuSeconds,
        split: t,
        rowPathMs,
      });
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return results;
}

if (import.meta.main) await main();
