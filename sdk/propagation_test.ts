import assert from "node:assert/strict";
import http from "node:http";
import { Hono } from "hono";
import { instrumentApp, shutdown, withSpan } from "./mod.ts";
import { serve, startHarness } from "./test_support.ts";

Deno.test("fetch between two instrumented services makes one trace", async () => {
  const h = await startHarness();
  const b = serve(instrumentApp((req: Request) => {
    return Response.json({ sku: new URL(req.url).pathname.split("/").pop() });
  }, { ...h.options, routes: ["/price/:sku"] }));
  const a = instrumentApp(new Hono(), h.options);
  a.get("/checkout/:id", async (c) => {
    const price = await (await fetch(`${b.url}/price/9?currency=eur`)).json();
    return c.json({ id: c.req.param("id"), price });
  });
  const served = serve((req, info) => a.fetch(req, info));
  try {
    const res = await fetch(`${served.url}/checkout/1`);
    assert.equal(res.status, 200);
    await res.json();
    await shutdown();
    const rx = h.receiver;
    await rx.waitFor(() => rx.spans.length >= 4);
    const checkout = rx.spans.find((s) => s.name === "GET /checkout/:id")!;
    const price = rx.spans.find((s) => s.name === "GET /price/:sku")!;
    const calls = rx.spans.filter((s) => s.kind === 3);
    const toPrice = calls.find((s) => String(s.attributes["url.full"]).includes("/price/9"))!;
    const toCheckout = calls.find((s) => String(s.attributes["url.full"]).includes("/checkout"))!;
    assert.ok(checkout && price && toPrice && toCheckout, rx.spans.map((s) => s.name).join());
    for (const s of [checkout, price, toPrice]) assert.equal(s.traceId, toCheckout.traceId);
    assert.equal(checkout.parentSpanId, toCheckout.spanId);
    assert.equal(toPrice.parentSpanId, checkout.spanId);
    assert.equal(price.parentSpanId, toPrice.spanId);
    assert.equal(toPrice.name, "GET");
    assert.equal(toPrice.attributes["http.request.method"], "GET");
    assert.equal(toPrice.attributes["server.address"], "127.0.0.1");
    assert.equal(toPrice.attributes["http.response.status_code"], 200);
    await rx.waitFor(() => rx.metrics.some((m) => m.name === "http.client.request.duration"));
    const client = rx.metrics.find((m) => m.name === "http.client.request.duration")!;
    assert.equal(client.kind, "histogram");
    assert.equal(client.attributes["http.request.method"], "GET");
    // the SDK's own export requests are never traced
    assert.ok(!calls.some((s) => String(s.attributes["url.full"]).includes("/v1/")));
  } finally {
    await served.server.shutdown();
    await b.server.shutdown();
    await h.close();
  }
});

Deno.test("node:http client calls are traced and propagate context; errors are recorded", async () => {
  const h = await startHarness();
  const b = serve(instrumentApp((_req: Request) => new Response("pong"), {
    ...h.options,
    routes: ["/ping"],
  }));
  try {
    await withSpan("caller", () =>
      new Promise<void>((resolve, reject) => {
        http.get(`${b.url}/ping`, (res) => {
          res.resume();
          res.on("end", resolve);
        }).on("error", reject);
      }));
    await fetch("http://127.0.0.1:1/").catch(() => "refused");
    await shutdown();
    const rx = h.receiver;
    await rx.waitFor(() => rx.spans.length >= 4);
    const caller = rx.spans.find((s) => s.name === "caller")!;
    const server = rx.spans.find((s) => s.name === "GET /ping")!;
    const client = rx.spans.find((s) => s.kind === 3 && s.parentSpanId === caller.spanId)!;
    assert.ok(client, rx.spans.map((s) => `${s.name}/${s.kind}`).join());
    assert.equal(client.attributes["http.response.status_code"], 200);
    assert.equal(server.parentSpanId, client.spanId);
    const refused = rx.spans.find((s) =>
      s.kind === 3 && String(s.attributes["url.full"]).includes("127.0.0.1:1/")
    )!;
    assert.equal(refused.status.code, 2);
    assert.ok(refused.events.some((e) => e.name === "exception"));
  } finally {
    await b.server.shutdown();
    await h.close();
  }
});
