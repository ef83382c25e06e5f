import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import { activeServerRequest } from "./http_server.ts";
import { instrumentApp } from "./instrument_app.ts";
import { forceFlush } from "./sdk_state.ts";
import { startHarness } from "./test_support.ts";
import { withSpan } from "./tracing.ts";

Deno.test("server requests: metric cells per attribute set when statuses alternate on a route; spans and the request context", async () => {
  const h = await startHarness({ routes: ["/users/:id"] });
  try {
    const seen: { span: boolean; handle: boolean; derivedSpan: boolean; derivedHandle: boolean }[] =
      [];
    const handler = instrumentApp((req: Request): Response => {
      const active = trace.getActiveSpan();
      const handle = activeServerRequest();
      // A context made from the request's one keeps both the span and the handle.
      const derived = context.active().setValue(Symbol("other"), 1);
      seen.push({
        span: active !== undefined && active === handle?.span,
        handle: handle !== undefined,
        derivedSpan: trace.getSpan(derived) === active,
        derivedHandle: activeServerRequest(derived) === handle,
      });
      withSpan("child", () => {});
      const status = Number(new URL(req.url).searchParams.get("status") ?? 200);
      return new Response(null, { status });
    }, h.options);
    const statuses = [200, 404, 200, 500, 404, 200];
    for (const [i, status] of statuses.entries()) {
      const res = await handler(new Request(`http://localhost:8000/users/${i}?status=${status}`));
      assert.equal(res.status, status);
    }
    await handler(new Request("http://localhost:8000/elsewhere"));
    assert.ok(seen.every((s) => s.span && s.handle && s.derivedSpan && s.derivedHandle));
    await forceFlush();
    const rx = h.receiver;
    await rx.waitFor(() => rx.spans.filter((s) => s.name === "child").length === 7);
    const servers = rx.spans.filter((s) => s.kind === 2);
    assert.equal(servers.length, 7);
    for (const child of rx.spans.filter((s) => s.name === "child")) {
      const parent = servers.find((s) => s.spanId === child.parentSpanId);
      assert.ok(parent, "the child span's parent is its request's server span");
      assert.equal(parent.traceId, child.traceId);
    }
    const routed = servers.filter((s) => s.attributes["http.route"] === "/users/:id");
    assert.deepEqual(
      routed.map((s) => s.attributes["http.response.status_code"]),
      statuses,
    );
    assert.equal(routed[0].name, "GET /users/:id");
    assert.equal(routed[0].attributes["url.path"], "/users/0");
    assert.equal(routed[0].attributes["url.query"], "status=200");
    assert.equal(routed[0].attributes["server.address"], "localhost");
    assert.equal(routed[0].attributes["server.port"], 8000);
    await rx.waitFor(() => rx.metrics.some((m) => m.name === "http.server.request.duration"));
    const points = rx.metrics.filter((m) => m.name === "http.server.request.duration");
    const count = (route: string | undefined, status: number) =>
      points.find((p) =>
        p.attributes["http.route"] === route && p.attributes["http.response.status_code"] === status
      )?.value;
    assert.equal(count("/users/:id", 200), 3);
    assert.equal(count("/users/:id", 404), 2);
    assert.equal(count("/users/:id", 500), 1);
    assert.equal(count(undefined, 200), 1);
    assert.equal(points.length, 4);
    const failed = points.find((p) => p.attributes["http.response.status_code"] === 500)!;
    assert.equal(failed.attributes["error.type"], "500");
  } finally {
    await h.close();
  }
});
