// Framework instrumentation on Node (`node --test`) and Bun (`bun test`), against the npm build.
import { test } from "node:test";
import { createServer } from "node:http";
import { propagation } from "@opentelemetry/api";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { instrumentApp, log, recordException } from "../dist/mod.js";
import { assertServerScenario, listen, serveFetch, startHarness } from "./support.mjs";

function handled() {
  const tenant = propagation.getActiveBaggage()?.getEntry("tenant")?.value ?? "";
  log.info("handled", { tenant });
}

test("Hono", async () => {
  const h = await startHarness({ instrumentClients: false });
  const app = instrumentApp(new Hono(), h.options);
  app.onError((_error, c) => c.text("failed", 500));
  app.get("/users/:id", (c) => {
    handled();
    return c.json({ id: c.req.param("id") });
  });
  app.get("/boom", () => {
    throw new Error("boom");
  });
  const s = await serveFetch((req) => app.fetch(req));
  try {
    await assertServerScenario(h, s.url);
  } finally {
    await s.close();
    await h.close();
  }
});

test("fetch handler (Bun.serve / Deno.serve style)", async () => {
  const h = await startHarness({ instrumentClients: false });
  const handler = instrumentApp((req) => {
    if (new URL(req.url).pathname === "/boom") throw new Error("boom");
    handled();
    return Response.json({ ok: true });
  }, { ...h.options, routes: ["/users/:id", "/boom"] });
  const s = await serveFetch(handler);
  try {
    await assertServerScenario(h, s.url);
  } finally {
    await s.close();
    await h.close();
  }
});

test("Express", async () => {
  const h = await startHarness({ instrumentClients: false });
  const app = express();
  app.set("env", "test");
  instrumentApp(app, h.options);
  app.get("/users/:id", (req, res) => {
    handled();
    res.json({ id: req.params.id });
  });
  app.get("/boom", () => {
    throw new Error("boom");
  });
  const s = await listen(createServer(app));
  try {
    await assertServerScenario(h, s.url);
  } finally {
    await s.close();
    await h.close();
  }
});

test("Fastify", async () => {
  const h = await startHarness({ instrumentClients: false });
  const app = Fastify();
  instrumentApp(app, h.options);
  app.get("/users/:id", (req) => {
    handled();
    return { id: req.params.id };
  });
  app.get("/boom", () => {
    throw new Error("boom");
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  try {
    await assertServerScenario(h, `http://127.0.0.1:${app.server.address().port}`);
  } finally {
    await app.close();
    await h.close();
  }
});

test("node:http server", async () => {
  const h = await startHarness({ instrumentClients: false });
  const server = createServer((req, res) => {
    if (req.url === "/boom") {
      recordException(new Error("boom"));
      res.writeHead(500).end();
      return;
    }
    handled();
    res.end("{}");
  });
  instrumentApp(server, { ...h.options, routes: ["/users/:id", "/boom"] });
  const s = await listen(server);
  try {
    await assertServerScenario(h, s.url);
  } finally {
    await s.close();
    await h.close();
  }
});
