/**
 * The instrumented app of the collector end-to-end test (tests/collector_e2e_test.ts): a
 * `Deno.serve`-style handler instrumented with `@tracehouse/sdk`, driven in process, exporting
 * OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (the collector under test). It produces a health
 * check, a fast OK request, a slow request, a failing request, and logs at DEBUG, INFO and ERROR
 * (one with a password attribute and a card number to redact), then flushes and exits.
 *
 * @module
 */
import { instrumentApp, log, shutdown } from "@tracehouse/sdk";

const slowMs = Number(Deno.env.get("E2E_SLOW_MS") ?? "600");

async function app(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  if (path === "/healthz") return new Response("ok");
  if (path === "/slow") {
    await new Promise((resolve) => setTimeout(resolve, slowMs));
    return new Response("slow");
  }
  if (path === "/orders/17/pay") {
    throw new TypeError("order 17 has no customer");
  }
  return new Response("fast");
}

const handler = instrumentApp(app, {
  serviceName: Deno.env.get("E2E_SERVICE_NAME") ?? "e2e-app",
  routes: ["/orders/:id/pay"],
});

for (const path of ["/healthz", "/fast", "/slow", "/orders/17/pay"]) {
  try {
    const res = await handler(new Request(`http://e2e.test${path}`));
    await res.body?.cancel();
  } catch {
    // the failing route may rethrow after the span recorded it
  }
}

log.debug("e2e debug noise");
log.info("e2e checkout done", { "user.password": "hunter2", "shop.sku": "book" });
log.error("e2e payment failed for card 4111111111111111", {
  error: new RangeError("amount 1250 exceeds limit 1000"),
});

await shutdown();
