/**
 * What the slow-loris guard costs: requests/s of the same handler served by `Deno.serve` (no
 * deadlines, no connection cap) and by `doors/listen.ts` (node:http with header/request
 * deadlines and a cap), for a small GET and for POSTs of 64 KiB and 512 KiB (OTLP-sized bodies:
 * 1,000 spans are about 300–500 KiB of protobuf).
 *
 *   deno run -A bench/listen_bench.ts [--requests 20000] [--concurrency 32] [--rounds 3]
 *
 * The HTTP client runs in a separate process (keep-alive fetch), so both servers get the same
 * load and the CPU of this process is the server's. Figures vary with the machine's load: run
 * both in the same session and read the ratio, not the absolute numbers.
 *
 * @module
 */
import { listen } from "../doors/listen.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt } from "./stats.ts";

const { values } = benchArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "32" },
    rounds: { type: "string", default: "3" },
    client: { type: "string" },
    kind: { type: "string", default: "GET small" },
  },
});
const { requests, concurrency, rounds } = counts(values, ["requests", "concurrency", "rounds"]);
/** Request kinds: a GET, and POSTs with bodies of these sizes. */
const KINDS: Record<string, number> = {
  "GET small": 0,
  "POST 64 KiB": 64 * 1024,
  "POST 512 KiB": 512 * 1024,
};

/** Client mode: fires `requests` at the URL with `concurrency` in flight, prints the seconds. */
async function client(url: string, kind: string): Promise<void> {
  const size = KINDS[kind];
  if (size === undefined) throw new RangeError(`Unknown --kind "${kind}"`);
  const body = new Uint8Array(size).fill(97);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next++ < requests) {
      const response = size > 0 ? await fetch(url, { method: "POST", body }) : await fetch(url);
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  console.log(((performance.now() - started) / 1000).toFixed(4));
}

if (values.client) {
  await client(values.client, values.kind ?? "GET small");
  Deno.exit(0);
}

async function handler(request: Request): Promise<Response> {
  if (request.method === "POST") {
    const body = await request.bytes();
    return new Response(String(body.length));
  }
  return new Response("ok");
}

async function load(url: string, kind: string): Promise<number> {
  const { stdout, code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      `--client=${url}`,
      `--kind=${kind}`,
      `--requests=${requests}`,
      `--concurrency=${concurrency}`,
    ],
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`client failed with exit code ${code}`);
  return requests / Number(new TextDecoder().decode(stdout).trim());
}

const servers = {
  "Deno.serve": () => {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
    return Promise.resolve({ port: server.addr.port, stop: () => server.shutdown() });
  },
  "doors/listen": async () => {
    const server = await listen(handler, { hostname: "127.0.0.1", port: 0 });
    return { port: server.addr.port, stop: () => server.shutdown() };
  },
};

console.log(
  `${requests} requests, ${concurrency} in flight, best of ${rounds} (machine shared: read ratios)`,
);
for (const kind of Object.keys(KINDS)) {
  const best: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, start] of Object.entries(servers)) {
      const server = await start();
      try {
        const rate = await load(`http://127.0.0.1:${server.port}/`, kind);
        best[name] = Math.max(best[name] ?? 0, rate);
      } finally {
        await server.stop();
      }
    }
  }
  const base = best["Deno.serve"];
  for (const [name, rate] of Object.entries(best)) {
    console.log(
      `${kind.padEnd(12)}  ${name.padEnd(13)} ${fmt(rate).padStart(8)} req/s  ${
        (rate / base).toFixed(2)
      }x`,
    );
  }
}
