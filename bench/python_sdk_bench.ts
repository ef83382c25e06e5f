/**
 * Python SDK overhead: requests/s of one Flask app under one gunicorn sync worker pinned to one
 * CPU, uninstrumented vs `tracehouse.instrument_app` vs OpenTelemetry's zero-code
 * `opentelemetry-instrument`, in the same run, all exporting over OTLP/HTTP to a local sink that
 * decodes nothing (every request sampled and exported). Goal: tracehouse >= 0.6x uninstrumented
 * and ahead of zero-code. The load comes from `wrk` (C, one thread) on the other CPU, so the
 * client is not the bottleneck; the order of the modes rotates from round to round. Then the
 * same app in process (`python_wsgi_loop.py`: its WSGI call in a loop, no server), whose CPU per
 * request is the app and its instrumentation alone, steadier on a loaded machine.
 *
 * Run: `deno run -A bench/python_sdk_bench.ts [--seconds=3] [--rounds=3] [--connections=8]`
 * (`MODES=none,tracehouse` runs a subset). Needs the Python SDK's venv (`deno run -A
 * python/venv.ts`) and `wrk` (`apt-get install wrk`; `.ci/setup.d/35-python-sdk.sh` does both).
 *
 * @module
 */
import { join } from "node:path";
import { ensurePythonSdk } from "../python/venv.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt } from "./stats.ts";

type Mode = "none" | "tracehouse" | "zero-code";
const ALL: Mode[] = ["none", "tracehouse", "zero-code"];

const { values } = benchArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "8" },
  },
});
const { seconds, rounds, connections } = counts(values, ["seconds", "rounds", "connections"]);
const modes = (Deno.env.get("MODES")?.split(",") ?? ALL) as Mode[];
const unknown = modes.filter((m) => !ALL.includes(m));
if (unknown.length > 0) {
  console.error(`Unknown MODES ${unknown.join(",")}; expected some of ${ALL.join(",")}`);
  Deno.exit(2);
}

async function hasCommand(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

if (!(await hasCommand("wrk", ["--version"])) && !(await hasCommand("which", ["wrk"]))) {
  console.error("wrk is not installed (apt-get install wrk, or bash .ci/setup.d/35-python-sdk.sh)");
  Deno.exit(1);
}
const pinned = (navigator.hardwareConcurrency ?? 1) >= 2 &&
  await hasCommand("taskset", ["-c", "0", "true"]);
if (pinned) {
  // This process (the OTLP sink) and wrk share CPU 0; the app has CPU 1 to itself.
  await new Deno.Command("taskset", { args: ["-p", "-c", "0", String(Deno.pid)], stdout: "null" })
    .output();
}

const env = await ensurePythonSdk();
const appDir = new URL("./", import.meta.url).pathname;

// The sink: answers every export with an empty protobuf response, decodes nothing.
let exported = 0;
const sink = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  exported += (await req.arrayBuffer()).byteLength;
  return new Response(null, { status: 200, headers: { "content-type": "application/x-protobuf" } });
});
const sinkUrl = `http://127.0.0.1:${sink.addr.port}`;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

