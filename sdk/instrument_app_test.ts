import assert from "node:assert/strict";
import { createServer } from "node:http";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { detectApp, instrumentApp, shutdown } from "./mod.ts";
import { startHarness } from "./test_support.ts";

Deno.test("detectApp names each supported kind", async () => {
  const fastify = Fastify();
  try {
    assert.equal(detectApp(new Hono()), "hono");
    assert.equal(detectApp(express()), "express");
    assert.equal(detectApp(fastify), "fastify");
    assert.equal(detectApp(createServer()), "node:http");
    assert.equal(detectApp((_req: Request) => new Response()), "fetch-handler");
    assert.equal(detectApp({ fetch: (_req: Request) => new Response() }), "fetch-handler");
    assert.equal(detectApp({}), "unknown");
    assert.equal(detectApp(null), "unknown");
    assert.equal(detectApp(42), "unknown");
  } finally {
    await fastify.close();
  }
});

Deno.test("unrecognised apps are returned unchanged with a warning, never a throw", async () => {
  const h = await startHarness();
  try {
    const odd = { name: "not an app" };
    assert.equal(instrumentApp(odd, h.options), odd);
    assert.equal(instrumentApp(null, h.options), null);
    assert.ok(h.warnings.some((w) => w.includes("Cannot instrument this app")), h.warnings.join());
  } finally {
    await h.close();
  }
});

Deno.test("bad options warn and fall back: the app still works", async () => {
  const h = await startHarness({
    endpoint: "not a url",
    protocol: "grpc" as never,
    sampler: "sometimes" as never,
    samplerArg: 7,
    exportTimeoutMillis: 200,
  });
  // the bad endpoint falls back to OTEL_EXPORTER_OTLP_ENDPOINT: keep it on the test receiver
  h.options.env = { OTEL_EXPORTER_OTLP_ENDPOINT: h.receiver.url };
  try {
    const handler = instrumentApp((_req: Request) => new Response("fine"), h.options);
    assert.equal(await (await handler(new Request("http://localhost/"))).text(), "fine");
    const text = h.warnings.join("\n");
    for (const needle of ["endpoint option", '"grpc"', '"sometimes"', '"7"']) {
      assert.ok(text.includes(needle), `expected a warning about ${needle} in:\n${text}`);
    }
  } finally {
    await h.close();
  }
});

Deno.test("instrumenting twice is a no-op; a second serviceName warns", async () => {
  const h = await startHarness({ instrumentClients: false });
  try {
    const app = new Hono();
    instrumentApp(app, h.options);
    const fetchOnce = app.fetch;
    instrumentApp(app, { ...h.options, serviceName: "other" });
    assert.equal(app.fetch, fetchOnce);
    assert.ok(h.warnings.some((w) => w.includes('ignoring serviceName "other"')));
    app.get("/x", (c) => c.text("x"));
    await app.fetch(new Request("http://localhost/x"));
    await shutdown();
    await h.receiver.waitFor(() => h.receiver.spans.length >= 1);
    assert.equal(h.receiver.spans.filter((s) => s.kind === 2).length, 1);
  } finally {
    await h.close();
  }
});

Deno.test("a disabled SDK leaves the app untouched", async () => {
  const h = await startHarness({ disabled: true });
  try {
    const handler = (_req: Request) => new Response("plain");
    assert.equal(instrumentApp(handler, h.options), handler);
  } finally {
    await h.close();
  }
});
