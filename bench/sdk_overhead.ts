/**
 * SDK overhead: requests/s of one small node:http app, uninstrumented vs with
 * `@tracehouse/sdk` vs with `@opentelemetry/sdk-node` + HTTP auto-instrumentation, in the
 * same run, all exporting to a local OTLP sink. Goal: SDK >= 0.6x uninstrumented, and ahead of
 * sdk-node. The same route as a `Deno.serve` app (`bench/deno_app.ts`), bare and with the SDK,
 * shows the cost on Deno, next to the bare app under Deno's built-in OpenTelemetry (`deno-otel`).
 *
 * Run: `deno run -A bench/sdk_overhead.ts [--seconds=3] [--rounds=5] [--connections=8] [--node=PATH]`
 * (`MODES=none,sdk` runs a subset). Rebuilds `sdk/npm/dist` first when `sdk/` changed, so the
 * SDK measured is the one in the tree. The order of the modes rotates from round to round, so
 * none of them always runs first (or right after another one) on a noisy machine.
 *
 * `--node` picks the Node.js binary (default: `node` on the PATH). The machine's Node 20 is past
 * its end of life; the current LTS comes from npm like Bun does:
 * `--node=$(npx -y node@24 -p process.execPath)`.
 *
 * @module
 */
import { buildNpm } from "../sdk/scripts/build_npm.ts";
import { benchArgs, counts } from "./cli.ts";

type Mode = "none" | "sdk" | "sdk-node" | "deno" | "deno-sdk" | "deno-otel";

const npmDir = new URL("../sdk/npm/", import.meta.url);

const { values } = benchArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "5" },
    connections: { type: "string", default: "8" },
    node: { type: "string", default: "node" },
  },
});
const { seconds, rounds, connections } = counts(values, ["seconds", "rounds", "connections"]);
/** The Node.js binary the Node apps run on. */
const nodeBinary = values.node;

let taskset: Promise<boolean> | undefined;

function hasTaskset(): Promise<boolean> {
  taskset ??= (async () => {
    try {
      const cpus = navigator.hardwareConcurrency ?? 1;
      if (cpus < 2) return false;
      const out = await new Deno.Command("taskset", {
        args: ["-p", "-c", "1", String(Deno.pid)],
        stdout: "null",
        stderr: "null",
      }).output();
      return out.success;
    } catch {
      return false;
    }
  })();
  return taskset;
}

/** Starts a node process serving the bench app in `mode`; resolves with its URL. */
async function startApp(
  mode: Mode,
  sink: string,
): Promise<{ url: string; mark(): void; stop(): Promise<number> }> {
  const onDeno = mode.startsWith("deno");
  const [runtime, ...args] = onDeno
    ? [Deno.execPath(), "run", "-A", new URL("./deno_app.ts", import.meta.url).pathname]
    : mode === "sdk-node"
    ? [nodeBinary, "--require", "./bench/otel_sdk_node.cjs", "bench/app.mjs"]
    : [nodeBinary, "bench/app.mjs"];
  // With taskset, the app gets CPU 0 and this process (load + sink) CPU 1, so the client
  // does not steal the app's CPU and req/s measures the app.
  const pinned = await hasTaskset();
  const child = new Deno.Command(pinned ? "taskset" : runtime, {
    args: pinned ? ["-c", "0", runtime, ...args] : args,
    cwd: npmDir,
    // deno-otel: the bare app under Deno's built-in OpenTelemetry (OTEL_DENO=true), which
    // traces `Deno.serve` itself and exports to the same sink.
    env: {
      MODE: mode,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink,
      PORT: "0",
      ...(mode === "deno-otel" ? { OTEL_DENO: "true", OTEL_SERVICE_NAME: "bench-deno-otel" } : {}),
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on (\S+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`app (${mode}) exited: ${text}`);
    text += value;
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += value;
    }
  })();
  return {
    url: text.match(/listening on (\S+)/)![1],
    /** Starts counting CPU time and requests from now (after the warm-up). */
    mark() {
      child.kill("SIGUSR2");
    },
    /** Stops the app; answers its CPU microseconds per request since `mark()`. */
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      const m = /cpu (\d+) requests (\d+)/.exec(await rest);
      return m ? Number(m[1]) / Math.max(1, Number(m[2])) : NaN;
    },
  };
}

/**
 * Closed-loop load: `connections` keep-alive HTTP/1.1 connections, one request in flight each,
 * for `seconds`. A raw TCP client: `fetch` costs more CPU than the server under test, and on a
 * small machine the client would be what gets measured.
 */
