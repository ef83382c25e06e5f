// The app measured by bench/sdk_overhead.ts: a node:http server with one JSON route.
// MODE=none (uninstrumented), MODE=sdk (@tracehouse/sdk), MODE=sdk-node (preloaded with
// `--require ./otel_sdk_node.cjs`). Prints "listening on URL".
import { createServer } from "node:http";

const mode = process.env.MODE ?? "none";
const server = createServer((req, res) => {
  const id = req.url?.split("/")[2] ?? "0";
  const body = JSON.stringify({ id, name: "Ada", roles: ["admin", "dev"] });
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
});
if (mode === "sdk") {
  const { instrumentApp } = await import("@tracehouse/sdk");
  instrumentApp(server, {
    serviceName: "bench-sdk",
    routes: ["/users/:id"],
    runtimeMetrics: true,
    batchDelayMillis: 1000,
    metricExportIntervalMillis: 5000,
  });
}
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
let served = 0;
server.on("request", () => served++);
let cpuAtStart = process.cpuUsage();
process.on("SIGUSR2", () => {
  cpuAtStart = process.cpuUsage();
  served = 0;
});
process.on("SIGTERM", async () => {
  const cpu = process.cpuUsage(cpuAtStart);
  console.log(`cpu ${cpu.user + cpu.system} requests ${served}`);
  server.close();
  if (mode === "sdk") await (await import("@tracehouse/sdk")).shutdown();
  process.exit(0);
});
