/**
 * Memory accounting under overload: clients flood `main.ts serve` with large spans (4 KB of
 * attributes each) while the row bound is out of reach, so only the byte bound
 * (`TRACEHOUSE_BATCH_MAX_QUEUED_BYTES`) can hold the queue: the queued bytes never pass it,
 * clients get 429 before memory grows, the process's RSS levels off, and every span answered
 * 200 is stored.
 */
import assert from "node:assert/strict";
import { random } from "../bench/span_rows.ts";
import { spanRequest } from "../testing/otlp_payloads.ts";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { rssMiB, startTracehouse, withStore } from "./interop/server.ts";

const LIMIT = 8 * 1024 * 1024;

Deno.test({
  name: "overload in bytes: the queue stays within its byte bound, 429 before memory grows",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-memory-" });
    const server = await startTracehouse(dataDir, {
      TRACEHOUSE_BATCH_MAX_QUEUED_ROWS: "10000000",
      TRACEHOUSE_BATCH_MAX_ROWS: "1000000",
      TRACEHOUSE_BATCH_MAX_QUEUED_BYTES: String(LIMIT),
    });
    const rand = random(5);
    const now = BigInt(Date.now()) * 1_000_000n;
    const bodies = Array.from({ length: 12 }, () => {
      const groups = spanRequest(rand, 200, now);
      for (const span of groups[0].scopes[0].items) {
        span.attributes.push(["app.payload", `${span.spanId}:${"x".repeat(4000)}`]);
      }
      return groups;
    });
    const encoded = bodies.map((b) => encodeTraces(b));
    const baseline = await rssMiB(server.pid);
    const flood = 4000;
    const started = performance.now();
    const statuses = new Map<number, number>();
    const acked = new Set<string>();
    const rss: { at: number; mib: number }[] = [];
    const queued: number[] = [];
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        rss.push({ at: performance.now() - started, mib: await rssMiB(server.pid) });
        const text = await (await fetch(`${server.otlpUrl}/metrics`)).text();
        queued.push(Number(/^tracehouse_otlp_queued_bytes (\d+)$/m.exec(text)![1]));
        await new Promise((r) => setTimeout(r, 25));
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
      Math.max(...rss.filter((s) => s.at >= from && s.at < to).map((s) => s.mib));
    const early = peakOf(0, flood / 2);
    const late = peakOf(flood / 2, Infinity);
    const maxQueued = Math.max(...queued);
    console.log(
      `memory: statuses ${JSON.stringify([...statuses])}, queued bytes at most ${maxQueued} ` +
        `of ${LIMIT}, RSS ${baseline.toFixed(0)} MiB idle, peak ${early.toFixed(0)} MiB in the ` +
        `first half, ${late.toFixed(0)} MiB in the second`,
    );
    assert.ok((statuses.get(429) ?? 0) > 0, "some requests were refused with 429");
    assert.ok((statuses.get(200) ?? 0) > 0, "some requests were accepted");
    assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 429), []);
    // The accounting holds: never above the bound, and the flood did reach it.
    assert.ok(maxQueued <= LIMIT, `${maxQueued} bytes queued, over ${LIMIT}`);
    assert.ok(maxQueued > LIMIT / 4, `the flood never filled the queue (${maxQueued} bytes)`);
    // Bounded: memory levels off instead of growing with the data sent.
    assert.ok(late < early + 150, `memory kept growing: ${early} → ${late} MiB`);
    assert.ok(late - baseline < 600, `memory grew by ${(late - baseline).toFixed(0)} MiB`);
    await withStore(dataDir, async (store) => {
      const rows = await store.query<{ SpanId: string }>("SELECT DISTINCT SpanId FROM otel_traces");
      const stored = new Set(rows.map((r) => r.SpanId));
      assert.equal([...acked].filter((id) => !stored.has(id)).length, 0);
    });
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  },
});

/**
 * Floods a server whose queue holds 8 MiB with `clients` clients sending 4 MB requests (the
 * queue takes two at a time) for `ms`; returns how far RSS rose over its idle value and how
 * requests were answered.
 */
async function floodLargeRequests(
  encoded: Uint8Array<ArrayBuffer>[],
  clients: number,
  ms: number,
): Promise<{ growth: number; statuses: Map<number, number> }> {
  const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-memory-" });
  const server = await startTracehouse(dataDir, {
    TRACEHOUSE_BATCH_MAX_QUEUED_ROWS: "10000000",
    TRACEHOUSE_BATCH_MAX_ROWS: "1000000",
    TRACEHOUSE_BATCH_MAX_QUEUED_BYTES: String(LIMIT),
  });
  try {
    const baseline = await rssMiB(server.pid);
    let peak = baseline;
    let stop = false;
    const statuses = new Map<number, number>();
    const sampler = (async () => {
      while (!stop) {
        peak = Math.max(peak, await rssMiB(server.pid));
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const res = await fetch(`${server.otlpUrl}/v1/traces`, {
          method: "POST",
          body: encoded[(n + i) % encoded.length],
          headers: { "content-type": "application/x-protobuf" },
        });
        await res.body?.cancel();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) await new Promise((r) => setTimeout(r, 20));
      }
    };
    const running = Array.from({ length: clients }, (_, n) => client(n));
    await new Promise((r) => setTimeout(r, ms));
    stop = true;
    await Promise.all([...running, sampler]);
    return { growth: peak - baseline, statuses };
  } finally {
    await server.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name: "overload in bytes: more clients add no memory, a request is refused on its length",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const rand = random(7);
    const now = BigInt(Date.now()) * 1_000_000n;
    const encoded = Array.from({ length: 6 }, () => {
      const groups = spanRequest(rand, 1000, now);
      for (const span of groups[0].scopes[0].items) {
        span.attributes.push(["app.payload", `${span.spanId}:${"y".repeat(4000)}`]);
      }
      return encodeTraces(groups);
    });
    assert.ok(encoded[0].length > LIMIT / 3, `requests of ${encoded[0].length} bytes`);
    // The baseline is the same server with a few clients, measured in this run.
    const few = await floodLargeRequests(encoded, 6, 3000);
    const many = await floodLargeRequests(encoded, 48, 3000);
    console.log(
      `memory: RSS rose ${few.growth.toFixed(0)} MiB with 6 clients ` +
        `(${JSON.stringify([...few.statuses])}), ${many.growth.toFixed(0)} MiB with 48 ` +
        `(${JSON.stringify([...many.statuses])})`,
    );
    for (const { statuses } of [few, many]) {
      assert.ok((statuses.get(200) ?? 0) > 0, "some requests were accepted");
      assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 429), []);
    }
    assert.ok((many.statuses.get(429) ?? 0) > 0, "the 48 clients were refused with 429");
    // 42 more clients hold ~180 MB of bodies in flight: refused on their Content-Length, they
    // are never read or decoded, so the queue bound, not the number of clients, holds memory.
    assert.ok(
      many.growth < few.growth + 120,
      `RSS rose ${many.growth.toFixed(0)} MiB with 48 clients, ${few.growth.toFixed(0)} with 6`,
    );
  },
});