interface Running {
  url: string;
  /** CPU seconds (user + system) used so far by gunicorn's master and its workers. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

async function processCpu(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND || 0;
}

async function treeCpu(pid: number): Promise<number> {
  const children = (await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`).catch(() => ""))
    .trim().split(/\s+/).filter(Boolean).map(Number);
  let total = await processCpu(pid);
  for (const child of children) total += await treeCpu(child);
  return total;
}

/** The environment of the app in `mode`: every signal exported to the sink. */
function appEnv(mode: Mode): Record<string, string> {
  return {
    BENCH_MODE: mode === "tracehouse" ? "tracehouse" : "none",
    OTEL_SERVICE_NAME: `bench-${mode}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_METRICS_EXPORTER: "otlp",
    OTEL_LOGS_EXPORTER: "otlp",
    // Both on the stable HTTP conventions, as tracehouse sets by default.
    OTEL_SEMCONV_STABILITY_OPT_IN: "http",
  };
}

async function startApp(mode: Mode): Promise<Running> {
  const port = freePort();
  const gunicorn = [
    join(env.venv, "bin/gunicorn"),
    "--workers",
    "1",
    "--worker-class",
    "sync",
    "--no-control-socket",
    "--chdir",
    appDir,
    "--bind",
    `127.0.0.1:${port}`,
    "--log-level",
    "warning",
    "python_flask_app:app",
  ];
  const command = mode === "zero-code"
    ? [join(env.venv, "bin/opentelemetry-instrument"), ...gunicorn]
    : gunicorn;
  const child = new Deno.Command(pinned ? "taskset" : command[0], {
    args: pinned ? ["-c", "1", ...command] : command.slice(1),
    env: appEnv(mode),
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}/users/7`;
  const deadline = Date.now() + 30_000;
  while (true) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      const err = new TextDecoder().decode((await child.output()).stderr);
      throw new Error(`${mode}: gunicorn did not answer within 30 s:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    cpuSeconds: () => treeCpu(child.pid),
    async stop() {
      child.kill("SIGTERM");
      await child.output();
    },
  };
}

async function load(url: string): Promise<{ rps: number; requests: number }> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, url];
  const out = await new Deno.Command(pinned ? "taskset" : "wrk", {
    args: pinned ? ["-c", "0", "wrk", ...args] : args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!out.success || !match) {
    throw new Error(`wrk failed:\n${text}${new TextDecoder().decode(out.stderr)}`);
  }
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (errors) throw new Error(`the app answered errors under load:\n${text}`);
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? "0");
  return { rps: Number(match[1]), requests };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rps: Record<string, number[]> = {};
const cpuPerRequest: Record<string, number[]> = {};
/** Per round: uninstrumented CPU per request over the mode's (capacity left on one core). */
const capacities: Record<string, number[]> = {};
const ratios: Record<string, number[]> = {};
console.log(
  `Flask under gunicorn (1 sync worker${
    pinned ? ", CPU 1" : ", not pinned"
  }), wrk -c${connections} ` +
    `${seconds}s x ${rounds} rounds; load average ${
      Deno.loadavg().map((l) => l.toFixed(2)).join(" ")
    } ` +
    "(the machine is shared: compare ratios, not absolute figures)",
);
for (let round = 0; round < rounds; round++) {
  const order = modes.map((_, i) => modes[(i + round) % modes.length]);
  const thisRound: Record<string, number> = {};
  for (const mode of order) {
    const app = await startApp(mode);
    try {
      await load(app.url); // warm-up: imports, first exports, warm caches
      const before = await app.cpuSeconds();
      const result = await load(app.url);
      const cpu = (await app.cpuSeconds()) - before;
      thisRound[mode] = result.rps;
      (rps[mode] ??= []).push(result.rps);
      (cpuPerRequest[mode] ??= []).push((cpu / result.requests) * 1e6);
    } finally {
      await app.stop();
    }
  }
  if (thisRound.none) {
    const noneCpu = cpuPerRequest.none.at(-1)!;
    for (const mode of modes) {
      (ratios[mode] ??= []).push(thisRound[mode] / thisRound.none);
      (capacities[mode] ??= []).push(noneCpu / cpuPerRequest[mode].at(-1)!);
    }
  }
  console.log(
    `round ${round + 1}: ` +
      order.map((m) =>
        `${m} ${fmt(thisRound[m])} req/s ${fmt(cpuPerRequest[m].at(-1)!)} µs CPU/req`
      )
        .join(", "),
  );
}

/** CPU per request of the app alone: bench/python_wsgi_loop.py, no server, no sockets. */
async function inProcess(mode: Mode): Promise<{ thread_us: number; process_us: number }> {
  const loop = [join(env.venv, "bin/python"), join(appDir, "python_wsgi_loop.py")];
  const command = mode === "zero-code"
    ? [join(env.venv, "bin/opentelemetry-instrument"), ...loop]
    : loop;
  const out = await new Deno.Command(pinned ? "taskset" : command[0], {
    args: pinned ? ["-c", "1", ...command] : command.slice(1),
    env: { ...appEnv(mode), REQUESTS: "5000" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  if (!out.success) {
    throw new Error(
      `${mode}: python_wsgi_loop.py failed:\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return JSON.parse(text);
}

const loopCpu: Record<string, { thread: number[]; process: number[] }> = {};
for (let round = 0; round < rounds; round++) {
  for (const mode of modes.map((_, i) => modes[(i + round) % modes.length])) {
    const result = await inProcess(mode);
    (loopCpu[mode] ??= { thread: [], process: [] }).thread.push(result.thread_us);
    loopCpu[mode].process.push(result.process_us);
  }
}
await sink.shutdown();

const base = rps.none ? median(rps.none) : undefined;
const baseCpu = cpuPerRequest.none ? median(cpuPerRequest.none) : undefined;
console.log(
  "\n| mode | req/s (median) | vs uninstrumented | per-round ratio (median) | app CPU per request | capacity vs uninstrumented | per-round capacity (median) |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const mode of modes) {
  const value = median(rps[mode]);
  const cpu = median(cpuPerRequest[mode]);
  const ratio = base ? `${(value / base).toFixed(2)}x` : "—";
  const perRound = ratios[mode] ? `${median(ratios[mode]).toFixed(2)}x` : "—";
  const capacity = baseCpu ? `${(baseCpu / cpu).toFixed(2)}x` : "—";
  const roundCapacity = capacities[mode] ? `${median(capacities[mode]).toFixed(2)}x` : "—";
  console.log(
    `| ${mode} | ${fmt(value)} | ${ratio} | ${perRound} | ${
      fmt(cpu)
    } µs | ${capacity} | ${roundCapacity} |`,
  );
}
const loopBase = loopCpu.none ? median(loopCpu.none.process) : undefined;
console.log(
  "\nIn process (python_wsgi_loop.py: the app's WSGI call in a loop, no server; medians of " +
    `${rounds} x 5000 requests)\n`,
);
console.log("| mode | request thread CPU | process CPU | added vs uninstrumented |");
console.log("| --- | ---: | ---: | ---: |");
for (const mode of modes) {
  const thread = median(loopCpu[mode].thread);
  const process = median(loopCpu[mode].process);
  const added = loopBase === undefined ? "—" : `${fmt(process - loopBase)} µs`;
  console.log(`| ${mode} | ${fmt(thread)} µs | ${fmt(process)} µs | ${added} |`);
}
console.log(
  `exported ${fmt(exported / 1e6, 1)} MB of OTLP; load average ${Deno.loadavg()[0].toFixed(2)}`,
);
if (exported === 0 && modes.some((m) => m !== "none")) {
  console.error("Nothing was exported: the instrumented modes did not reach the sink");
  Deno.exit(1);
}
