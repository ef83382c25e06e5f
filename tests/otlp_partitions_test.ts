/**
 * No poison pills, through the real engine: a request holding spans on 101 days (the engine
 * refuses an insert touching more than 100 partitions) is split by day and stored while other
 * requests are acknowledged; with splitting disabled it fails alone and the requests that shared
 * its batch are stored; records outside the retention window or in the future are handled as
 * `docs/otlp-mapping.md` says.
 */
import assert from "node:assert/strict";
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { createOtlpApp, type OtlpOptions } from "../routes/otlp.ts";
import { encodeLogs, encodeTraces } from "../testing/otlp_encode.ts";
import { retentionByTable } from "../otlp/time_partitions.ts";
import { PbReader } from "../otlp/pb_reader.ts";
import { logRequest, spanRequest } from "../testing/otlp_payloads.ts";
import { random } from "../bench/span_rows.ts";

/** The partial success of an `Export*ServiceResponse`. */
function decodeExportResponse(bytes: Uint8Array): { rejected: number; message: string } {
  const out = { rejected: 0, message: "" };
  const r = new PbReader(bytes);
  if (bytes.length === 0) return out;
  assert.equal(r.tag(), 10); // partial_success
  const end = r.end();
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 8) out.rejected = r.uint32();
    else if (tag === 18) out.message = r.string();
    else r.skip(tag & 7);
  }
  return out;
}

const DAY_NS = 86_400_000_000_000n;
const HOUR_NS = 3_600_000_000_000n;
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

async function withReceiver(
  retention: number,
  options: OtlpOptions,
  fn: (otlp: ReturnType<typeof createOtlpApp>, store: ChdbStore) => Promise<void>,
): Promise<void> {
  const path = await Deno.makeTempDir({ prefix: "tracehouse-partitions-" });
  const store = await ChdbStore.open({ path });
  const otlp = createOtlpApp(store, options);
  try {
    await migrate(store, {
      database: "default",
      retentionDays: { traces: retention, logs: retention, metrics: retention },
    });
    await fn(otlp, store);
  } finally {
    await otlp.close();
    await store.close();
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

/** A request of `count` spans of one service; `mark` goes in every span's name. */
function spans(count: number, mark: string, startOf: (i: number) => bigint): Uint8Array {
  const groups = spanRequest(random(count), count, nowNs());
  groups[0].scopes[0].items.forEach((span, i) => {
    span.name = mark;
    span.start = startOf(i);
    span.end = span.start + 1000n;
  });
  return encodeTraces(groups);
}

function post(otlp: ReturnType<typeof createOtlpApp>, signal: string, body: Uint8Array) {
  return otlp.app.request(`http://otlp/v1/${signal}`, {
    method: "POST",
    body: body as Uint8Array<ArrayBuffer>,
    headers: { "content-type": "application/x-protobuf" },
  });
}

async function countByName(store: ChdbStore): Promise<Record<string, number>> {
  const rows = await store.query<{ SpanName: string; n: string; days: string }>(
    "SELECT SpanName, count() AS n, uniqExact(toDate(Timestamp)) AS days FROM otel_traces GROUP BY SpanName",
  );
  return Object.fromEntries(rows.map((r) => [`${r.SpanName}`, Number(r.n)]));
}

const window = (retention: number, policy: "reject" | "keep" = "reject") => ({
  retentionDays: retentionByTable({ traces: retention, logs: retention, metrics: retention }),
  maxFutureMinutes: 60,
  policy,
});

Deno.test({
  name:
    "a request on 101 days is split by day and stored, while concurrent requests are acknowledged",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withReceiver(3650, { window: window(3650) }, async (otlp, store) => {
      const now = nowNs();
      const wide = spans(101, "wide", (i) => now - HOUR_NS - BigInt(i) * DAY_NS);
      const goods = [0, 1, 2].map((k) => spans(500, `good${k}`, (i) => now - BigInt(i) * 1000n));
      const responses = await Promise.all([
        post(otlp, "traces", goods[0]),
        post(otlp, "traces", wide),
        post(otlp, "traces", goods[1]),
        post(otlp, "traces", goods[2]),
      ]);
      assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200]);
      assert.deepEqual(await countByName(store), { wide: 101, good0: 500, good1: 500, good2: 500 });
      const [{ days }] = await store.query<{ days: string }>(
        "SELECT uniqExact(toDate(Timestamp)) AS days FROM otel_traces WHERE SpanName = 'wide'",
      );
      assert.equal(Number(days), 101);
      assert.match(otlp.ingest.metricsText(), /tracehouse_otlp_requests_split_total 1\n/);
    });
  },
});

