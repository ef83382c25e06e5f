/**
 * Peak memory of the server under saturating OTLP ingest, and what the byte bound of the ingest
 * queue (`TRACEHOUSE_BATCH_MAX_QUEUED_BYTES`) costs in throughput: `main.ts serve` runs as its
 * own process with default settings except that bound; this process floods it with realistic
 * 1,000-span requests from 64 concurrent clients (a 429 is retried after 50 ms, as exporters do)
 * and reads the server's peak RSS (`VmHWM`) from `/proc`. The baseline is a bound so large that
 * only the row bound holds the queue, as before the byte bound existed; bounds take turns round
 * by round.
 *
 *   deno run -A bench/ingest_memory_bench.ts [--bounds-mib 64,256,65536] [--seconds 8]
 *                                            [--clients 64] [--rounds 2] [--payload 0]
 *                                            [--server-env TRACEHOUSE_OTLP_THREAD=off,…]
 *
 * `--payload N` adds an attribute of N bytes to every span: with large spans the row bound no
 * longer holds memory, and the byte bound shows what it is for. 64 clients keep ~51 MB of realistic
 * spans in flight, under the default bound; `--clients 256` fills the queue to its bound.
 *
 * Besides `VmHWM` it prints the peak of the anonymous part of RSS (the file-backed part is mostly
 * the engine library's code, ~228 MiB) and the server's CPU time per stored span, which moves
 * less than spans/s when other processes share the machine.
 *
 * @module
 */
import { encodeTraces } from "../testing/otlp_encode.ts";
import { startTracehouse } from "../tests/interop/server.ts";
import { spanRequest } from "../testing/otlp_payloads.ts";
import { random } from "./span_rows.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt } from "./stats.ts";

/** The figures of one bound. */
export interface MemoryResult {
  boundMiB: number;
  spansPerSecond: number;
  refused: number;
  peakRssMiB: number;
  /** Peak of the anonymous part of RSS (heaps, buffers), sampled every 100 ms. */
  peakAnonMiB: number;
  /** The file-backed part (mostly the engine library's code) at that peak. */
  fileMiB: number;
  /** CPU time the server spent per stored span (all its threads), µs: steadier than spans/s on a shared machine. */
  cpuMicrosPerSpan: number;
}

async function status(pid: number, field: string): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)![1]) / 1024;
}

