import assert from "node:assert/strict";
import { openFixtureStore } from "../../testing/query_fixtures.ts";
import { createApiApp, openApiDocument } from "./mod.ts";

const NOW = Date.UTC(2026, 10, 25, 10, 30);
const R = "from=2026-11-25T09:00:00Z&to=2026-11-25T11:00:00Z";

Deno.test("API: /errors, /service-map and /alerts answer, document themselves and refuse bad input", async () => {
  const store = await openFixtureStore();
  try {
    const app = createApiApp(store, { now: () => NOW, cacheSize: 0 });
    const get = async (path: string) => {
      const res = await app.request(path);
      return { status: res.status, body: await res.json() };
    };
    const errors = await get(`/errors?${R}&limit=5`);
    assert.equal(errors.status, 200, JSON.stringify(errors.body));
    assert.deepEqual(errors.body.groups, []);
    assert.equal(errors.body.nextCursor, null);
    assert.equal(errors.body.step, 300);
    assert.equal(errors.body.buckets.length, 25);
    const map = await get(`/service-map?${R}&service=frontend`);
    assert.equal(map.status, 200, JSON.stringify(map.body));
    assert.deepEqual(map.body.edges, []);
    for (
      const [path, param] of [
        [`/errors?${R}&limit=0`, "limit"],
        [`/errors?${R}&cursor=%%%`, "cursor"],
        [`/errors?from=yesterday`, "from"],
        [`/errors?${R}&colour=red`, "colour"],
        [`/errors/xyz?${R}`, "fingerprint"],
        [`/service-map?${R}&limit=5`, "limit"],
        [`/service-map?from=now-40d`, "from"],
      ]
    ) {
      const res = await get(path);
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "invalid_parameter");
      assert.match(res.body.error.message, new RegExp(`"${param}"`), path);
    }
    const missing = await get(`/errors/0123456789abcdef?${R}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "not_found");
    const alerts = await get("/alerts");
    assert.deepEqual(alerts, { status: 200, body: { enabled: false, rules: [], silences: [] } });
    const silence = await app.request("/alerts/silences", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ matchers: { alertname: "x" }, duration: "1h" }),
    });
    assert.equal(silence.status, 404);
    assert.match((await silence.json()).error.message, /--alerts-file/);
    const doc = openApiDocument(app);
    assert.ok(doc.paths?.["/errors"]?.get);
    assert.ok(doc.paths?.["/errors/{fingerprint}"]?.get);
    assert.ok(doc.paths?.["/service-map"]?.get);
    assert.ok(doc.components?.schemas?.ErrorGroups);
  } finally {
    await store.close();
  }
});
