// A second service for the cross-process propagation test: a Fastify app instrumented with the
// SDK, exporting to OTEL_EXPORTER_OTLP_ENDPOINT. Prints "PORT n"; GET /quit flushes and exits.
import Fastify from "fastify";
import { instrumentApp, log, shutdown, withSpan } from "../dist/mod.js";

const app = Fastify();
instrumentApp(app, { serviceName: "service-b", protocol: "http/json", runtimeMetrics: false });
app.get("/price/:sku", async (req) => {
  const price = await withSpan("compute price", async () => {
    await new Promise((r) => setTimeout(r, 1));
    return 42;
  });
  log.info("priced", { sku: req.params.sku });
  return { price };
});
app.get("/quit", () => {
  setTimeout(async () => {
    await shutdown();
    await app.close();
    process.exit(0);
  }, 10);
  return "bye";
});
await app.listen({ port: 0, host: "127.0.0.1" });
console.log(`PORT ${app.server.address().port}`);
