/**
 * The `Deno.serve` app measured by `bench/sdk_overhead.ts`: the same JSON route as
 * `sdk/npm/bench/app.mjs`. MODE=deno (uninstrumented), MODE=deno-otel (uninstrumented too;
 * the bench sets OTEL_DENO=true so Deno's built-in OpenTelemetry traces it) or MODE=deno-sdk
 * (`instrumentApp` from the SDK's sources, as a Deno app imports it). Same protocol as the Node app: prints
 * "listening on URL", SIGUSR2 restarts the counters, SIGTERM prints CPU µs and requests.
 *
 * @module
 */
import process from "node:process";
import { instrumentApp, shutdown } from "../sdk/mod.ts";

const mode = Deno.env.get("MODE") ?? "deno";
const handle = (request: Request): Response => {
  const id = new URL(request.url).pathname.split("/")[2] ?? "0";
  return Response.json({ id, name: "Ada", roles: ["admin", "dev"] });
};
let served = 0;
const counted = (request: Request) => {
  served++;
  return handle(request);
};
const handler = mode === "deno-sdk"
  ? instrumentApp(counted, {
    serviceName: "bench-sdk-deno",
    routes: ["/users/:id"],
    runtimeMetrics: true,
    batchDelayMillis: 1000,
    metricExportIntervalMillis: 5000,
  })
  : counted;
const server = Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 0),
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, handler);
let cpuAtStart = process.cpuUsage();
Deno.addSignalListener("SIGUSR2", () => {
  cpuAtStart = process.cpuUsage();
  served = 0;
});
Deno.addSignalListener("SIGTERM", async () => {
  const cpu = process.cpuUsage(cpuAtStart);
  console.log(`cpu ${cpu.user + cpu.system} requests ${served}`);
  await server.shutdown();
  if (mode === "deno-sdk") await shutdown();
  Deno.exit(0);
});
