/**
 * Dashboard benchmark: first contentful paint of each page in Debian's
 * Chromium, served by `main.ts serve` over a data directory filled by the
 * query benchmark's generator (`bench/query_bench.ts --path`), compared with
 * the same pages over an empty data directory in the same run.
 *
 *   deno run -A bench/dashboard_bench.ts [--spans 2000000] [--logs 2000000] [--path DIR [--reuse]]
 *
 * @module
 */
import { chromium } from "playwright-core";
import { benchArgs, counts } from "./cli.ts";
import { fmt, percentile } from "./stats.ts";

const { values } = benchArgs({
  args: Deno.args,
  options: {
    spans: { type: "string", default: "2000000" },
    logs: { type: "string", default: "2000000" },
    path: { type: "string" },
    reuse: { type: "boolean", default: false },
    rounds: { type: "string", default: "7" },
  },
});
const CHROMIUM = Deno.env.get("TRACEHOUSE_CHROMIUM") ?? "/usr/bin/chromium";
const PAGES = ["/services", "/traces", "/logs", "/metrics", "/traces?status=error"];
const ROOT = new URL("../", import.meta.url);
const { rounds } = counts(values, ["spans", "logs", "rounds"]);

async function generate(dir: string): Promise<void> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("bench/query_bench.ts", ROOT).pathname,
      "--spans",
      values.spans!,
      "--logs",
      values.logs!,
      "--path",
      dir,
      // One argument: a value starting with "-" after a separate "--only" is refused by parseArgs.
      "--only=-none-",
      "--no-projection",
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error("generating the data failed");
}

async function serve(dir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    // query_bench.ts writes its data to the "bench" database.
    args: [
      "run",
      "-A",
      new URL("main.ts", ROOT).pathname,
      "serve",
      "--data",
      dir,
      "--clickhouse-database",
      "bench",
    ],
    env: { TRACEHOUSE_PORT: "0", TRACEHOUSE_OTLP_PORT: "0", TRACEHOUSE_OTLP_GRPC_PORT: "off" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let text = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    const url = /tracehouse: ui listening on (\S+)/.exec(text)?.[1];
    if (url) return { url, stop: async () => (child.kill("SIGTERM"), await child.status) };
  }
  throw new Error(`serve did not start:\n${text}`);
}

async function paints(url: string): Promise<Map<string, number[]>> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  const results = new Map<string, number[]>(PAGES.map((p) => [p, []]));
  try {
    const page = await browser.newPage();
    for (const path of PAGES) await page.goto(`${url}${path}`); // warm: bundles, caches
    for (let round = 0; round < rounds; round++) {
      for (const path of PAGES) {
        // A new query string each round so the API cache cannot answer.
        await page.goto(`${url}${path}${path.includes("?") ? "&" : "?"}r=${round}`);
        const fcp = await page.evaluate(() =>
          new Promise<number>((resolve) =>
            new PerformanceObserver((list) => {
              const entry = list.getEntriesByName("first-contentful-paint")[0];
              if (entry) resolve(entry.startTime);
            }).observe({ type: "paint", buffered: true })
          )
        );
        results.get(path)!.push(fcp);
      }
    }
  } finally {
    await browser.close();
  }
  return results;
}

const empty = await Deno.makeTempDir({ prefix: "tracehouse-dash-empty-" });
const dir = values.path ?? await Deno.makeTempDir({ prefix: "tracehouse-dash-" });
if (!values.reuse) await generate(dir);
const results: [string, Map<string, number[]>][] = [];
for (const [label, data] of [["empty", empty], ["filled", dir]] as const) {
  const server = await serve(data);
  try {
    results.push([label, await paints(server.url)]);
  } finally {
    await server.stop();
  }
}
console.log(`dashboard_bench: first contentful paint, ${rounds} rounds, p50 / p95 ms`);
console.log(`  ${"page".padEnd(24)} ${"empty".padStart(16)} ${"filled".padStart(16)}`);
for (const path of PAGES) {
  const cells = results.map(([, r]) => {
    const samples = r.get(path)!;
    return `${fmt(percentile(samples, 50))} / ${fmt(percentile(samples, 95))}`.padStart(16);
  });
  console.log(`  ${path.padEnd(24)} ${cells.join(" ")}`);
}
if (!values.path) await Deno.remove(dir, { recursive: true });
await Deno.remove(empty, { recursive: true });
