import assert from "node:assert/strict";
import { createApiApp } from "./mod.ts";
import {
  FIXTURE_NOW as NOW,
  FIXTURE_QUERY as R,
  openApiFixture,
} from "../../testing/api_fixture.ts";

Deno.test("query API token", async (t) => {
  const fx = await openApiFixture();
  const { store } = fx;
  try {
    await t.step("token: required when configured, except for the spec and its page", async () => {
      const guarded = createApiApp(store, { now: () => NOW, queryToken: "s3cret" });
      const none = await guarded.request(`/services?${R}`);
      assert.equal(none.status, 401);
      assert.equal((await none.json()).error.code, "unauthorized");
      const wrong = await guarded.request(`/services?${R}`, {
        headers: { Authorization: "Bearer s3cre" },
      });
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
      const right = await guarded.request(`/services?${R}`, {
        headers: { Authorization: "Bearer s3cret" },
      });
      assert.equal(right.status, 200);
      await right.body?.cancel();
      for (const open of ["/openapi.json", "/docs"]) {
        const res = await guarded.request(open);
        assert.equal(res.status, 200, open);
        await res.body?.cancel();
      }
    });
  } finally {
    await fx.close();
  }
});
