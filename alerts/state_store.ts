/**
 * Alert state in ClickHouse (`sql/migrations/022_alerts.sql`): the current state of every group
 * in `tracehouse_alert_state` (ReplacingMergeTree by `Version`, read with `FINAL`) and every
 * transition in `tracehouse_alert_history` (30-day TTL).
 *
 * @module
 */
import { param, render, sql } from "../sql/sql_template.ts";
import type { ColumnSpec, Store } from "../sql/store.ts";
import type { AlertState, GroupState } from "./state_machine.ts";

const STATE_COLUMNS: readonly ColumnSpec[] = [
  { name: "Rule", type: "String" },
  { name: "GroupKey", type: "String" },
  { name: "Labels", type: "Map(String, String)" },
  { name: "State", type: "String" },
  { name: "Value", type: "Nullable(Float64)" },
  { name: "ActiveAt", type: "Nullable(DateTime64(3))" },
  { name: "FiredAt", type: "Nullable(DateTime64(3))" },
  { name: "ResolvedAt", type: "Nullable(DateTime64(3))" },
  { name: "NotifiedState", type: "Map(String, String)" },
  { name: "NotifiedAt", type: "Map(String, UInt64)" },
  { name: "UpdatedAt", type: "DateTime64(3)" },
  { name: "Version", type: "UInt64" },
];

const HISTORY_COLUMNS: readonly ColumnSpec[] = [
  { name: "At", type: "DateTime64(3)" },
  { name: "Rule", type: "String" },
  { name: "GroupKey", type: "String" },
  { name: "Labels", type: "Map(String, String)" },
  { name: "FromState", type: "String" },
  { name: "ToState", type: "String" },
  { name: "Value", type: "Nullable(Float64)" },
];

/** Inserts through a Distributed table wait for the shards, so the next read sees them. */
const INSERT_SETTINGS = { distributed_foreground_insert: 1 };

/** One transition, for the history. */
export interface Transition {
  at: number;
  rule: string;
  key: string;
  labels: Record<string, string>;
  from: AlertState;
  to: AlertState;
  value: number | null;
}

interface StateRow {
  Rule: string;
  GroupKey: string;
  Labels: Record<string, string>;
  State: AlertState;
  Value: number | null;
  ActiveAt: string | null;
  FiredAt: string | null;
  ResolvedAt: string | null;
  NotifiedState: Record<string, "firing" | "resolved">;
  NotifiedAt: Record<string, string>;
}

/** Options of {@linkcode AlertStateStore}. */
export interface StateStoreOptions {
  /**
   * Write-behind delay in ms: writes within it go out as one insert per table (and only the
   * newest version of a group), instead of two small inserts per evaluation, each a new part for
   * ClickHouse to merge. 0 writes through. Default 0; the alert manager uses 1,000.
   */
  flushDelayMs?: number;
}

