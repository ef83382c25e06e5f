import assert from "node:assert/strict";
import { IngestBatcher, QueueFullError } from "./batcher.ts";
import { RecordingStore } from "./recording_store.ts";

const inserted = (store: RecordingStore) =>
  store.inserts.map(({ table, rows }) => ({ table, rows: rows.length }));

const COLUMNS = [{ name: "n", type: "UInt8" }];
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i }));

Deno.test("a full batch flushes at once; callers resolve after its commit", async () => {
  const store = new RecordingStore();
  const batcher = new IngestBatcher(store, { maxRows: 3, maxDelayMs: 60_000 });
  let committed = false;
  const done = batcher.add("t", COLUMNS, rows(3)).then(() => committed = true);
  assert.equal(committed, false);
  await done;
  assert.deepEqual(inserted(store), [{ table: "t", rows: 3 }]);
  await batcher.close();
});

Deno.test("a partial batch flushes when its first row is maxDelayMs old; tables batch apart", async () => {
  const store = new RecordingStore();
  const batcher = new IngestBatcher(store, { maxRows: 1000, maxDelayMs: 20 });
  const started = performance.now();
  await Promise.all([
    batcher.add("a", COLUMNS, rows(2)),
    batcher.add("a", COLUMNS, rows(3)),
    batcher.add("b", COLUMNS, rows(1)),
  ]);
  assert.ok(performance.now() - started >= 15);
  assert.deepEqual(inserted(store).sort((x, y) => x.table.localeCompare(y.table)), [
    { table: "a", rows: 5 },
    { table: "b", rows: 1 },
  ]);
  assert.equal(batcher.queuedRows, 0);
  await batcher.close();
});

Deno.test("a batch that comes of age while inserts are busy keeps growing until one is free", async () => {
  const store = new RecordingStore();
  let open!: () => void;
  store.gate = new Promise((resolve) => open = resolve);
  const batcher = new IngestBatcher(store, {
    maxRows: 1000,
    maxDelayMs: 10,
    maxConcurrentInserts: 1,
  });
  const first = batcher.add("t", COLUMNS, rows(2)); // its insert hangs on the gate
  await new Promise((resolve) => setTimeout(resolve, 30));
  const waiting = [batcher.add("t", COLUMNS, rows(3))];
  await new Promise((resolve) => setTimeout(resolve, 30)); // older than maxDelayMs, no free slot
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

Deno.test("a failed insert rejects every caller of that batch; close flushes and refuses", async () => {
  const store = new RecordingStore();
  const batcher = new IngestBatcher(store, { maxRows: 100, maxDelayMs: 60_000 });
  const reports: unknown[] = [];
  batcher.onBatch((r) => reports.push(r.error));
  store.failWith = new Error("disk full");
  const a = batcher.add("t", COLUMNS, rows(1));
  const b = batcher.add("t", COLUMNS, rows(1));
  await batcher.flush();
  await assert.rejects(a, /disk full/);
  await assert.rejects(b, /disk full/);
  assert.equal(reports.length, 1);
  store.failWith = undefined;
  const c = batcher.add("t", COLUMNS, rows(2));
  await batcher.close();
  await c;
  assert.deepEqual(inserted(store), [{ table: "t", rows: 2 }]);
  await assert.rejects(batcher.add("t", COLUMNS, rows(1)), /closed/);
});
