import { propagation } from "@opentelemetry/api";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import assert from "node:assert/strict";
import {
  activeServerRequest,
  instrumentApp,
  log,
  recordException,
  shutdown,
  withSpan,
} from "../mod.ts";
import { assertServerScenario, listenNode, serve, startHarness } from "../test_support.ts";
import { wrapFetchHandler } from "./fetch_handler.ts";

function handled(): void {
  const tenant = propagation.getActiveBaggage()?.getEntry("tenant")?.value ?? "";
  log.info("handled", { tenant });
}

Deno.test("Hono on Deno.serve: route names, parents, exceptions, metrics, logs", async () => {
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
  const { url, server } = serve((req, info) => app.fetch(req, info));
  try {
    await assertServerScenario(h, url);
  } finally {
    await server.shutdown();
    await h.close();
  }
});

function answer(req: Request): Response {
  if (new URL(req.url).pathname === "/boom") throw new Error("boom");
  handled();
  return Response.json({ ok: true });
}

Deno.test("the handler wrapper answers as the handler does: at once, or with a promise", async () => {
  const request = () => new Request("http://localhost/users/1");
  const now = wrapFetchHandler(() => new Response("now"))(request());
  assert.ok(now instanceof Response);
  const later = wrapFetchHandler(async () => await Promise.resolve(new Response("later")))(
    request(),
  );
  assert.ok(later instanceof Promise);
  assert.equal(await (await later).text(), "later");
  const throwing = wrapFetchHandler((): Response => {
    throw new Error("thrown");
  });
  assert.throws(() => throwing(request()), /thrown/);
  const rejecting = wrapFetchHandler(() => Promise.reject(new Error("rejected")));
  await assert.rejects(async () => await rejecting(request()), /rejected/);
});

for (
  const [kind, handler] of [
    ["synchronous", answer],
    ["async", async (req: Request) => answer(await Promise.resolve(req))],
  ] as const
) {
  Deno.test(`Deno.serve handler wrapper with route templates (${kind} handler)`, async () => {
    const h = await startHarness({ instrumentClients: false });
    const traced = instrumentApp(handler, { ...h.options, routes: ["/users/:id", "/boom"] });
    const { url, server } = serve(traced);
    try {
      await assertServerScenario(h, url);
    } finally {
      await server.shutdown();
      await h.close();
    }
  });
}

Deno.test("Express on Deno", async () => {
  const h = await startHarness({ instrumentClients: false });
  const app = express();
  app.set("env", "test"); // keeps Express's final handler quiet
  instrumentApp(app, h.options);
  app.get("/users/:id", (req: { params: { id: string } }, res: { json(v: unknown): void }) => {
    handled();
    res.json({ id: req.params.id });
  });
  app.get("/boom", () => {
    throw new Error("boom");
  });
  const s = await listenNode(createServer(app));
  try {
    await assertServerScenario(h, s.url);
  } finally {
    await s.close();
    await h.close();
  }
});

Deno.test("Fastify on Deno", async () => {
  const h = await startHarness({ instrumentClients: false });
  const app = Fastify();
  instrumentApp(app, h.options);
  app.get("/users/:id", (req) => {
    handled();
    return { id: (req.params as { id: string }).id };
  });
  app.get("/boom", () => {
    throw new Error("boom");
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const port = (app.server.address() as AddressInfo).port;
  try {
    await assertServerScenario(h, `http://127.0.0.1:${port}`);
  } finally {
    await app.close();
    await h.close();
  }
});

Deno.test("node:http server on Deno", async () => {
  const h = await startHarness({ instrumentClients: false });
  const server = createServer((req, res) => {
    if (req.url === "/boom") {
      recordException(new Error("boom"));
      res.writeHead(500).end();
      return;
    }
    handled();
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ route: activeServerRequest() ? "known" : "none" }));
  });
  instrumentApp(server, { ...h.options, routes: ["/users/:id", "/boom"] });
  const s = await listenNode(server);
  try {
    await assertServerScenario(h, s.url);
  } finally {
    await s.close();
    await h.close();
  }
});

Deno.test("request bodies keep the context: Express json and Fastify POST handlers", async () => {
  const h = await startHarness({ instrumentClients: false });
  const app = express();
  instrumentApp(app, h.options);
  app.use(express.json());
  app.post("/items", (req: { body: { n: number } }, res: { json(v: unknown): void }) => {
    res.json({ n: withSpan("express child", () => req.body.n) });
  });
  const fastify = Fastify();
  instrumentApp(fastify, h.options);
  fastify.post("/items", async (req) => {
    await new Promise((r) => setTimeout(r, 1));
    return { n: withSpan("fastify child", () => (req.body as { n: number }).n) };
  });
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  const e = await listenNode(createServer(app));
  try {
    for (
      const url of [e.url, `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`]
    ) {
      const res = await fetch(`${url}/items`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ n: 5 }),
      });
      assert.deepEqual(await res.json(), { n: 5 });
    }
    await shutdown();
    await h.receiver.waitFor(() => h.receiver.spans.length >= 4);
    const servers = h.receiver.spans.filter((s) => s.name === "POST /items");
    assert.equal(servers.length, 2);
    for (const name of ["express child", "fastify child"]) {
      const child = h.receiver.spans.find((s) => s.name === name)!;
      assert.ok(
        servers.some((s) => s.spanId === child.parentSpanId),
        `${name} has its server parent`,
      );
    }
  } finally {
    await e.close();
    await fastify.close();
    await h.close();
  }
});
