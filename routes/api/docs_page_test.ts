import assert from "node:assert/strict";

import { openApiFixture } from "../../testing/api_fixture.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("query API description", async (t) => {
  const fx = await openApiFixture();
  const { app, ok } = fx;
  try {
    await t.step("openapi: generated from the validators; a self-contained page", async () => {
      const spec = await ok("/openapi.json");
      assert.equal(spec.openapi, "3.1.0");
      assert.deepEqual(Object.keys(spec.paths).sort(), [
        "/alerts",
        "/alerts/history",
        "/alerts/silences",
        "/alerts/silences/{id}",
        "/errors",
        "/errors/{fingerprint}",
        "/logs",
        "/metrics",
        "/metrics/query",
        "/service-map",
        "/services",
        "/services/{service}/operations",
        "/traces",
        "/traces/{traceId}",
      ]);
      const names = spec.paths["/logs"].get.parameters.map((p: Json) => p.name);
      for (const n of ["from", "to", "limit", "cursor", "order", "severity", "q", "traceId"]) {
        assert.ok(names.includes(n), n);
      }
      const res = await app.request("/docs");
      const html = await res.text();
      assert.match(res.headers.get("Content-Type") ?? "", /text\/html/);
      assert.match(html, /\/metrics\/query/);
      assert.doesNotMatch(html, /<script|<link|https?:\/\//);
    });
  } finally {
    await fx.close();
  }
});
