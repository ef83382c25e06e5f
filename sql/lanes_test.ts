import assert from "node:assert/strict";
import { LaneFullError, LaneScheduler } from "./lanes.ts";

/** A task that records its name and finishes when `release` is called. */
function gate() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => release = resolve);
  return { done, release };
}

/** A scheduler on a fake clock: `work(ms)` is a task that uses `ms` of engine time. */
function fakeClock() {
  let now = 0;
  const order: string[] = [];
  const work = (name: string, ms: number) => () => {
    order.push(name);
    now += ms;
    return Promise.resolve();
  };
  return { now: () => now, order, work };
}

Deno.test("lanes: one task at a time, in the order of the lanes' virtual clocks", async () => {
  const clock = fakeClock();
  const lanes = new LaneScheduler({ now: clock.now });
  let running = 0;
  const first = gate();
  const blocker = lanes.run("endpoint", () => first.done);
  const task = (lane: "ingest" | "interactive" | "background" | "endpoint", name: string) =>
    lanes.run(lane, async () => {
      running++;
      assert.equal(running, 1, "two tasks ran at once");
      await clock.work(name, 10)();
      running--;
    });
  const calls = [
    task("endpoint", "e1"),
    task("background", "b1"),
    task("ingest", "i1"),
    task("ingest", "i2"),
    task("interactive", "q1"),
    task("interactive", "q2"),
  ];
  first.release();
  await Promise.all([blocker, ...calls]);
  // Virtual clocks start equal (ties by priority) and advance by 10/8 per query, 10/4 per
  // insert, 10/1 per bulk call: each bulk lane gets one turn, then waits for the others.
  assert.deepEqual(clock.order, ["q1", "i1", "b1", "e1", "q2", "i2"]);
  const stats = lanes.stats();
  assert.equal(stats.ingest.ran, 2);
  assert.equal(stats.endpoint.ran, 2);
  assert.equal(stats.ingest.busyMs, 20);
  // q1 waited behind the blocker only, q2 behind five; e1 behind four.
  assert.equal(stats.interactive.waitedBehind, 1 + 5);
  assert.equal(stats.endpoint.waitedBehind, 0 + 4);
  assert.ok(lanes.idle);
});

Deno.test("lanes: engine time is shared by weight; a heavy bulk lane cannot hog the engine", async () => {
  const clock = fakeClock();
  const lanes = new LaneScheduler({ now: clock.now });
  const calls: Promise<void>[] = [];
  // Everything queued at once: heavy 100 ms endpoint calls, 25 ms inserts, 5 ms queries.
  for (let i = 0; i < 4; i++) calls.push(lanes.run("endpoint", clock.work("heavy", 100)));
  for (let i = 0; i < 40; i++) calls.push(lanes.run("ingest", clock.work("insert", 25)));
  for (let i = 0; i < 40; i++) calls.push(lanes.run("interactive", clock.work("query", 5)));
  await Promise.all(calls);
  // The first endpoint call started at once (the engine was idle); after it, each further heavy
  // call waits until ingest has used 4× and interactive 8× its engine time, or run out of work.
  const firstHeavyAfter = clock.order.indexOf("heavy", 1);
  const before = clock.order.slice(0, firstHeavyAfter);
  const insertMs = before.filter((n) => n === "insert").length * 25;
  const queryMs = before.filter((n) => n === "query").length * 5;
  assert.ok(insertMs >= 400, `ingest had ${insertMs} ms before the second heavy call`);
  assert.ok(queryMs === 200, `all 40 queries (${queryMs} ms) ran before the second heavy call`);
  // A flood of queries does not starve ingest: inserts are interleaved from the start.
  assert.ok(clock.order.slice(0, 12).includes("insert"), clock.order.slice(0, 12).join());
});

Deno.test("lanes: a lane that was idle earns no credit", async () => {
  const clock = fakeClock();
  const lanes = new LaneScheduler({ now: clock.now });
  // Ingest runs alone for a long time, then queries and inserts compete.
  for (let i = 0; i < 20; i++) await lanes.run("ingest", clock.work("insert", 40));
  const first = gate();
  const blocker = lanes.run("ingest", () => first.done);
  const calls = [
    lanes.run("background", clock.work("bulk", 10)),
    lanes.run("ingest", clock.work("insert", 40)),
    lanes.run("ingest", clock.work("insert", 40)),
  ];
  first.release();
  await Promise.all([blocker, ...calls]);
  // Without the catch-up the idle background lane (clock 0) would run first for 200 ms of work.
  assert.deepEqual(clock.order.slice(20), ["insert", "bulk", "insert"]);
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
  assert.throws(() => new LaneScheduler({ limits: { ingest: { weight: 0 } } }), RangeError);
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

Deno.test("lanes: a lane is active while its calls wait or run, and for a while after", async () => {
  const clock = fakeClock();
  const lanes = new LaneScheduler({ now: clock.now });
  assert.equal(lanes.active("interactive", 1000), false, "nothing ran yet");
  const running = gate();
  const query = lanes.run("interactive", () => running.done);
  const insert = lanes.run("ingest", clock.work("insert", 5));
  assert.equal(lanes.active("interactive"), true, "running");
  assert.equal(lanes.active("ingest"), true, "waiting");
  assert.equal(lanes.active("endpoint", 1000), false);
  running.release();
  await Promise.all([query, insert]);
  // The insert moved the clock 5 ms past the query's end.
  assert.equal(lanes.active("interactive", 10), true, "ended 5 ms ago");
  assert.equal(lanes.active("interactive", 5), false, "not within 5 ms");
  assert.equal(lanes.active("interactive"), false);
});

Deno.test("lanes: with concurrency 2, two calls run at once and the third waits for one", async () => {
  const lanes = new LaneScheduler({ concurrency: 2 });
  const [a, b] = [gate(), gate()];
  const started: string[] = [];
  const first = lanes.run("interactive", () => (started.push("a"), a.done));
  const second = lanes.run("interactive", () => (started.push("b"), b.done));
  const third = lanes.run("interactive", () => Promise.resolve(void started.push("c")));
  await Promise.resolve();
  assert.deepEqual(started, ["a", "b"]);
  assert.equal(lanes.active("interactive"), true);
  b.release();
  await second;
  await third;
  assert.deepEqual(started, ["a", "b", "c"]);
  assert.equal(lanes.idle, false, "a still runs");
  a.release();
  await first;
  assert.equal(lanes.idle, true);
  // The third call waited for one of the two running when it came to end.
  assert.equal(lanes.stats().interactive.waitedBehind, 1);
  for (const bad of [0, 1.5, -1]) {
    assert.throws(() => new LaneScheduler({ concurrency: bad }), /Invalid concurrency/);
  }
});
