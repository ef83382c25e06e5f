import assert from "node:assert/strict";
import { LaneFullError, LaneScheduler } from "./lanes.ts";

/** A task that records its name and finishes when `release` is called. */
function gate() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => release = resolve);
  return { done, release };
}

const PATIENT = {
  ingest: { maxWaitMs: 60_000 },
  interactive: { maxWaitMs: 60_000 },
  background: { maxWaitMs: 60_000 },
  endpoint: { maxWaitMs: 60_000 },
};

Deno.test("lanes: one task at a time; interactive, then ingest, then bulk lanes oldest first", async () => {
  const lanes = new LaneScheduler({ limits: PATIENT });
  const order: string[] = [];
  let running = 0;
  const task = (name: string) => async () => {
    running++;
    assert.equal(running, 1, "two tasks ran at once");
    order.push(name);
    await new Promise((r) => setTimeout(r, 1));
    running--;
  };
  const first = gate();
  const blocker = lanes.run("endpoint", () => first.done);
  const calls = [
    lanes.run("endpoint", task("e1")),
    lanes.run("background", task("b1")),
    lanes.run("ingest", task("i1")),
    lanes.run("ingest", task("i2")),
    lanes.run("interactive", task("q1")),
    lanes.run("interactive", task("q2")),
  ];
  first.release();
  await Promise.all([blocker, ...calls]);
  assert.deepEqual(order, ["q1", "q2", "i1", "i2", "e1", "b1"]);
  const stats = lanes.stats();
  // q1 waited behind the blocker only, q2 behind it and q1; i1 behind three, i2 four; e1 five.
  assert.equal(stats.interactive.waitedBehind, 1 + 2);
  assert.equal(stats.ingest.waitedBehind, 3 + 4);
  assert.equal(stats.endpoint.waitedBehind, 0 + 5);
  assert.equal(stats.background.waitedBehind, 6);
  assert.equal(stats.ingest.ran, 2);
  assert.equal(stats.endpoint.ran, 2);
  assert.ok(lanes.idle);
});

Deno.test("lanes: an overdue lane goes first, the most overdue before the others", async () => {
  const lanes = new LaneScheduler({
    limits: { ...PATIENT, ingest: { maxWaitMs: 30 }, background: { maxWaitMs: 20 } },
  });
  const order: string[] = [];
  const push = (name: string) => () => Promise.resolve(void order.push(name));
  const first = gate();
  const blocker = lanes.run("interactive", () => first.done);
  const bulk = lanes.run("background", push("bulk"));
  const ingest = lanes.run("ingest", push("ingest"));
  await new Promise((r) => setTimeout(r, 60));
  const query = lanes.run("interactive", push("query"));
  first.release();
  await Promise.all([blocker, bulk, ingest, query]);
  // Both waited ~60 ms: background is 40 ms past its 20, ingest 30 past its 30.
  assert.deepEqual(order, ["bulk", "ingest", "query"]);
});

Deno.test("lanes: a full lane refuses at once; other lanes still queue", async () => {
  const lanes = new LaneScheduler({ limits: { endpoint: { maxQueued: 1 } } });
  const first = gate();
  const blocker = lanes.run("ingest", () => first.done);
  const queued = lanes.run("endpoint", () => Promise.resolve("ok"));
  await assert.rejects(lanes.run("endpoint", () => Promise.resolve("no")), LaneFullError);
  const other = lanes.run("interactive", () => Promise.resolve("yes"));
  first.release();
  assert.deepEqual(await Promise.all([queued, other, blocker]), ["ok", "yes", undefined]);
  assert.equal(lanes.stats().endpoint.refused, 1);
});

Deno.test("lanes: an aborted waiting call leaves the line; errors reach their caller only", async () => {
  const lanes = new LaneScheduler();
  const first = gate();
  const blocker = lanes.run("ingest", () => first.done);
  const controller = new AbortController();
  let ran = false;
  const aborted = lanes.run(
    "interactive",
    () => Promise.resolve(void (ran = true)),
    controller.signal,
  );
  controller.abort(new Error("client went away"));
  await assert.rejects(aborted, /client went away/);
  const failing = lanes.run("interactive", () => Promise.reject(new RangeError("bad")));
  const throwing = lanes.run("interactive", () => {
    throw new TypeError("sync");
  });
  const after = lanes.run("interactive", () => Promise.resolve(1));
  first.release();
  await blocker;
  await assert.rejects(failing, RangeError);
  await assert.rejects(throwing, TypeError);
  assert.equal(await after, 1);
  assert.equal(ran, false);
});

Deno.test("lanes: bad options and lanes are clear errors", async () => {
  assert.throws(() => new LaneScheduler({ limits: { ingest: { maxWaitMs: -1 } } }), RangeError);
  assert.throws(() => new LaneScheduler({ limits: { ingest: { maxQueued: 0 } } }), RangeError);
  // @ts-expect-error: not a lane
  await assert.rejects(new LaneScheduler().run("vip", () => Promise.resolve()), TypeError);
});

Deno.test("lanes: fifo ordering runs calls in arrival order", async () => {
  const lanes = new LaneScheduler({ ordering: "fifo" });
  const order: string[] = [];
  const first = gate();
  const blocker = lanes.run("interactive", () => first.done);
  const calls = [
    lanes.run("endpoint", () => Promise.resolve(void order.push("e"))),
    lanes.run("ingest", () => Promise.resolve(void order.push("i"))),
    lanes.run("background", () => Promise.resolve(void order.push("b"))),
  ];
  first.release();
  await Promise.all([blocker, ...calls]);
  assert.deepEqual(order, ["e", "i", "b"]);
  // @ts-expect-error: not an ordering
  assert.throws(() => new LaneScheduler({ ordering: "random" }), RangeError);
});
