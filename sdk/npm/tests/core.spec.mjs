// Core API, propagation across two processes, flushing and a dead endpoint, on Node and Bun.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import express from "express";
import { counter, init, instrumentApp, log, shutdown, withSpan } from "../dist/mod.js";
import { listen, startHarness } from "./support.mjs";

test("withSpan (sync + async), logs and metrics; shutdown() flushes", async () => {
  const h = await startHarness();
  try {
    assert.equal(init(h.options), true);
    const value = await withSpan("outer", async () => {
      await new Promise((r) => setTimeout(r, 1));
      log.info("inside", { n: 1 });
      return withSpan("inner", () => 42);
    });
    assert.equal(value, 42);
    assert.throws(() =>
      withSpan("fails", () => {
        throw new TypeError("nope");
      }), TypeError);
    counter("jobs.done").add(3);
    await shutdown();
    const rx = h.receiver;
    await rx.waitFor(() => rx.spans.length >= 3 && rx.logs.length >= 1 && rx.metrics.length >= 1);
    const outer = rx.spans.find((s) => s.name === "outer");
    assert.equal(rx.spans.find((s) => s.name === "inner").parentSpanId, outer.spanId);
    assert.equal(rx.logs.find((l) => l.body === "inside").spanId, outer.spanId);
    const fails = rx.spans.find((s) => s.name === "fails");
    assert.equal(fails.status.code, 2);
    assert.ok(fails.events.some((e) => e.name === "exception"));
    assert.equal(rx.metrics.find((m) => m.name === "jobs.done").value, 3);
  } finally {
    await h.close();
  }
});

test("a dead endpoint never breaks the app", async () => {
  const h = await startHarness({
    endpoint: "http://127.0.0.1:1",
    exportTimeoutMillis: 300,
    batchDelayMillis: 10,
  });
  const warn = console.warn;
  const warnings = [];
  console.warn = (m) => warnings.push(String(m));
  try {
    const app = express();
    instrumentApp(app, h.options);
    app.get("/", (_req, res) => res.send("alive"));
    const s = await listen((await import("node:http")).createServer(app));
    for (let i = 0; i < 3; i++) assert.equal(await (await fetch(s.url)).text(), "alive");
    await new Promise((r) => setTimeout(r, 400));
    await s.close();
    await shutdown();
    assert.ok(warnings.some((w) => w.includes("[tracehouse]")), warnings.join("|"));
  } finally {
    console.warn = warn;
    await h.close();
  }
});

test("two services in two processes make one distributed trace", async () => {
  const h = await startHarness();
  const child = spawn(process.execPath, [new URL("./service_b.mjs", import.meta.url).pathname], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: h.receiver.url },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await new Promise((resolve, reject) => {
      let text = "";
      child.stdout.on("data", (d) => {
        text += d;
        const m = text.match(/PORT (\d+)/);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`service_b exited ${code}`)));
    });
    const b = `http://127.0.0.1:${port}`;
    const app = express();
    instrumentApp(app, { ...h.options, serviceName: "service-a" });
    app.get("/order/:id", async (_req, res) => {
      const r = await fetch(`${b}/price/7`);
      res.json(await r.json());
    });
    const s = await listen((await import("node:http")).createServer(app));
    assert.equal((await (await fetch(`${s.url}/order/1`)).json()).price, 42);
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await (await fetch(`${b}/quit`)).text();
    await exited;
    await s.close();
    await shutdown();
    const rx = h.receiver;
    await rx.waitFor(() => rx.spans.some((s) => s.name === "GET /price/:sku"));
    const order = rx.spans.find((s) => s.name === "GET /order/:id");
    const call = rx.spans.find((s) =>
      s.kind === 3 && String(s.attributes["url.full"]).includes("/price/7")
    );
    const price = rx.spans.find((s) => s.name === "GET /price/:sku");
    const compute = rx.spans.find((s) => s.name === "compute price");
    assert.equal(order.resource["service.name"], "service-a");
    assert.equal(price.resource["service.name"], "service-b");
    assert.equal(call.parentSpanId, order.spanId);
    assert.equal(price.parentSpanId, call.spanId);
    assert.equal(compute.parentSpanId, price.spanId);
    for (const s of [call, price, compute]) assert.equal(s.traceId, order.traceId);
    assert.equal(rx.logs.find((l) => l.body === "priced").spanId, price.spanId);
  } finally {
    child.kill();
    await h.close();
  }
});

test("node:http client calls are traced and carry the trace context", async () => {
  const h = await startHarness();
  try {
    const http = (await import("node:http")).default;
    const { createServer } = http;
    const server = createServer((_req, res) => res.end("pong"));
    instrumentApp(server, { ...h.options, routes: ["/ping"] });
    const s = await listen(server);
    await withSpan("caller", () =>
      new Promise((resolve, reject) => {
        http.get(`${s.url}/ping`, (res) => {
          res.resume();
          res.on("end", resolve);
        }).on("error", reject);
      }));
    await s.close();
    await shutdown();
    const rx = h.receiver;
    await rx.waitFor(() => rx.spans.length >= 3);
    const caller = rx.spans.find((x) => x.name === "caller");
    const client = rx.spans.find((x) => x.kind === 3 && x.parentSpanId === caller.spanId);
    assert.ok(client, rx.spans.map((x) => `${x.name}/${x.kind}`).join());
    assert.equal(client.attributes["http.response.status_code"], 200);
    assert.equal(rx.spans.find((x) => x.name === "GET /ping").parentSpanId, client.spanId);
  } finally {
    await h.close();
  }
});
