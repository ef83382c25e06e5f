import assert from "node:assert/strict";

import { FIXTURE_QUERY as R, openApiFixture } from "../../testing/api_fixture.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("metrics API over the embedded engine", async (t) => {
  const fx = await openApiFixture();
  const { ok, bad } = fx;
  try {
    await t.step("metrics: catalogue", async () => {
      const body = await ok(`/metrics?${R}`);
      assert.deepEqual(body.metrics.map((m: Json) => [m.name, m.type, m.unit]), [
        ["http.server.duration", "histogram", "ms"],
        ["http.server.requests", "sum", "{request}"],
        ["process.cpu.utilization", "gauge", "1"],
      ]);
      assert.deepEqual(body.metrics[0].services, ["checkout"]);
      assert.deepEqual((await ok(`/metrics?${R}&service=nope`)).metrics, []);
    });

    await t.step("metrics: uPlot columns, aggregations, rollup and raw agree", async () => {
      const base = `/metrics/query?${R}&step=10m`;
      const cpu = await ok(`${base}&name=process.cpu.utilization`);
      assert.equal(cpu.source, "rollup");
      assert.equal(cpu.type, "gauge");
      assert.equal(cpu.data.length, 2);
      assert.equal(cpu.data[0].length, 13);
      assert.equal(cpu.data[0][0], Date.UTC(2026, 10, 25, 9) / 1000);
      assert.deepEqual(cpu.data[1].slice(5, 10), [null, 0.5, 0.5, 0.5, null]);
      const cases: [string, string, (number | null)[]][] = [
        ["process.cpu.utilization", "min", [0.25, 0.25, 0.25]],
        ["process.cpu.utilization", "max", [0.75, 0.75, 0.75]],
        ["process.cpu.utilization", "count", [120, 120, 120]],
        ["http.server.requests", "rate", [null, 4, 4]],
        ["http.server.duration", "count", [1200, 1200, 1200]],
        ["http.server.duration", "avg", [15, 15, 15]],
        ["http.server.duration", "p50", [15, 15, 15]],
        ["http.server.duration", "p99", [19.9, 19.9, 19.9]],
        ["http.server.duration", "sum", [18000, 18000, 18000]],
      ];
      for (const [name, agg, expected] of cases) {
        const rollup = await ok(`${base}&name=${name}&agg=${agg}`);
        const raw = await ok(`${base}&name=${name}&agg=${agg}&source=raw`);
        assert.equal(raw.source, "raw");
        const slice = (d: (number | null)[]) =>
          d.slice(6, 9).map((v) => (v === null ? null : Math.round(v * 1000) / 1000));
        assert.deepEqual(slice(rollup.data[1]), expected, `${name} ${agg} rollup`);
        assert.deepEqual(slice(raw.data[1]), expected, `${name} ${agg} raw`);
      }
      const byMethod = await ok(
        `${base}&name=http.server.requests&agg=rate&groupBy=attr.http.method`,
      );
      assert.deepEqual(byMethod.series, [
        { labels: { "attr.http.method": "GET" } },
        { labels: { "attr.http.method": "POST" } },
      ]);
      assert.equal(byMethod.data[1][7], 2);
      const two = await ok(
        `${base}&name=http.server.requests&agg=rate&groupBy=service,attr.http.method&attr.http.method=POST`,
      );
      assert.deepEqual(two.series, [{
        labels: { service: "checkout", "attr.http.method": "POST" },
      }]);
      const raw = await ok(
        `/metrics/query?${R}&step=30s&name=process.cpu.utilization&service=checkout`,
      );
      assert.equal(raw.source, "raw");
      assert.equal(raw.data[0].length, 241);
      const auto = await ok(`/metrics/query?${R}&name=process.cpu.utilization`);
      assert.equal(auto.step, 60);
      const unknown = await ok(`${base}&name=no.such.metric`);
      assert.equal(unknown.type, null);
      assert.deepEqual(unknown.series, []);
      assert.equal(unknown.data.length, 1);
    });

    await t.step("bad parameters: 400 naming the parameter", async () => {
      const cases: [string, string][] = [
        ["/metrics?from=never", "from"],
        ["/metrics/query", "name"],
        ["/metrics/query?name=x&agg=median", "agg"],
        ["/metrics/query?name=x&step=0", "step"],
        ["/metrics/query?name=x&step=fast", "step"],
        ["/metrics/query?name=x&step=1s&from=now-7d", "step"],
        ["/metrics/query?name=x&step=30s&source=rollup", "step"],
        ["/metrics/query?name=x&source=cache", "source"],
        ["/metrics/query?name=x&groupBy=host", "groupBy"],
        ["/metrics/query?name=x&groupBy=service,service", "groupBy"],
        ["/metrics/query?name=x&groupBy=attr.a,attr.b,attr.c,attr.d,attr.e", "groupBy"],
        ["/metrics/query?name=x&groupBy=attr.a'b", "groupBy"],
        [`/metrics/query?${R}&name=process.cpu.utilization&agg=rate`, "agg"],
        [`/metrics/query?${R}&name=http.server.requests&agg=p95`, "agg"],
      ];
      for (const [path, param] of cases) await bad(path, param);
    });
  } finally {
    await fx.close();
  }
});
