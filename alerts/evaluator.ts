/**
 * One evaluation of one rule: run its query, move each group's state, persist what changed,
 * and hand owed notifications to the notifier (unless silenced). Holds the groups of the rules
 * this process owns in memory; ClickHouse holds the same for restarts.
 *
 * @module
 */
import type { Store } from "../sql/store.ts";
import type { Clock } from "./clock.ts";
import type { AlertMessage } from "./payload.ts";
import { renderTemplate } from "./payload.ts";
import { type GroupValue, runRuleQuery, type Shared } from "./query.ts";
import type { Receiver, Rule } from "./rules_file.ts";
import { type Silence, silences } from "./silences.ts";
import {
  due,
  groupKey,
  type GroupState,
  newGroup,
  type Observation,
  step,
} from "./state_machine.ts";
import type { AlertStateStore, Transition } from "./state_store.ts";
import type { Notifier, Outgoing } from "./notifier.ts";

/** Default repeat interval of a receiver. */
export const DEFAULT_REPEAT_MS = 4 * 3_600_000;

/** What the last evaluation of a rule did, for the status API. */
export interface RuleRun {
  at: number;
  durationMs: number;
  error: string | null;
  groups: number;
}

/** Options of {@linkcode Evaluator}. */
export interface EvaluatorOptions {
  store: Store;
  states: AlertStateStore;
  notifier: Notifier;
  clock: Clock;
  /** Active silences at an instant. */
  silences(now: number): Silence[];
  /** The receivers currently configured. */
  receivers(): Map<string, Receiver>;
  /** `max_execution_time` of each rule query, seconds. */
  queryTimeoutSeconds: number;
  /** Queries rules share (one RED rollup query per window, per-second log counts, …). */
  shared?: Shared;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Evaluates rules and owns their groups' state. */
export class Evaluator {
  #o: EvaluatorOptions;
  #groups = new Map<string, Map<string, GroupState>>();
  #context = new Map<string, Record<string, string>>();
  #runs = new Map<string, RuleRun>();
  #rules = new Map<string, Rule>();
  evaluations = 0;

  constructor(options: EvaluatorOptions) {
    this.#o = options;
  }