/** Reads and writes alert state; versions only grow within a process. */
export class AlertStateStore {
  #store: Store;
  #version = 0;
  #delay: number;
  #states = new Map<string, Record<string, unknown>>();
  #history: Record<string, unknown>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: Store, options: StateStoreOptions = {}) {
    this.#store = store;
    this.#delay = options.flushDelayMs ?? 0;
  }

  #schedule(): Promise<void> {
    if (this.#delay <= 0) return this.flush();
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((error) =>
        console.error(`tracehouse: alerts: cannot write alert state: ${(error as Error).message}`)
      );
    }, this.#delay);
    return Promise.resolve();
  }

  /** Writes what is buffered (one insert per table); failed rows stay buffered for the next try. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.catch(() => {}).then(async () => {
      const states = [...this.#states.values()];
      const history = this.#history;
      this.#states = new Map();
      this.#history = [];
      try {
        if (states.length > 0) {
          await this.#store.insert("tracehouse_alert_state", states, {
            columns: STATE_COLUMNS,
            settings: INSERT_SETTINGS,
          });
        }
      } catch (error) {
        for (const row of states) {
          const key = `${row.Rule}\u0000${row.GroupKey}`;
          if (!this.#states.has(key)) this.#states.set(key, row);
        }
        this.#history = [...history, ...this.#history];
        throw error;
      }
      try {
        if (history.length > 0) {
          await this.#store.insert("tracehouse_alert_history", history, {
            columns: HISTORY_COLUMNS,
            settings: INSERT_SETTINGS,
          });
        }
      } catch (error) {
        this.#history = [...history, ...this.#history];
        throw error;
      }
    });
    return this.#flushing;
  }

  #nextVersion(now: number): number {
    this.#version = Math.max(this.#version + 1, now * 1000);
    return this.#version;
  }

  /** The stored groups of `rules`, by rule then group key. */
  async load(rules: readonly string[]): Promise<Map<string, Map<string, GroupState>>> {
    const out = new Map<string, Map<string, GroupState>>();
    if (rules.length === 0) return out;
    await this.flush();
    const q = render(sql`SELECT Rule, GroupKey, Labels, State, Value,
  toUnixTimestamp64Milli(ActiveAt) AS ActiveAt, toUnixTimestamp64Milli(FiredAt) AS FiredAt,
  toUnixTimestamp64Milli(ResolvedAt) AS ResolvedAt, NotifiedState, NotifiedAt
FROM tracehouse_alert_state FINAL
WHERE Rule IN ${param("Array(String)", [...rules])}`);
    const rows = await this.#store.query<StateRow>(q.query, { params: q.params });
    const time = (v: string | number | null) => v === null ? null : Number(v);
    for (const row of rows) {
      let groups = out.get(row.Rule);
      if (!groups) out.set(row.Rule, groups = new Map());
      groups.set(row.GroupKey, {
        rule: row.Rule,
        key: row.GroupKey,
        labels: row.Labels,
        state: row.State,
        value: row.Value === null ? null : Number(row.Value),
        activeAt: time(row.ActiveAt),
        firedAt: time(row.FiredAt),
        resolvedAt: time(row.ResolvedAt),
        notified: Object.fromEntries(
          Object.entries(row.NotifiedState).map((
            [receiver, state],
          ) => [receiver, { state, at: Number(row.NotifiedAt[receiver] ?? 0) }]),
        ),
      });
    }
    return out;
  }

  /** Writes the current version of each group (buffered when `flushDelayMs` is set). */
  save(groups: readonly GroupState[], now: number): Promise<void> {
    if (groups.length === 0) return Promise.resolve();
    for (const g of groups) {
      this.#states.set(`${g.rule}\u0000${g.key}`, {
        Rule: g.rule,
        GroupKey: g.key,
        Labels: g.labels,
        State: g.state,
        Value: g.value,
        ActiveAt: g.activeAt,
        FiredAt: g.firedAt,
        ResolvedAt: g.resolvedAt,
        NotifiedState: Object.fromEntries(
          Object.entries(g.notified).map(([r, n]) => [r, n.state]),
        ),
        NotifiedAt: Object.fromEntries(Object.entries(g.notified).map(([r, n]) => [r, n.at])),
        UpdatedAt: now,
        Version: this.#nextVersion(now),
      });
    }
    return this.#schedule();
  }

  /** Appends transitions to the history (buffered like {@linkcode AlertStateStore.save}). */
  record(transitions: readonly Transition[]): Promise<void> {
    if (transitions.length === 0) return Promise.resolve();
    for (const t of transitions) {
      this.#history.push({
        At: t.at,
        Rule: t.rule,
        GroupKey: t.key,
        Labels: t.labels,
        FromState: t.from,
        ToState: t.to,
        Value: t.value,
      });
    }
    return this.#schedule();
  }

  /** The newest transitions, newest first (for the dashboard). */
  async history(options: { rule?: string; limit?: number } = {}): Promise<Transition[]> {
    await this.flush();
    const where = options.rule === undefined
      ? sql`1`
      : sql`Rule = ${param("String", options.rule)}`;
    const q = render(sql`SELECT toUnixTimestamp64Milli(At) AS at, Rule AS rule, GroupKey AS key,
  Labels AS labels, FromState AS "from", ToState AS "to", Value AS value
FROM tracehouse_alert_history
WHERE ${where}
ORDER BY At DESC
LIMIT ${param("UInt32", Math.min(options.limit ?? 100, 1000))}`);
    const rows = await this.#store.query<Transition & { at: string }>(q.query, {
      params: q.params,
    });
    return rows.map((r) => ({ ...r, at: Number(r.at) }));
  }
}
