import assert from "node:assert/strict";
import { IngestBatcher, QueueFullError } from "./batcher.ts";
import { RecordingStore } from "../testing/recording_store.ts";

const inserted = (store: RecordingStore) =>
  store.inserts.map(({ table, rows }) => ({ table, rows: rows.length }));

const COLUMNS = [{ name: "n", type: "UInt8" }];
const rows = (n: number, value = 0) => Array.from({ length: n }, () => ({ n: value }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function gated(store: RecordingStore): () => void {
  let open!: () => void;
  store.gate = new Promise((resolve) => open = resolve);
  return () => {
    store.gate = undefined;
    open();
  };
}

Deno.test("a full batch flushes at once; callers resolve after its commit", async () => {
  const store = new RecordingStore();
  const open = gated(store);
  const batcher = new IngestBatcher(store, { maxRows: 3, maxDelayMs: 60_000 });
  const first = batcher.add("t", COLUMNS, rows(1)); // idle: goes at once, held by the gate
  let committed = false;
  const full = batcher.add("t", COLUMNS, rows(3)).then(() => committed = true);
  await sleep(5);
  assert.equal(committed, false);
  open();
  await Promise.all([first, full]);
  assert.deepEqual(inserted(store), [{ table: "t", rows: 1 }, { table: "t", rows: 3 }]);
  await batcher.close();
});

Deno.test("an idle engine inserts at once; rows that arrive during an insert go when it ends", async () => {
  const store = new RecordingStore();
  const open = gated(store);
  const batcher = new IngestBatcher(store, { maxRows: 1000, maxDelayMs: 60_000 });
  const started = performance.now();
  const waits = [batcher.add("a", COLUMNS, rows(2))];
  await sleep(5);
  assert.deepEqual(store.attempts, [], "the first insert is held by the gate");
  waits.push(
    batcher.add("a", COLUMNS, rows(3)),
    batcher.add("a", COLUMNS, rows(4)),
    batcher.add("b", COLUMNS, rows(1)), // another table, idle: its own insert at once
  );
  open();
  await Promise.all(waits);
  // Nobody waited for the 60 s batch age.
  assert.ok(performance.now() - started < 5_000);
  assert.deepEqual(inserted(store).sort((x, y) => x.table.localeCompare(y.table)), [
    { table: "a", rows: 2 },
    { table: "a", rows: 7 },
    { table: "b", rows: 1 },
  ]);
  assert.equal(batcher.queuedRows, 0);
  assert.equal(batcher.queuedBytes, 0);
  await batcher.close();
});

Deno.test("a batch that comes of age while inserts are busy keeps growing until one is free", async () => {
  const store = new RecordingStore();
  const open = gated(store);
  const batcher = new IngestBatcher(store, {
    maxRows: 1000,
    maxDelayMs: 10,
    maxConcurrentInserts: 1,
  });
  const first = batcher.add("t", COLUMNS, rows(2)); // its insert hangs on the gate
  await sleep(30);
  const waiting = [batcher.add("t", COLUMNS, rows(3))];
  await sleep(30); // older than maxDelayMs, no free slot
  waiting.push(batcher.add("t", COLUMNS, rows(4)), batcher.add("t", COLUMNS, rows(5)));
  open();
  await Promise.all([first, ...waiting]);
  assert.deepEqual(inserted(store), [{ table: "t", rows: 2 }, { table: "t", rows: 12 }]);
  await batcher.close();
});

Deno.test("the queue bound refuses rows that do not fit, all or nothing", async () => {
  const store = new RecordingStore();
  const batcher = new IngestBatcher(store, { maxRows: 100, maxDelayMs: 10, maxQueuedRows: 5 });
  const first = batcher.add("t", COLUMNS, rows(4));
  await assert.rejects(batcher.add("t", COLUMNS, rows(2)), QueueFullError);
  await assert.rejects(
    batcher.addAll([{ table: "u", columns: COLUMNS, rows: rows(1) }, {
      table: "v",
      columns: COLUMNS,
      rows: rows(1),
    }]),
    QueueFullError,
  );
  assert.equal(batcher.queuedRows, 4);
  await first;
  assert.equal(batcher.queuedRows, 0);
  await batcher.close();
});

Deno.test("the byte bound refuses a request whose block would not fit, and seals batches at a quarter", async () => {
  const store = new RecordingStore();
  const open = gated(store);
  const columns = [{ name: "s", type: "String" }];
  const text = (n: number, bytes: number) =>
    Array.from({ length: n }, () => ({ s: "x".repeat(bytes) }));
  const batcher = new IngestBatcher(store, {
    maxRows: 1_000_000,
    maxDelayMs: 60_000,
    maxQueuedBytes: 40_000,
  });
  const waits = [batcher.add("t", columns, text(10, 99))]; // ~1 KB, inserting (held)
  waits.push(batcher.add("t", columns, text(50, 198))); // 10 KB: a quarter, sealed at once
  waits.push(batcher.add("t", columns, text(20, 99))); // 2 KB, pending
  assert.equal(batcher.queuedBytes, 13_000);
  assert.equal(batcher.hasRoom(1, 27_000), true);
  assert.equal(batcher.hasRoom(1, 27_001), false);
  const refused = batcher.add("t", columns, text(280, 99)); // 28 KB more: over 40,000
  await assert.rejects(
    refused,
    (e: Error) => e instanceof QueueFullError && /bytes/.test(e.message),
  );
  assert.equal(batcher.queuedBytes, 13_000, "the refused rows were rolled back");
  open();
  await Promise.all(waits);
  assert.deepEqual(inserted(store).map((i) => i.rows), [10, 50, 20]);
  assert.equal(batcher.queuedBytes, 0);
  await batcher.close();
});

Deno.test("a request larger than a bound is taken when nothing else waits, never forever refused", async () => {
  const store = new RecordingStore();
  const open = gated(store);
  const batcher = new IngestBatcher(store, {
    maxRows: 1000,
    maxDelayMs: 60_000,
    maxQueuedRows: 5,
    maxQueuedBytes: 1024,
  });
  const columns = [{ name: "s", type: "String" }];
  const big = Array.from({ length: 8 }, () => ({ s: "x".repeat(499) })); // 8 rows, 4,000 bytes
  const first = batcher.add("t", columns, big);
  await assert.rejects(batcher.add("t", columns, big), QueueFullError);
  open();
  await first;
  assert.deepEqual(inserted(store), [{ table: "t", rows: 8 }]);
  await batcher.close();
});

Deno.test("a failing request is isolated: the others of its batch are committed", async () => {
  const store = new RecordingStore();
  const open = gated(store);
  const batcher = new IngestBatcher(store, { maxRows: 1000, maxDelayMs: 60_000 });
  const reports: { rows: number; retry?: boolean; failed: boolean }[] = [];
  batcher.onBatch((r) => reports.push({ rows: r.rows, retry: r.retry, failed: !!r.error }));
  const first = batcher.add("t", COLUMNS, rows(1)); // held: the next five gather in one batch
  const requests = [1, 2, 3, 4, 5].map((k) => batcher.add("t", COLUMNS, rows(k, k === 4 ? 9 : 1)));
  store.poison = (row) => row.n === 9;
  open();
  await first;
  const outcomes = await Promise.allSettled(requests);
  assert.deepEqual(outcomes.map((o) => o.status), [
    "fulfilled",
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  assert.match(String((outcomes[3] as PromiseRejectedResult).reason), /poison/);
  const stored = store.inserts.flatMap((i) => i.rows.map((r) => r.n));
  assert.equal(stored.length, 1 + 1 + 2 + 3 + 5);
  assert.ok(!stored.includes(9));
  assert.equal(batcher.requestsIsolated, 1);
  assert.deepEqual(reports[1], { rows: 15, retry: false, failed: true });
  assert.ok(reports.slice(2).every((r) => r.retry));
  assert.equal(batcher.queuedRows, 0);
  await batcher.close();
});

Deno.test("a failed insert of one request rejects it; close flushes and refuses", async () => {
  const store = new RecordingStore();
  const batcher = new IngestBatcher(store, { maxRows: 100, maxDelayMs: 60_000 });
  const reports: unknown[] = [];
  batcher.onBatch((r) => reports.push(r.error));
  store.failWith = new Error("disk full");
  const a = batcher.add("t", COLUMNS, rows(1));
  await assert.rejects(a, /disk full/);
  assert.equal(reports.length, 1);
  store.failWith = undefined;
  const c = batcher.add("t", COLUMNS, rows(2));
  await batcher.close();
  await c;
  assert.deepEqual(inserted(store), [{ table: "t", rows: 2 }]);
  await assert.rejects(batcher.add("t", COLUMNS, rows(1)), /closed/);
});

const TIMED = [{ name: "Timestamp", type: "DateTime64(9)" }, { name: "n", type: "UInt8" }];
const DAY_NS = 86_400n * 1_000_000_000n;
const onDays = (days: number[], n = 0) =>
  days.map((d) => ({ Timestamp: BigInt(d) * DAY_NS + 3_600_000_000_000n, n }));
const daysOf = (rows: readonly Record<string, unknown>[]) =>
  new Set(rows.map((r) => Number((r.Timestamp as bigint) / DAY_NS))).size;

Deno.test("no insert holds more days than half the partition limit: wide requests are split", async () => {
  const store = new RecordingStore();
  const open = gated(store);
  const batcher = new IngestBatcher(store, {
    maxRows: 10_000,
    maxDelayMs: 60_000,
    maxPartitionsPerInsert: 10, // 5 UTC days per insert
  });
  const first = batcher.add("otel_logs", TIMED, onDays([20_000])); // held by the gate
  const good = batcher.add("otel_logs", TIMED, onDays([20_000, 20_000, 20_001], 1));
  const wide = batcher.add(
    "otel_logs",
    TIMED,
    onDays(Array.from({ length: 12 }, (_, i) => 19_900 + i * 3), 2),
  );
  const later = batcher.add("otel_logs", TIMED, onDays([20_002, 20_003, 20_004], 3));
  open();
  await Promise.all([first, good, wide, later]);
  assert.equal(batcher.requestsSplit, 1);
  for (const insert of store.inserts) assert.ok(daysOf(insert.rows) <= 5);
  const count = (n: number) => store.inserts.flatMap((i) => i.rows).filter((r) => r.n === n).length;
  assert.deepEqual([count(1), count(2), count(3)], [3, 12, 3]);
  // The wide request went in three inserts of its own (5 + 5 + 2 days)...
  const wideParts = store.inserts.filter((i) => i.rows.every((r) => r.n === 2));
  assert.deepEqual(wideParts.map((i) => daysOf(i.rows)), [5, 5, 2]);
  // ...and the last request's three days fit with the good one's two (5): one insert holds both.
  assert.ok(
    store.inserts.some((i) => i.rows.some((r) => r.n === 1) && i.rows.some((r) => r.n === 3)),
  );
  assert.equal(batcher.queuedRows, 0);
  await batcher.close();
});

Deno.test("a request whose days do not fit the pending batch starts the next one", async () => {
  const store = new RecordingStore();
  const open = gated(store);
  const batcher = new IngestBatcher(store, {
    maxRows: 10_000,
    maxDelayMs: 60_000,
    maxPartitionsPerInsert: 8, // 4 UTC days per insert
  });
  const first = batcher.add("otel_logs", TIMED, onDays([1]));
  const a = batcher.add("otel_logs", TIMED, onDays([10, 11, 12], 1));
  const b = batcher.add("otel_logs", TIMED, onDays([12, 13], 2)); // 10–13: fits
  const c = batcher.add("otel_logs", TIMED, onDays([14], 3)); // a fifth day: next batch
  open();
  await Promise.all([first, a, b, c]);
  assert.deepEqual(store.inserts.map((i) => i.rows.map((r) => r.n)), [[0], [1, 1, 1, 2, 2], [3]]);
  assert.equal(batcher.requestsSplit, 0);
  await batcher.close();
});

Deno.test("slicing options are checked; a store without lane activity keeps whole batches", async () => {
  const store = new RecordingStore();
  assert.throws(
    () => new IngestBatcher(store, { maxRowsWhileQueried: -1 }),
    /Invalid maxRowsWhileQueried: -1/,
  );
  assert.throws(
    () => new IngestBatcher(store, { queriedWithinMs: 1.5 }),
    /Invalid queriedWithinMs/,
  );
  const open = gated(store);
  const batcher = new IngestBatcher(store, { maxRows: 100, maxRowsWhileQueried: 2 });
  const waits = [1, 2, 3].map(() => batcher.add("t", COLUMNS, rows(3)));
  open();
  await Promise.all(waits);
  assert.deepEqual(inserted(store), [{ table: "t", rows: 3 }, { table: "t", rows: 6 }]);
  await batcher.close();
});