async function load(url: string, seconds: number, connections: number): Promise<number> {
  const { hostname, port } = new URL(url);
  const encoder = new TextEncoder();
  const requests = Array.from(
    { length: 100 },
    (_, i) =>
      encoder.encode(
        `GET /users/${i} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: */*\r\n\r\n`,
      ),
  );
  let count = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async (n: number) => {
    const conn = await Deno.connect({ hostname, port: Number(port) });
    const buf = new Uint8Array(64 * 1024);
    const decoder = new TextDecoder();
    let i = n;
    try {
      while (performance.now() < deadline) {
        await conn.write(requests[i++ % requests.length]);
        let text = "";
        for (;;) {
          const read = await conn.read(buf);
          if (read === null) throw new Error("connection closed");
          text += decoder.decode(buf.subarray(0, read));
          const head = text.indexOf("\r\n\r\n");
          if (head < 0) continue;
          const length = /content-length: *(\d+)/i.exec(text.slice(0, head));
          if (length ? text.length >= head + 4 + Number(length[1]) : text.endsWith("0\r\n\r\n")) {
            break;
          }
        }
        if (!text.startsWith("HTTP/1.1 200")) throw new Error(text.slice(0, 80));
        count++;
      }
    } finally {
      conn.close();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, n) => worker(n)));
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  // Always: a no-op when sdk/npm/dist matches the sources (content hash), a rebuild otherwise.
  await buildNpm();
  let received = 0;
  const sink = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    await req.arrayBuffer();
    received++;
    const type = req.headers.get("content-type") ?? "application/x-protobuf";
    return new Response(type.includes("json") ? "{}" : null, { headers: { "content-type": type } });
  });
  const sinkUrl = `http://127.0.0.1:${sink.addr.port}`;
  const modes = (Deno.env.get("MODES")?.split(",") ??
    ["none", "sdk", "sdk-node", "deno", "deno-sdk", "deno-otel"]) as Mode[];
  const results: Record<string, number[]> = {};
  const cpuPerRequest: Record<string, number[]> = {};
  const nodeVersion = new TextDecoder().decode(
    (await new Deno.Command(nodeBinary, { args: ["--version"] }).output()).stdout,
  ).trim();
  if (Number(/^v(\d+)/.exec(nodeVersion)?.[1] ?? 0) < 22) {
    console.log(
      `node ${nodeVersion} is past its end of life, and its AsyncLocalStorage (the context of ` +
        "every span) costs more; for the current LTS: --node=$(npx -y node@24 -p process.execPath)",
    );
  }
  const pinned = await hasTaskset();
  console.log(
    `node ${nodeVersion}, ${connections} connections, ${seconds}s per mode, ${rounds} rounds, ` +
      (pinned ? "app pinned to CPU 0, load generator + sink to CPU 1" : "no CPU pinning"),
  );
  const loadAverage = () => Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`load average before: ${loadAverage()}`);
  for (let round = 1; round <= rounds; round++) {
    const shift = (round - 1) % modes.length;
    for (const mode of [...modes.slice(shift), ...modes.slice(0, shift)]) {
      const app = await startApp(mode, sinkUrl);
      await load(app.url, 1, connections); // warm-up
      app.mark();
      const rps = await load(app.url, seconds, connections);
      const cpu = await app.stop();
      (results[mode] ??= []).push(rps);
      (cpuPerRequest[mode] ??= []).push(cpu);
      console.log(
        `  round ${round} ${mode.padEnd(8)} ${rps.toFixed(0).padStart(7)} req/s  ` +
          `${cpu.toFixed(1).padStart(6)} µs app CPU per request`,
      );
    }
  }
  await sink.shutdown();
  console.log(`load average after: ${loadAverage()}`);
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const rps = (mode: string) => median(results[mode] ?? [NaN]);
  const cpu = (mode: string) => median(cpuPerRequest[mode] ?? [NaN]);
  // Each app against the uninstrumented app of its runtime.
  const baseOf = (mode: Mode) => mode.startsWith("deno") ? "deno" : "none";
  console.log("\nmode        req/s (median)  vs base   app CPU µs/req  vs base");
  for (const mode of modes) {
    const base = baseOf(mode);
    console.log(
      `${mode.padEnd(10)} ${rps(mode).toFixed(0).padStart(14)}  ${
        (rps(mode) / rps(base)).toFixed(2).padStart(6)
      }x  ${cpu(mode).toFixed(1).padStart(14)}  ${(cpu(mode) / cpu(base)).toFixed(2).padStart(6)}x`,
    );
  }
  // Ratios within a round compare runs seconds apart; on a shared machine that is steadier than
  // comparing medians taken across rounds.
  const perRound = (mode: string, base: string) =>
    median((results[mode] ?? []).map((r, i) => r / (results[base]?.[i] ?? NaN)));
  console.log(
    `\n@tracehouse/sdk / uninstrumented: ${
      (rps("sdk") / rps("none")).toFixed(2)
    }x req/s (goal >= 0.60); median of per-round ratios ${perRound("sdk", "none").toFixed(2)}x`,
  );
  console.log(
    `@tracehouse/sdk / sdk-node:       ${(rps("sdk") / rps("sdk-node")).toFixed(2)}x req/s, ` +
      `${(cpu("sdk-node") / cpu("sdk")).toFixed(2)}x less CPU per request (goal > 1.00)`,
  );
  if (results["deno-sdk"]) {
    console.log(
      `On Deno.serve: @tracehouse/sdk / uninstrumented ${
        (rps("deno-sdk") / rps("deno")).toFixed(2)
      }x req/s, ${(cpu("deno-sdk") - cpu("deno")).toFixed(1)} µs of CPU added per request ` +
        `(Node: ${(cpu("sdk") - cpu("none")).toFixed(1)} µs)`,
    );
  }
  if (results["deno-otel"]) {
    console.log(
      `Deno's built-in OpenTelemetry (OTEL_DENO=true) / uninstrumented ${
        (rps("deno-otel") / rps("deno")).toFixed(2)
      }x req/s, ${(cpu("deno-otel") - cpu("deno")).toFixed(1)} µs added; ` +
        `@tracehouse/sdk / built-in ${(rps("deno-sdk") / rps("deno-otel")).toFixed(2)}x req/s`,
    );
  }
  console.log(`OTLP export requests received by the sink: ${received}`);
}

if (import.meta.main) await main();
