/**
 * Overload test: many clients flood `main.ts serve` whose queue is small; clients get 429 with
 * `Retry-After`, the process's memory stays bounded, and every span answered 200 is stored.
 */
import assert from "node:assert/strict";
import { random } from "../bench/span_rows.ts";
import { spanRequest } from "../testing/otlp_payloads.ts";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { rssMiB, startTracehouse, withStore } from "./interop/server.ts";

Deno.test({
  name: "overload: 429 with Retry-After, bounded memory, no acknowledged span lost",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-overload-" });
    const server = await startTracehouse(dataDir, {
      TRACEHOUSE_BATCH_MAX_QUEUED_ROWS: "5000",
      TRACEHOUSE_BATCH_MAX_ROWS: "5000",
      TRACEHOUSE_BATCH_MAX_DELAY_MS: "300",
    });
    const rand = random(11);
    const now = BigInt(Date.now()) * 1_000_000n;
    const bodies = Array.from({ length: 20 }, () => spanRequest(rand, 500, now));
    const encoded = bodies.map((b) => encodeTraces(b));
    const baseline = await rssMiB(server.pid);
    const samples: { at: number; rss: number }[] = [];
    const flood = 4000;
    const started = performance.now();
    const statuses = new Map<number, number>();
    const acked = new Set<string>();
    let retryAfter: string | null = null;
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        samples.push({ at: performance.now() - started, rss: await rssMiB(server.pid) });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const k = (n + i) % encoded.length;
        const res = await fetch(`${server.otlpUrl}/v1/traces`, {
          method: "POST",
          body: encoded[k],
          headers: { "content-type": "application/x-protobuf" },
        });
        await res.body?.cancel();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) retryAfter = res.headers.get("retry-after");
        if (res.status === 200) {
          for (const s of bodies[k][0].scopes[0].items) acked.add(s.spanId);
        }
      }
    };
    const clients = Array.from({ length: 24 }, (_, n) => client(n));
    await new Promise((r) => setTimeout(r, flood));
    stop = true;
    await Promise.all([...clients, sampler]);
    await server.stop();
    const peakOf = (from: number, to: number) =>
      Math.max(...samples.filter((s) => s.at >= from && s.at < to).map((s) => s.rss));
    const early = peakOf(0, flood / 2);
    const late = peakOf(flood / 2, Infinity);
    console.log(
      `overload: statuses ${JSON.stringify([...statuses])}, RSS ${baseline.toFixed(0)} MiB idle, ` +
        `peak ${early.toFixed(0)} MiB in the first half, ${late.toFixed(0)} MiB in the second`,
    );
    assert.ok((statuses.get(429) ?? 0) > 0, "some requests were refused with 429");
    assert.equal(retryAfter, "1");
    assert.ok((statuses.get(200) ?? 0) > 0, "some requests were accepted");
    assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 429), []);
    // Bounded: memory levels off instead of growing with the data sent (the queue holds at most
    // 5,000 rows; the rest is V8 and engine working memory).
    assert.ok(late < early + 200, `memory kept growing: ${early} → ${late} MiB`);
    assert.ok(late - baseline < 1024, `memory grew by ${(late - baseline).toFixed(0)} MiB`);
    await withStore(dataDir, async (store) => {
      const rows = await store.query<{ SpanId: string }>("SELECT DISTINCT SpanId FROM otel_traces");
      const stored = new Set(rows.map((r) => r.SpanId));
      assert.equal([...acked].filter((id) => !stored.has(id)).length, 0);
    });
  },
});
