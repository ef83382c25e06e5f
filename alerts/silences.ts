/**
 * Silences: while one is active, alerts whose labels (plus `alertname`, the rule's name) match
 * all its matchers are not notified. Silences come from the alerts file and from the API; those
 * from the API live in `tracehouse_alert_silences` (ReplacingMergeTree, read with `FINAL`), so
 * every replica and every restart sees them.
 *
 * @module
 */
import { param, render, sql } from "../sql/sql_template.ts";
import type { ColumnSpec, Store } from "../sql/store.ts";
import type { SilenceSpec } from "./rule_schema.ts";

/** One silence. Times are epoch ms. */
export interface Silence {
  id: string;
  matchers: Record<string, string>;
  startsAt: number;
  endsAt: number;
  comment: string;
  source: "file" | "api";
}

/**
 * Whether `silence` is active at `now` and matches every label it names.
 *
 * @example
 * ```ts
 * import { silences } from "./silences.ts";
 * const s = { id: "1", matchers: { alertname: "x" }, startsAt: 0, endsAt: 10, comment: "", source: "api" as const };
 * console.assert(silences(s, { alertname: "x", service: "a" }, 5));
 * console.assert(!silences(s, { alertname: "x" }, 10));
 * ```
 */
export function silences(silence: Silence, labels: Record<string, string>, now: number): boolean {
  return now >= silence.startsAt && now < silence.endsAt &&
    Object.entries(silence.matchers).every(([k, v]) => labels[k] === v);
}

/** The silences of the alerts file, with stable ids (`file-0`, `file-1`, …). */
export function fileSilences(specs: readonly SilenceSpec[]): Silence[] {
  return specs.map((spec, i) => ({
    id: `file-${i}`,
    matchers: spec.matchers,
    startsAt: spec.starts ? Date.parse(spec.starts) : 0,
    endsAt: Date.parse(spec.ends),
    comment: spec.comment ?? "",
    source: "file",
  }));
}

const COLUMNS: readonly ColumnSpec[] = [
  { name: "Id", type: "String" },
  { name: "Matchers", type: "Map(String, String)" },
  { name: "StartsAt", type: "DateTime64(3)" },
  { name: "EndsAt", type: "DateTime64(3)" },
  { name: "Comment", type: "String" },
  { name: "Deleted", type: "UInt8" },
  { name: "Version", type: "UInt64" },
];

/** Silences created through the API, stored in ClickHouse. */
export class SilenceStore {
  #store: Store;
  #version = 0;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Silences not deleted and not yet ended at `now`. */
  async list(now: number): Promise<Silence[]> {
    const q = render(sql`SELECT Id AS id, Matchers AS matchers,
  toUnixTimestamp64Milli(StartsAt) AS startsAt, toUnixTimestamp64Milli(EndsAt) AS endsAt,
  Comment AS comment
FROM tracehouse_alert_silences FINAL
WHERE Deleted = 0 AND EndsAt > fromUnixTimestamp64Milli(${param("Int64", now)})
ORDER BY EndsAt`);
    const rows = await this.#store.query<Omit<Silence, "source"> & Record<string, unknown>>(
      q.query,
      { params: q.params },
    );
    return rows.map((r) => ({
      id: r.id,
      matchers: r.matchers,
      startsAt: Number(r.startsAt),
      endsAt: Number(r.endsAt),
      comment: r.comment,
      source: "api",
    }));
  }

  /** Stores a new silence and returns it. */
  async create(
    silence: {
      matchers: Record<string, string>;
      startsAt: number;
      endsAt: number;
      comment: string;
    },
    now: number,
  ): Promise<Silence> {
    const created: Silence = { id: crypto.randomUUID(), ...silence, source: "api" };
    await this.#write(created, false, now);
    return created;
  }

  /** Marks a silence deleted; `false` when no such silence is active. */
  async remove(id: string, now: number): Promise<boolean> {
    const found = (await this.list(now)).find((s) => s.id === id);
    if (!found) return false;
    await this.#write(found, true, now);
    return true;
  }

  async #write(silence: Silence, deleted: boolean, now: number): Promise<void> {
    this.#version = Math.max(this.#version + 1, now * 1000);
    await this.#store.insert("tracehouse_alert_silences", [{
      Id: silence.id,
      Matchers: silence.matchers,
      StartsAt: silence.startsAt,
      EndsAt: silence.endsAt,
      Comment: silence.comment,
      Deleted: deleted ? 1 : 0,
      Version: this.#version,
    }], { columns: COLUMNS, settings: { distributed_foreground_insert: 1 } });
  }
}