  /** Loads the stored state of `rules` (at start, and for rules a reload added). */
  async adopt(rules: readonly Rule[]): Promise<void> {
    const fresh = rules.filter((r) => !this.#groups.has(r.name));
    const stored = await this.#o.states.load(fresh.map((r) => r.name));
    for (const rule of fresh) this.#groups.set(rule.name, stored.get(rule.name) ?? new Map());
    this.#rules = new Map(rules.map((r) => [r.name, r]));
    for (const name of [...this.#groups.keys()]) {
      if (!this.#rules.has(name)) this.#groups.delete(name);
    }
  }

  /** Groups of a rule (a copy), for the status API. */
  groups(rule: string): GroupState[] {
    return [...(this.#groups.get(rule)?.values() ?? [])];
  }

  /** The last run of a rule. */
  lastRun(rule: string): RuleRun | undefined {
    return this.#runs.get(rule);
  }

  /** Runs one evaluation of `rule` at the clock's current time. */
  async evaluate(rule: Rule): Promise<void> {
    const now = this.#o.clock.now();
    const started = performance.now();
    let error: string | null = null;
    try {
      await this.#evaluate(rule, now);
    } catch (e) {
      error = (e as Error).message;
      console.error(`tracehouse: alerts: rule "${rule.name}": ${error}`);
    }
    this.evaluations++;
    this.#runs.set(rule.name, {
      at: now,
      durationMs: performance.now() - started,
      error,
      groups: this.#groups.get(rule.name)?.size ?? 0,
    });
  }

  async #evaluate(rule: Rule, now: number): Promise<void> {
    const result = await runRuleQuery(this.#o.store, rule.spec, now, {
      settings: {
        max_execution_time: Math.max(
          1,
          Math.min(this.#o.queryTimeoutSeconds, rule.intervalMs / 1000),
        ),
        timeout_overflow_mode: "throw",
      },
    }, this.#o.shared);
    let groups = this.#groups.get(rule.name);
    if (!groups) this.#groups.set(rule.name, groups = new Map());
    const observed = new Map<string, { labels: Record<string, string>; obs: Observation }>();
    for (const [key, found] of result.groups) {
      observed.set(key, { labels: found.labels, obs: { value: found.value } });
      if (found.context) this.#context.set(`${rule.name}\u0000${key}`, found.context);
    }
    const noRows = result.groups.size === 0;
    for (const [key, group] of groups) {
      if (observed.has(key)) continue;
      // {} is the whole-rule group: with rows for other groups, data exists, so it is inactive.
      const obs: Observation = key === "{}" && !noRows
        ? { value: null }
        : result.absentIsZero
        ? { value: 0 }
        : "no_data";
      observed.set(key, { labels: group.labels, obs });
    }
    if (noRows && !groups.has("{}")) {
      // Nothing known and nothing found: the whole rule is one group, counted zero or no data.
      if (result.absentIsZero) observed.set("{}", { labels: {}, obs: { value: 0 } });
      else if (rule.noData === "alert") observed.set("{}", { labels: {}, obs: "no_data" });
    }
    const condition = {
      comparison: rule.spec.comparison,
      threshold: rule.spec.threshold,
      forMs: rule.forMs,
      noData: rule.noData,
    };
    const changed: GroupState[] = [];
    const transitions: Transition[] = [];
    for (const [key, { labels, obs }] of observed) {
      const prev = groups.get(key) ?? newGroup(rule.name, labels);
      const { group, changed: moved } = step(prev, obs, condition, now);
      if (moved) {
        changed.push(group);
        transitions.push({
          at: now,
          rule: rule.name,
          key,
          labels,
          from: prev.state,
          to: group.state,
          value: group.value,
        });
      }
      const quiet = group.state === "ok" &&
        !Object.values(group.notified).some((n) => n.state === "firing");
      // A quiet group the query no longer returns is forgotten (its stored row says ok).
      if (quiet && !result.groups.has(key)) groups.delete(key);
      else groups.set(key, group);
    }
    await this.#o.states.save(changed, now);
    await this.#o.states.record(transitions);
    this.#notify(rule, [...groups.values()], now);
  }

  #notify(rule: Rule, groups: GroupState[], now: number): void {
    const receivers = this.#o.receivers();
    const repeat = (r: string) => receivers.get(r)?.repeat_interval ?? DEFAULT_REPEAT_MS;
    const active = this.#o.silences(now);
    for (const group of groups) {
      for (const owed of due(group, rule.receivers.filter((r) => receivers.has(r)), repeat, now)) {
        const message = this.#message(rule, group, owed.status, owed.repeat);
        if (active.some((s) => silences(s, message.labels, now))) continue;
        const item: Outgoing = { rule: rule.name, key: group.key, message };
        this.#o.notifier.enqueue(owed.receiver, item);
      }
    }
  }

  #message(
    rule: Rule,
    group: GroupState,
    status: "firing" | "resolved",
    repeat: boolean,
  ): AlertMessage {
    const context = this.#context.get(`${rule.name}\u0000${group.key}`) ?? {};
    const view = {
      rule: rule.name,
      labels: group.labels,
      value: group.value === null ? "no data" : group.value,
      threshold: rule.spec.threshold,
      comparison: rule.spec.comparison,
      context,
    };
    const render = (entries: Record<string, string> | undefined) =>
      Object.fromEntries(
        Object.entries(entries ?? {}).map(([k, v]) => [k, renderTemplate(v, view)]),
      );
    return {
      status,
      rule: rule.name,
      kind: rule.spec.kind,
      labels: { ...render(rule.spec.labels), ...group.labels, alertname: rule.name },
      annotations: render(rule.spec.annotations),
      value: group.value,
      comparison: rule.spec.comparison,
      threshold: rule.spec.threshold,
      startsAt: iso(group.firedAt ?? group.activeAt) ?? new Date(0).toISOString(),
      endsAt: status === "resolved" ? iso(group.resolvedAt) : null,
      repeat,
      groupKey: group.key,
    };
  }

  /** Records a delivered notification on its groups and persists them. */
  async delivered(receiver: string, sent: Outgoing[], at: number): Promise<void> {
    const touched: GroupState[] = [];
    for (const item of sent) {
      const group = this.#groups.get(item.rule)?.get(item.key);
      if (!group) continue;
      group.notified = { ...group.notified, [receiver]: { state: item.message.status, at } };
      touched.push(group);
    }
    await this.#o.states.save(touched, at);
  }
}

/** Canonical key of a value's labels (re-exported for tests). */
export function keyOf(value: GroupValue): string {
  return groupKey(value.labels);
}
