import assert from "node:assert/strict";
import { Hono } from "hono";
import { instrumentApp, isDenoOtelActive, shutdown } from "./mod.ts";
import { serve, startHarness } from "./test_support.ts";

/** Starts `fixtures/deno_otel_service.ts` under `OTEL_DENO=true`, exporting to `endpoint`. */
async function startDenoOtelService(endpoint: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./fixtures/deno_otel_service.ts", import.meta.url).pathname],
    env: {
      OTEL_DENO: "true",
      OTEL_SERVICE_NAME: "deno-otel-service",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/PORT \d+/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`service exited early: ${text}`);
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return { url: `http://127.0.0.1:${text.match(/PORT (\d+)/)![1]}`, child };
}

Deno.test("this process does not run Deno's built-in OpenTelemetry", () => {
  assert.equal(isDenoOtelActive(), false);
});

Deno.test("OTEL_DENO=true: one server span per request, renamed by route, right parents", async () => {
  const h = await startHarness();
  const b = await startDenoOtelService(h.receiver.url);
  const a = instrumentApp(new Hono(), h.options);
  a.get("/order/:id", async (c) => {
    const res = await fetch(`${b.url}/price/7`);
    return c.json({ order: c.req.param("id"), price: await res.json() });
  });
  const served = serve((req, info) => a.fetch(req, info));
  try {
    assert.equal((await (await fetch(`${served.url}/order/3`)).json()).price.price, 42);
    const boom = await fetch(`${b.url}/boom`);
    await boom.body?.cancel();
    assert.equal(boom.status, 500);
    await (await fetch(`${b.url}/quit`)).text();
    assert.equal((await b.child.status).code, 0);
    await shutdown();
    const rx = h.receiver;
    await rx.waitFor(() =>
      rx.spans.some((s) => s.name === "GET /price/:sku") &&
      rx.spans.some((s) => s.name === "compute price") &&
      rx.spans.some((s) => s.name === "GET /boom") &&
      rx.logs.some((l) => l.body === "priced")
    );
    const fromB = rx.spans.filter((s) => s.resource["service.name"] === "deno-otel-service");
    const priceServers = fromB.filter((s) =>
      s.kind === 2 && s.attributes["url.path"] === "/price/7"
    );
    assert.equal(priceServers.length, 1, "no double server spans");
    const price = priceServers[0];
    assert.equal(price.name, "GET /price/:sku");
    assert.equal(price.attributes["http.route"], "/price/:sku");
    const order = rx.spans.find((s) => s.name === "GET /order/:id")!;
    const call = rx.spans.find((s) =>
      s.kind === 3 && String(s.attributes["url.full"]).includes("/price/7")
    )!;
    assert.equal(call.parentSpanId, order.spanId);
    assert.equal(price.parentSpanId, call.spanId, "B's server span continues A's trace");
    assert.equal(price.traceId, order.traceId);
    const compute = fromB.find((s) => s.name === "compute price")!;
    assert.equal(compute.parentSpanId, price.spanId);
    const priced = rx.logs.find((l) => l.body === "priced")!;
    assert.equal(priced.spanId, price.spanId);
    assert.equal(priced.attributes.sku, "7");
    const boomSpan = fromB.find((s) => s.name === "GET /boom")!;
    assert.equal(boomSpan.status.code, 2);
    assert.ok(boomSpan.events.some((e) => e.name === "exception"));
  } finally {
    await served.server.shutdown();
    try {
      b.child.kill();
    } catch {
      // already gone
    }
    await h.close();
  }
});
