import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import type { Rule } from "./rules_file.ts";
import { jitter, Scheduler } from "./scheduler.ts";
import { owns, parseShard } from "./shard.ts";

function rule(name: string, intervalMs: number): Rule {
  return { name, intervalMs, forMs: 0, noData: "keep", receivers: [], spec: {} as Rule["spec"] };
}

Deno.test("scheduler: interval plus a stable jitter; bounded concurrency; overruns skip a turn", async () => {
  const clock = new ManualClock(0);
  const runs: string[] = [];
  let active = 0;
  let peak = 0;
  const scheduler = new Scheduler({
    clock,
    concurrency: 2,
    run: async (r) => {
      active++;
      peak = Math.max(peak, active);
      runs.push(`${clock.now()}:${r.name}`);
      // "slow" takes 150 s, past its 60 s interval.
      await clock.sleep(r.name === "slow" ? 150_000 : 1_000);
      active--;
    },
  });
  const rules = ["a", "b", "c", "slow"].map((n) => rule(n, 60_000));
  scheduler.setRules(rules);
  scheduler.start();
  await clock.advance(240_000);
  const stopped = scheduler.stop();
  await clock.advance(200_000);
  await stopped;
  const at = (n: string) =>
    runs.filter((r) => r.endsWith(`:${n}`)).map((r) => Number(r.split(":")[0]));
  for (const name of ["a", "b", "c"]) {
    const times = at(name);
    assert.ok(times.length >= 4, `${name}: ${times}`);
    // One run a minute, all at the same offset: the rule's jitter (below 6 s), plus queueing.
    for (let i = 1; i < times.length; i++) {
      assert.ok(Math.abs(times[i] - times[i - 1] - 60_000) <= 2_000, `${name}: ${times}`);
    }
    assert.ok(times[0] % 60_000 < 6_000 + 2_000);
  }
  assert.equal(peak, 2);
  // slow: starts, misses the turns while running, runs again after.
  assert.equal(at("slow").length, 2, String(at("slow")));
  assert.ok(scheduler.skipped >= 2);
  assert.equal(jitter(rule("a", 60_000)), jitter(rule("a", 60_000)));
  assert.ok(jitter(rule("a", 60_000)) < 6_000);
});

Deno.test("scheduler: a reload keeps the timetable of unchanged rules and drops removed ones", async () => {
  const clock = new ManualClock(0);
  const runs: string[] = [];
  const scheduler = new Scheduler({
    clock,
    concurrency: 4,
    run: (r) => {
      runs.push(r.name);
      return Promise.resolve();
    },
  });
  scheduler.setRules([rule("a", 10_000), rule("b", 10_000)]);
  scheduler.start();
  await clock.advance(30_000);
  scheduler.setRules([rule("a", 10_000)]);
  runs.length = 0;
  await clock.advance(30_000);
  await scheduler.stop();
  assert.deepEqual([...new Set(runs)], ["a"]);
  assert.equal(runs.length, 3);
});

Deno.test("shards: every rule has exactly one owner; bad shard specs are refused", () => {
  const shards = [0, 1, 2].map((index) => ({ index, count: 3 }));
  for (let i = 0; i < 1000; i++) {
    assert.equal(shards.filter((s) => owns(s, `rule-${i}`)).length, 1);
  }
  const counts = shards.map((s) =>
    Array.from({ length: 1000 }, (_, i) => `rule-${i}`).filter((n) => owns(s, n)).length
  );
  assert.ok(counts.every((c) => c > 250), String(counts));
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  for (const bad of ["3/3", "1", "-1/2", "a/b", "0/0", "1/2000"]) {
    assert.throws(() => parseShard(bad), RangeError, bad);
  }
});
