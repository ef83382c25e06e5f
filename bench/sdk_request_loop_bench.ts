/**
 * The SDK's own cost per request on Deno, without sockets: a fetch handler (the route of
 * `bench/deno_app.ts`) is called directly on prebuilt `Request` objects, bare and wrapped by
 * `instrumentApp` (spans and metrics exported over OTLP/protobuf to a sink in the same process),
 * each in its own process, alternating for `--rounds`. Prints CPU µs per request of each and
 * what the SDK adds (medians). On a loaded machine this is steadier than `sdk_overhead.ts`,
 * whose CPU per request also moves with how many requests each socket wake-up brings.
 *
 * With `--node=PATH` the same is measured on Node too (`sdk/npm/bench/request_loop.mjs`: requests
 * fed into the bench app's `node:http` `request` event, no sockets), against the npm build, which
 * is rebuilt first when `sdk/` changed. Node 24 LTS: `--node=$(npx -y node@24 -p process.execPath)`.
 *
 * Run: `deno run -A bench/sdk_request_loop_bench.ts [--requests=150000] [--rounds=3] [--node=PATH]`
 *
 * @module
 */
import process from "node:process";
import { instrumentApp, shutdown } from "../sdk/mod.ts";
import { buildNpm } from "../sdk/scripts/build_npm.ts";
import { benchArgs, counts } from "./cli.ts";

type Mode = "bare" | "sdk";
type Runtime = "deno" | "node";

const WARM_UP = 50_000;

/** One measurement in this process: CPU µs per request of `mode`. */
async function child(mode: Mode, requests: number): Promise<number> {
  const sink = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    await req.arrayBuffer();
    return new Response(null, { headers: { "content-type": "application/x-protobuf" } });
  });
  const handle = (request: Request): Response => {
    const id = new URL(request.url).pathname.split("/")[2] ?? "0";
    return Response.json({ id, name: "Ada", roles: ["admin", "dev"] });
  };
  const handler = mode === "sdk"
    ? instrumentApp(handle, {
      serviceName: "bench-sdk-loop",
      endpoint: `http://127.0.0.1:${sink.addr.port}`,
      routes: ["/users/:id"],
      runtimeMetrics: true,
      batchDelayMillis: 1000,
      metricExportIntervalMillis: 5000,
    })
    : handle;
  const batch = Array.from(
    { length: 100 },
    (_, i) =>
      new Request(`http://127.0.0.1:8000/users/${i}`, {
        headers: { "user-agent": "bench/1", accept: "*/*" },
      }),
  );
  const info = { remoteAddr: { hostname: "127.0.0.1", port: 40000, transport: "tcp" } };
  const call = handler as (request: Request, info: unknown) => Response;
  const run = async (count: number) => {
    for (let i = 0; i < count; i++) {
      call(batch[i % batch.length], info);
      // Let timers and the exporter's I/O run, as a server's event loop would.
      if ((i & 255) === 255) await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  await run(WARM_UP);
  const start = process.cpuUsage();
  await run(requests);
  const cpu = process.cpuUsage(start);
  if (mode === "sdk") await shutdown();
  await sink.shutdown();
  return (cpu.user + cpu.system) / requests;
}

async function main(): Promise<void> {
  const childMode = Deno.env.get("SDK_LOOP_CHILD") as Mode | undefined;
  const { values } = benchArgs({
    args: Deno.args,
    options: {
      requests: { type: "string", default: "150000" },
      rounds: { type: "string", default: "3" },
      node: { type: "string" },
    },
  });
  const { requests, rounds } = counts(values, ["requests", "rounds"], { requests: 1000 });
  if (childMode) {
    console.log(`cpu-per-request ${await child(childMode, requests)}`);
    return;
  }
  console.log(
    `${requests} requests per run after ${WARM_UP} of warm-up, ${rounds} rounds, ` +
      `load average ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
  );
  const runtimes: Runtime[] = values.node ? ["deno", "node"] : ["deno"];
  if (values.node) await buildNpm();
  for (const runtime of runtimes) {
    const results: Record<Mode, number[]> = { bare: [], sdk: [] };
    for (let round = 1; round <= rounds; round++) {
      for (const mode of (round % 2 ? ["bare", "sdk"] : ["sdk", "bare"]) as Mode[]) {
        const us = await measure(runtime, mode, requests, values.node);
        results[mode].push(us);
        console.log(
          `  round ${round} ${runtime} ${mode.padEnd(4)} ${us.toFixed(2)} µs CPU per request`,
        );
      }
    }
    const added = results.sdk.map((sdk, i) => sdk - results.bare[i]);
    console.log(
      `${runtime}: bare ${median(results.bare).toFixed(2)} µs, with the SDK ${
        median(results.sdk).toFixed(2)
      } µs: the SDK adds ${median(added).toFixed(2)} µs of CPU per request (per round: ${
        added.map((a) => a.toFixed(2)).join(", ")
      })`,
    );
  }
  console.log(`load average after: ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
}

/** Runs one measurement in a new process; answers its CPU µs per request. */
async function measure(
  runtime: Runtime,
  mode: Mode,
  requests: number,
  node: string | undefined,
): Promise<number> {
  const command = runtime === "node"
    ? new Deno.Command(node!, {
      args: ["bench/request_loop.mjs"],
      cwd: new URL("../sdk/npm/", import.meta.url),
      env: { MODE: mode, REQUESTS: String(requests) },
      stderr: "inherit",
    })
    : new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, `--requests=${requests}`],
      env: { SDK_LOOP_CHILD: mode },
      stderr: "inherit",
    });
  const out = await command.output();
  const text = new TextDecoder().decode(out.stdout);
  const m = /cpu-per-request (\S+)/.exec(text);
  if (!out.success || !m) throw new Error(`${runtime} ${mode} run failed: ${text}`);
  return Number(m[1]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

if (import.meta.main) await main();
