import assert from "node:assert/strict";
import { type Condition, due, type GroupState, newGroup, step } from "./state_machine.ts";

const MIN = 60_000;
const rule: Condition = { comparison: ">", threshold: 0.5, forMs: 2 * MIN, noData: "keep" };

function run(values: (number | null | "no_data")[], condition = rule): string[] {
  let g = newGroup("r", { service: "api" });
  return values.map((v, i) => {
    g = step(g, v === "no_data" ? "no_data" : { value: v }, condition, i * MIN).group;
    return g.state;
  });
}

Deno.test("state machine: pending until the condition held for `for`, then firing, then resolved", () => {
  assert.deepEqual(run([0.1, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1]), [
    "ok",
    "pending",
    "pending",
    "firing", // true at 1, 2, 3 min: held for 2 min
    "firing",
    "resolved",
    "ok",
  ]);
});

Deno.test("state machine: a single spike never fires; a flap resets pending", () => {
  assert.deepEqual(run([0.9, 0.1, 0.9, 0.9, 0.1]), ["pending", "ok", "pending", "pending", "ok"]);
  assert.deepEqual(run([0.9, 0.1], { ...rule, forMs: 0 }), ["firing", "resolved"]);
});

Deno.test("state machine: no_data ok / alert / keep", () => {
  assert.deepEqual(run([0.9, 0.9, 0.9, "no_data", "no_data"], { ...rule, noData: "keep" }), [
    "pending",
    "pending",
    "firing",
    "firing",
    "firing",
  ]);
  assert.deepEqual(run([0.9, 0.9, 0.9, "no_data"], { ...rule, noData: "ok" }), [
    "pending",
    "pending",
    "firing",
    "resolved",
  ]);
  assert.deepEqual(run(["no_data", "no_data", "no_data", 0.1], { ...rule, noData: "alert" }), [
    "pending",
    "pending",
    "firing",
    "resolved",
  ]);
});

Deno.test("state machine: notifications owed per receiver, reminders, none twice", () => {
  const repeat = () => 60 * MIN;
  let g: GroupState = newGroup("r", {});
  assert.deepEqual(due(g, ["a", "b"], repeat, 0), []);
  g = step(g, { value: 1 }, { ...rule, forMs: 0 }, 0).group;
  assert.deepEqual(due(g, ["a", "b"], repeat, 0).map((d) => `${d.receiver}:${d.status}`), [
    "a:firing",
    "b:firing",
  ]);
  g = { ...g, notified: { a: { state: "firing", at: 0 } } };
  assert.deepEqual(due(g, ["a", "b"], repeat, MIN).map((d) => `${d.receiver}:${d.status}`), [
    "b:firing",
  ]);
  g = { ...g, notified: { a: { state: "firing", at: 0 }, b: { state: "firing", at: 0 } } };
  assert.deepEqual(due(g, ["a", "b"], repeat, 59 * MIN), []);
  assert.deepEqual(due(g, ["a"], repeat, 60 * MIN), [{
    receiver: "a",
    status: "firing",
    repeat: true,
  }]);
  g = step(g, { value: 0 }, rule, 61 * MIN).group;
  assert.equal(g.state, "resolved");
  assert.deepEqual(due(g, ["a"], repeat, 61 * MIN), [{
    receiver: "a",
    status: "resolved",
    repeat: false,
  }]);
  g = { ...g, notified: { a: { state: "resolved", at: 61 * MIN } } };
  assert.deepEqual(due(g, ["a"], repeat, 62 * MIN), []);
  // A group that fired while its notification was silenced owes no resolved message.
  const silent = step(newGroup("r", {}), { value: 1 }, { ...rule, forMs: 0 }, 0).group;
  assert.deepEqual(due(step(silent, { value: 0 }, rule, MIN).group, ["a"], repeat, MIN), []);
});
