/**
 * Demo "shop" service for the Compose stack: a Hono app instrumented with `@tracehouse/sdk`.
 * `GET /checkout?sku=…` asks the Python "pricing" service for a quote, which in turn calls back
 * `GET /stock/:sku` here, so one trace crosses both services twice. With
 * `DEMO_TRAFFIC_INTERVAL_MS` set it drives itself: checkouts, now and then a failing or slow one,
 * and health checks (which the collector filters out).
 *
 * @module
 */
import { Hono } from "hono";
import { instrumentApp, log } from "@tracehouse/sdk";

const port = Number(Deno.env.get("PORT") ?? "8000");
const hostname = Deno.env.get("HOST") ?? "0.0.0.0";
const pricingUrl = Deno.env.get("PRICING_URL") ?? "http://127.0.0.1:8001";
const trafficMs = Number(Deno.env.get("DEMO_TRAFFIC_INTERVAL_MS") ?? "0");

const app = instrumentApp(new Hono(), {
  serviceName: Deno.env.get("OTEL_SERVICE_NAME") ?? "shop",
});

app.get("/healthz", (c) => c.text("ok"));

app.get("/stock/:sku", (c) => {
  const sku = c.req.param("sku");
  log.debug("stock lookup", { "shop.sku": sku });
  return c.json({ sku, available: sku.length * 3 });
});

app.get("/checkout", async (c) => {
  const sku = c.req.query("sku") ?? "book";
  const res = await fetch(`${pricingUrl}/quote?sku=${encodeURIComponent(sku)}`);
  if (!res.ok) {
    log.error(`checkout of ${sku} failed: pricing answered ${res.status}`, { "shop.sku": sku });
    return c.json({ error: { code: "pricing_failed", message: `pricing ${res.status}` } }, 502);
  }
  const quote = await res.json();
  log.info("checkout", { "shop.sku": sku });
  return c.json({ sku, quote });
});

Deno.serve({ port, hostname }, app.fetch);

if (trafficMs > 0) {
  const skus = ["book", "lamp", "mug", "broken", "slow"];
  let i = 0;
  setInterval(() => {
    const sku = skus[i++ % skus.length];
    fetch(`http://127.0.0.1:${port}/checkout?sku=${sku}`).then((r) => r.body?.cancel())
      .catch(() => {});
    fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.body?.cancel()).catch(() => {});
  }, trafficMs);
}
