import assert from "node:assert/strict";
import { FIXTURE_RANGE } from "../../testing/query_fixtures.ts";
import { createApiApp } from "./mod.ts";
import { FIXTURE_NOW as NOW, openApiFixture } from "../../testing/api_fixture.ts";

Deno.test("query API cache", async (t) => {
  const fx = await openApiFixture();
  const { store } = fx;
  try {
    await t.step("cache: hits, ETag, 304, longer life for past windows", async () => {
      const cached = createApiApp(store, { now: () => NOW });
      const past = { from: FIXTURE_RANGE.from, to: "2026-11-25T10:20:00Z" };
      const path = `/services?${new URLSearchParams(past)}`;
      const first = await cached.request(path);
      assert.equal(first.headers.get("X-Cache"), "miss");
      assert.equal(first.headers.get("Cache-Control"), "private, max-age=300");
      const etag = first.headers.get("ETag")!;
      assert.match(etag, /^"[0-9a-f]{32}"$/);
      const firstBody = await first.text();
      const again = await cached.request(
        `/services?to=${past.to}&from=${past.from}`,
      );
      assert.equal(again.headers.get("X-Cache"), "hit");
      assert.equal(await again.text(), firstBody);
      const revalidated = await cached.request(path, { headers: { "If-None-Match": etag } });
      assert.equal(revalidated.status, 304);
      assert.equal(await revalidated.text(), "");
      const live = await cached.request("/services?from=now-1h");
      assert.equal(live.headers.get("Cache-Control"), "private, max-age=5");
      await live.body?.cancel();
      const stats = cached.cacheStats();
      assert.equal(stats.hits, 2);
      const bad = await cached.request("/services?from=nope");
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get("ETag"), null);
      await bad.body?.cancel();
    });
  } finally {
    await fx.close();
  }
});
