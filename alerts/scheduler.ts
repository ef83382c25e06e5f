/**
 * Runs each rule every `interval`, offset by a per-rule jitter (so 1,000 rules with the same
 * interval do not all start on the same second), at most `concurrency` at a time. A rule whose
 * previous run has not finished when it is due again skips that turn (counted), so a slow query
 * never piles up runs.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { Rule } from "./rules_file.ts";
import { ruleHash } from "./shard.ts";

/** Largest jitter: a tenth of the interval, at most this. */
export const MAX_JITTER_MS = 15_000;

/** The offset of a rule's runs within its interval (stable for a name and interval). */
export function jitter(rule: Pick<Rule, "name" | "intervalMs">): number {
  const span = Math.min(Math.floor(rule.intervalMs / 10), MAX_JITTER_MS);
  return span === 0 ? 0 : ruleHash(rule.name) % span;
}

interface Entry {
  rule: Rule;
  next: number;
  running: boolean;
}

/** Options of {@linkcode Scheduler}. */
export interface SchedulerOptions {
  clock: Clock;
  concurrency: number;
  run(rule: Rule): Promise<void>;
}

/** The timetable of the rules this process owns. */
export class Scheduler {
  #o: SchedulerOptions;
  #entries = new Map<string, Entry>();
  #queue: Entry[] = [];
  #active = 0;
  #wake = new AbortController();
  #stopped = false;
  #loop: Promise<void> | undefined;
  #runs = new Set<Promise<void>>();
  /** Turns skipped because the previous run was still going. */
  skipped = 0;

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** Sets the rules; a rule kept with the same interval keeps its timetable. */
  setRules(rules: readonly Rule[]): void {
    const now = this.#o.clock.now();
    const next = new Map<string, Entry>();
    for (const rule of rules) {
      const old = this.#entries.get(rule.name);
      if (old && old.rule.intervalMs === rule.intervalMs) {
        old.rule = rule;
        next.set(rule.name, old);
      } else {
        // First run at the rule's offset within the current interval (or right away if passed).
        const base = Math.floor(now / rule.intervalMs) * rule.intervalMs + jitter(rule);
        next.set(rule.name, {
          rule,
          next: base < now ? now : base,
          running: old?.running ?? false,
        });
      }
    }
    this.#entries = next;
    this.#queue = this.#queue.filter((e) => next.get(e.rule.name) === e);
    this.#wake.abort();
  }

  /** Starts the loop. */
  start(): void {
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const now = this.#o.clock.now();
      let earliest = Infinity;
      for (const entry of this.#entries.values()) {
        if (entry.next <= now) {
          if (entry.running || this.#queue.includes(entry)) this.skipped++;
          else this.#queue.push(entry);
          const interval = entry.rule.intervalMs;
          entry.next += Math.max(1, Math.ceil((now - entry.next + 1) / interval)) * interval;
        }
        earliest = Math.min(earliest, entry.next);
      }
      this.#drain();
      this.#wake = new AbortController();
      const wait = earliest === Infinity ? 3_600_000 : Math.max(0, earliest - now);
      await this.#o.clock.sleep(wait, this.#wake.signal).catch(() => {});
    }
  }

  #drain(): void {
    while (this.#active < this.#o.concurrency && this.#queue.length > 0) {
      const entry = this.#queue.shift()!;
      entry.running = true;
      this.#active++;
      const run = this.#o.run(entry.rule).catch((error) => {
        console.error(`tracehouse: alerts: rule "${entry.rule.name}": ${error}`);
      }).finally(() => {
        entry.running = false;
        this.#active--;
        this.#runs.delete(run);
        if (!this.#stopped) this.#drain();
      });
      this.#runs.add(run);
    }
  }

  /** Stops scheduling and waits for the runs under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue = [];
    this.#wake.abort();
    await this.#loop;
    await Promise.allSettled([...this.#runs]);
  }
}