/** CPU seconds process `pid` has used so far (user + system, all threads). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples the anonymous and file-backed parts of `pid`'s RSS until `done` settles. */
async function peakParts(pid: number, done: Promise<unknown>) {
  let finished = false;
  done.finally(() => finished = true);
  let peak = { anon: 0, file: 0 };
  while (!finished) {
    const anon = await status(pid, "RssAnon");
    if (anon > peak.anon) peak = { anon, file: await status(pid, "RssFile") };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return peak;
}

async function run(
  boundMiB: number,
  bodies: Uint8Array<ArrayBuffer>[],
  clients: number,
  seconds: number,
  serverEnv: Record<string, string>,
): Promise<MemoryResult> {
  const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-memory-bench-" });
  const server = await startTracehouse(dataDir, {
    ...serverEnv,
    TRACEHOUSE_BATCH_MAX_QUEUED_BYTES: String(boundMiB * 1024 * 1024),
  });
  let spans = 0;
  let refused = 0;
  let next = 0;
  const cpuBefore = await cpuSeconds(server.pid);
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  async function client() {
    while (performance.now() < deadline) {
      const res = await fetch(`${server.otlpUrl}/v1/traces`, {
        method: "POST",
        body: bodies[next++ % bodies.length],
        headers: { "content-type": "application/x-protobuf" },
      });
      await res.body?.cancel();
      if (res.status === 200) spans += 1000;
      else if (res.status === 429) {
        refused++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } else throw new Error(`HTTP ${res.status}`);
    }
  }
  try {
    const flood = Promise.all(Array.from({ length: clients }, client));
    const parts = peakParts(server.pid, flood);
    await flood;
    const elapsed = (performance.now() - started) / 1000;
    const peak = await parts;
    const cpu = await cpuSeconds(server.pid) - cpuBefore;
    return {
      boundMiB,
      spansPerSecond: spans / elapsed,
      refused,
      peakRssMiB: await status(server.pid, "VmHWM"),
      peakAnonMiB: peak.anon,
      fileMiB: peak.file,
      cpuMicrosPerSpan: spans > 0 ? cpu / spans * 1e6 : NaN,
    };
  } finally {
    await server.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

/** Runs the benchmark and prints a report; returns the median round of each bound. */
export async function main(args: string[] = Deno.args): Promise<MemoryResult[]> {
  const { values } = benchArgs({
    args,
    options: {
      "bounds-mib": { type: "string", default: "64,256,65536" },
      payload: { type: "string", default: "0" },
      seconds: { type: "string", default: "8" },
      clients: { type: "string", default: "64" },
      rounds: { type: "string", default: "2" },
      "server-env": { type: "string", default: "" },
    },
  });
  const serverEnv: Record<string, string> = {};
  for (const pair of values["server-env"].split(",").filter((p) => p.trim() !== "")) {
    const [, key, value] = pair.trim().match(/^(TRACEHOUSE_[A-Z0-9_]+)=(.*)$/) ?? [];
    if (key === undefined) {
      console.error(`Bad flag: --server-env=${values["server-env"]} (TRACEHOUSE_NAME=value pairs)`);
      Deno.exit(2);
    }
    serverEnv[key] = value;
  }
  const n = counts(values, ["seconds", "clients", "rounds", "payload"], { payload: 0 });
  const bounds = values["bounds-mib"].split(",").map((b) => Number(b.trim()));
  if (bounds.some((b) => !Number.isInteger(b) || b < 1 || b > 65536)) {
    console.error(`Bad flag: --bounds-mib=${values["bounds-mib"]} (MiB from 1 to 65536)`);
    Deno.exit(2);
  }
  const rand = random(3);
  const now = BigInt(Date.now()) * 1_000_000n;
  const bodies = Array.from({ length: 64 }, () => {
    const groups = spanRequest(rand, 1000, now);
    if (n.payload > 0) {
      for (const span of groups[0].scopes[0].items) {
        span.attributes.push(["app.payload", span.spanId.repeat(Math.ceil(n.payload / 16))]);
      }
    }
    return encodeTraces(groups);
  });
  console.log(
    `ingest_memory_bench: ${n.clients} clients × 1,000-span requests (+${n.payload} B per span) ` +
      `for ${n.seconds} s per run, ` +
      `${n.rounds} rounds, bounds in turns${
        Object.keys(serverEnv).length ? `, server env ${values["server-env"]}` : ""
      }; load average ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
  );
  const rounds = new Map<number, MemoryResult[]>(bounds.map((b) => [b, []]));
  for (let r = 0; r < n.rounds; r++) {
    for (const bound of r % 2 === 0 ? bounds : [...bounds].reverse()) {
      rounds.get(bound)!.push(await run(bound, bodies, n.clients, n.seconds, serverEnv));
    }
  }
  const results: MemoryResult[] = [];
  const baseline = rounds.get(Math.max(...bounds))!;
  const median = (
    list: MemoryResult[],
    key: "spansPerSecond" | "peakRssMiB" | "peakAnonMiB" | "fileMiB" | "cpuMicrosPerSpan",
  ) => [...list].sort((a, b) => a[key] - b[key])[Math.floor((list.length - 1) / 2)][key];
  const baseRate = median(baseline, "spansPerSecond");
  console.log(
    "| queue byte bound | spans/s | vs largest bound | 429s | server peak RSS (MiB) | " +
      "peak anonymous / file-backed (MiB) | server CPU µs/span |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const bound of bounds) {
    const list = rounds.get(bound)!;
    const result = {
      boundMiB: bound,
      spansPerSecond: median(list, "spansPerSecond"),
      refused: Math.round(list.reduce((s, x) => s + x.refused, 0) / list.length),
      peakRssMiB: median(list, "peakRssMiB"),
      peakAnonMiB: median(list, "peakAnonMiB"),
      fileMiB: median(list, "fileMiB"),
      cpuMicrosPerSpan: median(list, "cpuMicrosPerSpan"),
    };
    results.push(result);
    console.log(
      `| ${fmt(bound)} MiB | ${fmt(result.spansPerSecond)} | ${
        fmt(result.spansPerSecond / baseRate, 2)
      }× | ${fmt(result.refused)} | ${fmt(result.peakRssMiB)} (${
        list.map((x) => fmt(x.peakRssMiB)).join(", ")
      }) | ${fmt(result.peakAnonMiB)} / ${fmt(result.fileMiB)} | ${
        fmt(result.cpuMicrosPerSpan, 1)
      } |`,
    );
  }
  return results;
}

if (import.meta.main) await main();
