/**
 * The life of one alert group: `ok → pending → firing → resolved → ok`, as a pure function of the
 * previous state, the new observation and the time. No I/O: the evaluator persists what this
 * returns, and tests drive it with any clock.
 *
 * @module
 */
import type { Comparison } from "./rule_schema.ts";

/** States of a group. */
export type AlertState = "ok" | "pending" | "firing" | "resolved";

/** Everything stored about one group of one rule. Times are epoch ms. */
export interface GroupState {
  rule: string;
  /** Canonical JSON of `labels`: the group's identity within the rule. */
  key: string;
  labels: Record<string, string>;
  state: AlertState;
  /** The last observed value; `null` for "no data". */
  value: number | null;
  /** When the condition became true (pending or firing), else `null`. */
  activeAt: number | null;
  firedAt: number | null;
  resolvedAt: number | null;
  /** Per receiver: the last state sent (`firing` or `resolved`) and when. */
  notified: Record<string, { state: "firing" | "resolved"; at: number }>;
}

/** What the query said about a group in this evaluation. */
export type Observation = { value: number | null } | "no_data";

/** The parts of a rule the state machine reads. */
export interface Condition {
  comparison: Comparison;
  threshold: number;
  forMs: number;
  noData: "ok" | "alert" | "keep";
}

/**
 * Whether `value` meets the condition.
 *
 * @example
 * ```ts
 * import { compare } from "./state_machine.ts";
 * console.assert(compare(0.2, ">", 0.1) && !compare(1, "<", 1));
 * ```
 */
export function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
    case "==":
      return value === threshold;
    case "!=":
      return value !== threshold;
  }
}

/** Canonical key of a label set: sorted JSON. */
export function groupKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a < b ? -1 : 1)),
  );
}

/** A fresh, ok group. */
export function newGroup(rule: string, labels: Record<string, string>): GroupState {
  return {
    rule,
    key: groupKey(labels),
    labels,
    state: "ok",
    value: null,
    activeAt: null,
    firedAt: null,
    resolvedAt: null,
    notified: {},
  };
}

/**
 * The group's next state. Returns the same object when nothing but nothing changed, else a
 * new one; `changed` tells whether the state (not only the value) moved.
 *
 * @example
 * ```ts
 * import { newGroup, step } from "./state_machine.ts";
 * const rule = { comparison: ">" as const, threshold: 1, forMs: 60_000, noData: "keep" as const };
 * let g = newGroup("r", {});
 * g = step(g, { value: 5 }, rule, 0).group;          // pending
 * g = step(g, { value: 5 }, rule, 60_000).group;     // firing: true for 1 minute
 * console.assert(g.state === "firing");
 * ```
 */
export function step(
  prev: GroupState,
  observation: Observation,
  condition: Condition,
  now: number,
): { group: GroupState; changed: boolean } {
  let active: boolean;
  let value: number | null;
  if (observation === "no_data") {
    if (condition.noData === "keep") return { group: { ...prev, value: null }, changed: false };
    active = condition.noData === "alert";
    value = null;
  } else {
    value = observation.value;
    active = value !== null && Number.isFinite(value) &&
      compare(value, condition.comparison, condition.threshold);
  }
  const next: GroupState = { ...prev, value };
  if (active) {
    if (prev.state === "ok" || prev.state === "resolved") {
      next.activeAt = now;
      next.state = condition.forMs <= 0 ? "firing" : "pending";
      if (next.state === "firing") next.firedAt = now;
    } else if (prev.state === "pending" && now - (prev.activeAt ?? now) >= condition.forMs) {
      next.state = "firing";
      next.firedAt = now;
    }
  } else if (prev.state === "firing") {
    next.state = "resolved";
    next.resolvedAt = now;
    next.activeAt = null;
  } else if (prev.state === "pending" || prev.state === "resolved") {
    next.state = "ok";
    next.activeAt = null;
  }
  return { group: next, changed: next.state !== prev.state };
}

/** One notification a receiver is owed for a group. */
export interface Due {
  receiver: string;
  status: "firing" | "resolved";
  /** A reminder of an alert still firing, not a transition. */
  repeat: boolean;
}

/**
 * What each receiver is owed for a group, from the group's state and what was sent to it: a
 * firing message when firing and not yet sent, a resolved message when a firing one was sent and
 * the group no longer fires, a reminder every `repeatMs` while firing. Derived from stored
 * state, so a restart owes exactly what was not sent yet.
 */
export function due(
  group: GroupState,
  receivers: readonly string[],
  repeatMs: (receiver: string) => number,
  now: number,
): Due[] {
  const out: Due[] = [];
  for (const receiver of receivers) {
    const sent = group.notified[receiver];
    if (group.state === "firing") {
      if (sent?.state !== "firing") out.push({ receiver, status: "firing", repeat: false });
      else if (now - sent.at >= repeatMs(receiver)) {
        out.push({ receiver, status: "firing", repeat: true });
      }
    } else if (sent?.state === "firing") {
      out.push({ receiver, status: "resolved", repeat: false });
    }
  }
  return out;
}
