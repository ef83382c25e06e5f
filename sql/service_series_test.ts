import assert from "node:assert/strict";
import { openFixtureStore } from "../testing/query_fixtures.ts";
import { seriesStep, serviceSeries, serviceSeriesQuery } from "./service_series.ts";
import { render } from "./sql_template.ts";
import { parseTimeRange } from "../params/time.ts";

const range = parseTimeRange({ from: "2026-11-25T09:00:00Z", to: "2026-11-25T11:00:00Z" });

Deno.test("seriesStep: whole minutes, about 40 buckets", () => {
  assert.equal(seriesStep(range), 180);
  assert.equal(seriesStep({ fromNs: 0n, toNs: 60_000_000_000n }), 60);
});

Deno.test("serviceSeriesQuery binds every value", () => {
  const { query, params } = render(serviceSeriesQuery(range, 180));
  assert.doesNotMatch(query, /2026|180/);
  assert.equal(Object.keys(params).length, 4);
});

Deno.test({
  name: "serviceSeries counts spans and errors per service per bucket",
  sanitizeResources: false,
  async fn() {
    const store = await openFixtureStore();
    try {
      const { xs, step, series } = await serviceSeries(store, range);
      assert.equal(step, 180);
      assert.equal(xs.length, 7200 / 180 + 1);
      const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
      assert.equal(sum(series.get("batch")!.spans), 30);
      assert.equal(sum(series.get("frontend")!.spans), 2);
      assert.equal(sum(series.get("payments")!.errors), 1);
      assert.equal(series.get("batch")!.spans.length, xs.length);
    } finally {
      await store.close();
    }
  },
});
