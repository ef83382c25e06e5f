// The SDK's CPU per request on Node without sockets, run by bench/sdk_request_loop_bench.ts:
// requests are fed straight into the `request` event of the bench app's node:http server
// (IncomingMessage/ServerResponse without a socket; "close" is emitted as the server would).
// MODE=bare or MODE=sdk, REQUESTS=n; prints "cpu-per-request <µs>".
import http from "node:http";
import net from "node:net";

const mode = process.env.MODE ?? "sdk";
const requests = Number(process.env.REQUESTS ?? 150000);
const sink = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/x-protobuf" });
    res.end();
  });
});
await new Promise((resolve) => sink.listen(0, "127.0.0.1", resolve));
const server = http.createServer((req, res) => {
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
    serviceName: "bench-sdk-loop",
    endpoint: `http://127.0.0.1:${sink.address().port}`,
    routes: ["/users/:id"],
    runtimeMetrics: true,
    batchDelayMillis: 1000,
    metricExportIntervalMillis: 5000,
  });
}
const socket = new net.Socket();
function one(i) {
  const req = new http.IncomingMessage(socket);
  req.method = "GET";
  req.url = `/users/${i % 100}`;
  req.httpVersion = "1.1";
  req.headers = { host: "127.0.0.1:8000", "user-agent": "bench/1", accept: "*/*" };
  const res = new http.ServerResponse(req);
  server.emit("request", req, res);
  res.emit("close");
}
async function run(count) {
  for (let i = 0; i < count; i++) {
    one(i);
    // Let timers and the exporter's I/O run, as a server's event loop would.
    if ((i & 255) === 255) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
await run(50000);
const start = process.cpuUsage();
await run(requests);
const cpu = process.cpuUsage(start);
console.log(`cpu-per-request ${(cpu.user + cpu.system) / requests}`);
if (mode === "sdk") await (await import("@tracehouse/sdk")).shutdown();
sink.close();
process.exit(0);
