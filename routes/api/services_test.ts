import assert from "node:assert/strict";
import { FILLER_TRACES } from "../../testing/query_fixtures.ts";
import { FIXTURE_QUERY as R, openApiFixture } from "../../testing/api_fixture.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("services API over the embedded engine", async (t) => {
  const fx = await openApiFixture();
  const { ok, bad } = fx;
  try {
    await t.step("services: RED figures from the rollup, last seen from the catalog", async () => {
      const body = await ok(`/services?${R}`);
      const byName = Object.fromEntries(body.services.map((s: Json) => [s.name, s]));
      assert.deepEqual(Object.keys(byName), ["batch", "checkout", "frontend", "payments"]);
      assert.equal(byName.batch.spanCount, FILLER_TRACES);
      assert.equal(byName.payments.errorCount, 1);
      assert.equal(byName.payments.errorRate, 1);
      assert.equal(byName.payments.p50Ns, 40_000_000);
      assert.equal(byName.frontend.operations, 2);
      assert.equal(byName.frontend.lastSeen, "2026-11-25T10:00:02.000000000Z");
      assert.equal(body.from, "2026-11-25T09:00:00.000000000Z");
      // The default range is the last hour before now.
      const recent = await ok("/services");
      assert.equal(recent.from, "2026-11-25T09:30:00.000000000Z");
      // Whole hours from the hourly rollup, the edges (08:30-09:00, 10:00-10:10) from minutes.
      const edges = await ok("/services?from=2026-11-25T08:30:00Z&to=2026-11-25T10:10:30Z");
      assert.deepEqual(
        edges.services.map((s: Json) => [s.name, s.spanCount, s.errorCount]),
        [["batch", 12, 0], ["checkout", 1, 0], ["frontend", 2, 0], ["payments", 1, 1]],
      );
      const minutesOnly = await ok("/services?from=2026-11-25T10:00:00Z&to=2026-11-25T10:10:30Z");
      assert.deepEqual(minutesOnly.services, edges.services);
      const empty = await ok("/services?from=2026-11-24T00:00:00Z&to=2026-11-24T01:00:00Z");
      assert.deepEqual(empty.services, []);
    });

    await t.step("operations: per span name, span kind from the dictionary", async () => {
      const body = await ok(`/services/frontend/operations?${R}`);
      assert.deepEqual(
        body.operations.map((o: Json) => [o.name, o.spanKind, o.spanCount]),
        [["GET /checkout", "Server", 1], ["GET /home", "Server", 1]],
      );
    });

    await t.step("bad parameters: 400 naming the parameter", async () => {
      const cases: [string, string][] = [
        ["/services?from=now-1x", "from"],
        ["/services?to=1e9", "to"],
      ];
      for (const [path, param] of cases) await bad(path, param);
    });
  } finally {
    await fx.close();
  }
});
