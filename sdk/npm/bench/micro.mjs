import { init, shutdown } from "@tracehouse/sdk";
import { startServerRequest } from "../dist/http_server.js";
init({
  serviceName: "m",
  endpoint: process.env.EP ?? "http://127.0.0.1:38200",
  runtimeMetrics: false,
  batchDelayMillis: 1000,
});
const headers = { host: "127.0.0.1:3000", "user-agent": "x", accept: "*/*" };
const info = {
  method: "GET",
  url: "http://127.0.0.1:3000/users/7",
  header: (n) => headers[n],
  headerNames: () => Object.keys(headers),
  clientAddress: "127.0.0.1",
  protocolVersion: "1.1",
  route: "/users/:id",
};
async function run(n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const h = startServerRequest(info);
    h.end(200);
    if (i % 512 === 0) await new Promise((r) => setImmediate(r));
  }
  return (performance.now() - t) / n * 1000;
}
await run(20000);
console.log("us/request", (await run(100000)).toFixed(2));
await shutdown();