Deno.test({
  name: "with splitting off, the 101-day request fails alone; the requests of its batch are stored",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // A partition limit set above the engine's: the batcher no longer splits, the engine refuses.
    const batch = { maxPartitionsPerInsert: 10_000 };
    await withReceiver(3650, { batch, window: window(3650) }, async (otlp, store) => {
      const now = nowNs();
      const wide = spans(101, "wide", (i) => now - HOUR_NS - BigInt(i) * DAY_NS);
      const goods = [0, 1, 2].map((k) => spans(500, `good${k}`, (i) => now - BigInt(i) * 1000n));
      // The first request's insert runs while the next three gather in one batch.
      const responses = await Promise.all([
        post(otlp, "traces", goods[0]),
        post(otlp, "traces", goods[1]),
        post(otlp, "traces", wide),
        post(otlp, "traces", goods[2]),
      ]);
      const failed = await responses[2].clone().arrayBuffer();
      assert.deepEqual(
        responses.map((r) => r.status),
        [200, 200, 503, 200],
        new TextDecoder().decode(failed),
      );
      // The engine's words ("too many partitions") are only logged; the client gets an error id.
      assert.match(
        new TextDecoder().decode(failed),
        /unavailable; retry later \(error id [0-9a-f]+\)/,
      );
      assert.deepEqual(await countByName(store), { good0: 500, good1: 500, good2: 500 });
      const metrics = otlp.ingest.metricsText();
      assert.match(metrics, /tracehouse_otlp_requests_isolated_total 1\n/);
      assert.match(
        metrics,
        /tracehouse_otlp_batch_retries_total\{table="otel_traces",outcome="committed"\} [1-9]/,
      );
    });
  },
});

Deno.test({
  name: "records older than the retention or over an hour ahead are rejected and counted",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withReceiver(7, { window: window(7) }, async (otlp, store) => {
      const now = nowNs();
      const times = [
        now - HOUR_NS,
        now - 8n * DAY_NS,
        now + 2n * HOUR_NS,
        now + 30n * 60_000_000_000n,
      ];
      const res = await post(otlp, "traces", spans(4, "t", (i) => times[i]));
      assert.equal(res.status, 200);
      const answer = decodeExportResponse(new Uint8Array(await res.arrayBuffer()));
      assert.equal(answer.rejected, 2);
      assert.match(
        answer.message,
        /1 older than the 7-day retention, 1 more than 60 minutes in the future: not stored/,
      );
      assert.deepEqual(await countByName(store), { t: 2 });
      // Logs take the same path; JSON too.
      const logs = logRequest(random(3), 3, now);
      logs[0].scopes[0].items[1].time = now - 30n * DAY_NS;
      const logRes = await post(otlp, "logs", encodeLogs(logs));
      assert.equal(decodeExportResponse(new Uint8Array(await logRes.arrayBuffer())).rejected, 1);
      const json = await otlp.app.request("http://otlp/v1/metrics", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          resourceMetrics: [{
            scopeMetrics: [{
              metrics: [{
                name: "g",
                gauge: {
                  dataPoints: [
                    { timeUnixNano: String(now), asDouble: 1 },
                    { timeUnixNano: String(now - 40n * DAY_NS), asDouble: 2 },
                  ],
                },
              }],
            }],
          }],
        }),
      });
      assert.deepEqual(await json.json(), {
        partialSuccess: {
          rejectedDataPoints: "1",
          errorMessage: "1 older than the 7-day retention: not stored",
        },
      });
      const [{ n }] = await store.query<{ n: string }>(
        "SELECT count() AS n FROM otel_metrics_gauge",
      );
      assert.equal(Number(n), 1);
      const metrics = otlp.ingest.metricsText();
      for (
        const line of [
          'tracehouse_otlp_records_out_of_window_total{signal="traces",side="past",action="rejected"} 1',
          'tracehouse_otlp_records_out_of_window_total{signal="traces",side="future",action="rejected"} 1',
          'tracehouse_otlp_records_out_of_window_total{signal="logs",side="past",action="rejected"} 1',
          'tracehouse_otlp_records_out_of_window_total{signal="metrics",side="past",action="rejected"} 1',
        ]
      ) assert.ok(metrics.includes(line), `${line} in\n${metrics}`);
    });
  },
});

Deno.test({
  name:
    "under the keep policy out-of-window records are accepted and counted; the future one is stored, the expired one dropped by the TTL",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withReceiver(7, { window: window(7, "keep") }, async (otlp, store) => {
      const now = nowNs();
      const times = [now - HOUR_NS, now - 8n * DAY_NS, now + 2n * HOUR_NS];
      const res = await post(otlp, "traces", spans(3, "t", (i) => times[i]));
      assert.equal(decodeExportResponse(new Uint8Array(await res.arrayBuffer())).rejected, 0);
      // The expired span is acknowledged, but the table's TTL drops its part (alone in its day's
      // partition). That happens as the part is written or in a TTL merge right after, which a
      // loaded machine may not have run yet: OPTIMIZE runs it now, as time would.
      await store.command("OPTIMIZE TABLE otel_traces FINAL");
      const rows = await store.query<{ past: number }>(
        "SELECT Timestamp < now() - INTERVAL 7 DAY AS past FROM otel_traces ORDER BY Timestamp",
      );
      // What `keep` stores beyond `reject` is the future record.
      assert.deepEqual(rows.map((r) => Number(r.past)), [0, 0]);
      const metrics = otlp.ingest.metricsText();
      assert.ok(
        metrics.includes(
          'tracehouse_otlp_records_out_of_window_total{signal="traces",side="past",action="kept"} 1',
        ),
      );
    });
  },
});
