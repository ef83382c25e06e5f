import assert from "node:assert/strict";
import { LOGS_COLUMNS } from "../../sql/schema.ts";
import { FILLER_LOGS, fixtureLogs, T0_NS, TRACE_A } from "../../testing/query_fixtures.ts";
import { FIXTURE_QUERY as R, openApiFixture } from "../../testing/api_fixture.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("logs API over the embedded engine", async (t) => {
  const fx = await openApiFixture();
  const { store, ok, bad } = fx;
  try {
    await t.step("logs: newest first, asc on request, every filter", async () => {
      const all = await ok(`/logs?${R}&limit=1000`);
      assert.equal(all.logs.length, FILLER_LOGS + 2);
      const times = all.logs.map((l: Json) => l.time);
      assert.deepEqual(times, [...times].sort().reverse());
      const asc = await ok(`/logs?${R}&limit=1000&order=asc`);
      assert.deepEqual(asc.logs.map((l: Json) => l.time), [...times].reverse());
      const count = async (q: string) => (await ok(`/logs?${R}&limit=1000&${q}`)).logs.length;
      assert.equal(await count("service=payments"), 1);
      assert.equal(await count("service=payments&service=checkout"), 2);
      assert.equal(await count("severity=warn"), FILLER_LOGS / 10 + 1);
      assert.equal(await count("severity=WARN"), FILLER_LOGS / 10 + 1);
      assert.equal(await count("severity=17"), 1);
      assert.equal(await count("severity=info"), FILLER_LOGS / 10 + 2);
      assert.equal(await count("q=declined"), 1);
      assert.equal(await count("q=JOB%201%20"), 1);
      assert.equal(await count("q=100%25"), 1);
      assert.equal(await count("q=%25"), 1);
      assert.equal(await count("q=_"), 1);
      assert.equal(await count(`traceId=${TRACE_A}`), 2);
      assert.equal(await count("spanId=a000000000000003"), 1);
      assert.equal(await count("attr.order.id=42"), 2);
      assert.equal(await count("attr.error.type=declined"), 1);
      assert.equal(await count("attr.service.name=payments"), 1);
      assert.equal(await count("attr.order.id=43"), 0);
      const first = all.logs.at(-1);
      assert.deepEqual(first, {
        time: "2026-11-25T10:00:01.015000000Z",
        traceId: TRACE_A,
        spanId: "a000000000000002",
        traceFlags: 1,
        severityText: "INFO",
        severityNumber: 9,
        service: "checkout",
        body: "payment started for order 42",
        eventName: "",
        scope: { name: "fixture", version: "1.0.0" },
        resource: { "service.name": "checkout" },
        attributes: { "order.id": "42" },
      });
    });

    await t.step("cursors: pages with inserts in between skip and repeat nothing", async () => {
      for (const order of ["desc", "asc"]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let page = 0;
        do {
          const q = `/logs?${R}&limit=7&order=${order}${cursor ? `&cursor=${cursor}` : ""}`;
          const body = await ok(q);
          seen.push(...body.logs.map((l: Json) => `${l.time}|${l.body}`));
          cursor = body.nextCursor as string | null;
          // New rows at the current position and at both ends of the range, same timestamps included.
          const at = T0_NS + BigInt(300 + 30 * page) * 1_000_000_000n;
          await store.insert("otel_logs", [
            { ...fixtureLogs()[5], Timestamp: at, Body: `late ${order} ${page}` },
            {
              ...fixtureLogs()[5],
              Timestamp: T0_NS + 3000n * 1_000_000_000n,
              Body: `new ${order} ${page}`,
            },
          ], { columns: LOGS_COLUMNS });
          page++;
        } while (cursor);
        const original = new Set(fixtureLogs().map((l) => l.Body as string));
        const bodies = seen.map((s) => s.split("|")[1]);
        assert.equal(new Set(seen).size, seen.length, `${order}: a row was repeated`);
        for (const b of original) assert.ok(bodies.includes(b), `${order}: ${b} was skipped`);
      }
    });

    await t.step("cursors: bound to their filters", async () => {
      const body = await ok(`/logs?${R}&limit=2&service=batch`);
      await bad(`/logs?${R}&limit=2&service=checkout&cursor=${body.nextCursor}`, "cursor");
      await bad(`/logs?${R}&limit=2&service=batch&order=asc&cursor=${body.nextCursor}`, "cursor");
      const traces = await ok(`/traces?${R}&limit=2`);
      await bad(`/logs?${R}&cursor=${traces.nextCursor}`, "cursor");
    });

    await t.step("bad parameters: 400 naming the parameter", async () => {
      const cases: [string, string][] = [
        ["/logs?from=yesterday", "from"],
        ["/logs?to=2026-13-01T00:00:00Z", "to"],
        ["/logs?from=now&to=now-1h", "from"],
        ["/logs?from=now-100d", "from"],
        ["/logs?limit=0", "limit"],
        ["/logs?limit=abc", "limit"],
        ["/logs?limit=5000", "limit"],
        ["/logs?limit=-1", "limit"],
        ["/logs?cursor=***", "cursor"],
        ["/logs?cursor=eyJ2IjoxfQ", "cursor"],
        ["/logs?order=sideways", "order"],
        ["/logs?severity=loud", "severity"],
        ["/logs?severity=25", "severity"],
        ["/logs?traceId=xyz", "traceId"],
        ["/logs?spanId=123", "spanId"],
        ["/logs?from=a&from=b", "from"],
        ["/logs?bogus=1", "bogus"],
        ["/logs?attr.=x", "attr."],
        ["/logs?attr.a%20b=x", "attr.a b"],
        ["/logs?attr.k=1&attr.k=2", "attr.k"],
      ];
      for (const [path, param] of cases) await bad(path, param);
    });
  } finally {
    await fx.close();
  }
});
