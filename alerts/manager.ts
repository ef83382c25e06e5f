/**
 * The alerting service of a Tracehouse process: loads the alerts file, evaluates the rules this
 * process owns on their schedule, reloads the file when it changes or on `SIGHUP` (keeping the
 * old rules if the new file is invalid), and answers the status API and silence requests.
 *
 * @example
 * ```ts ignore
 * import { AlertManager } from "./manager.ts";
 * const alerts = await AlertManager.start(store, { file: "alerts.yaml" });
 * console.log((await alerts.status()).rules.length);
 * await alerts.stop();
 * ```
 *
 * @module
 */
import { basename, dirname, resolve } from "node:path";
import type { Store } from "../sql/store.ts";
import { type Clock, systemClock } from "./clock.ts";
import { Evaluator } from "./evaluator.ts";
import { Notifier } from "./notifier.ts";
import { RedCache } from "./red_cache.ts";
import { SharedQueries } from "./shared_queries.ts";
import { type AlertsConfig, loadAlertsFile, type Rule } from "./rules_file.ts";
import { Scheduler } from "./scheduler.ts";
import { owns, type Shard, WHOLE } from "./shard.ts";
import { fileSilences, type Silence, silences, SilenceStore } from "./silences.ts";
import type { AlertState, GroupState } from "./state_machine.ts";
import { AlertStateStore } from "./state_store.ts";

/** Options of {@linkcode AlertManager.start}. */
export interface AlertManagerOptions {
  /** Path of the alerts file. */
  file: string;
  /** This replica's part of the rules; default all. */
  shard?: Shard;
  /** Rules evaluated at once. Default 4. */
  concurrency?: number;
  /** `max_execution_time` of a rule query, seconds (capped at the rule's interval). Default 10. */
  queryTimeoutSeconds?: number;
  clock?: Clock;
  fetch?: typeof fetch;
  /** Reload when the file changes. Default true. */
  watch?: boolean;
  env?: (name: string) => string | undefined;
}

/** One group in the status answer. */
export interface GroupStatus {
  labels: Record<string, string>;
  state: AlertState;
  value: number | null;
  activeAt: string | null;
  firedAt: string | null;
  resolvedAt: string | null;
  silenced: boolean;
}

/** One rule in the status answer. */
export interface RuleStatus {
  name: string;
  kind: string;
  description: string | null;
  comparison: string;
  threshold: number;
  intervalSeconds: number;
  forSeconds: number;
  noData: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receivers: string[];
  /** Evaluated by this replica (see `shard`). */
  owned: boolean;
  /** The worst state of its groups. */
  state: AlertState;
  lastEvaluation: { at: string; durationMs: number; error: string | null } | null;
  groups: GroupStatus[];
}

/** A silence in the status answer. */
export interface SilenceStatus {
  id: string;
  matchers: Record<string, string>;
  startsAt: string;
  endsAt: string;
  comment: string;
  source: "file" | "api";
}

/** `GET /api/alerts`. */
export interface AlertsStatus {
  enabled: true;
  file: string;
  loadedAt: string;
  /** The last reload's error; the rules shown are the last valid ones. */
  reloadError: string | null;
  shard: string;
  rules: RuleStatus[];
  silences: SilenceStatus[];
  stats: {
    evaluations: number;
    skipped: number;
    notificationsSent: number;
    notificationsFailed: number;
  };
}

const RANK: Record<AlertState, number> = { ok: 0, resolved: 1, pending: 2, firing: 3 };
/** Write-behind delay of alert state. */
const STATE_FLUSH_MS = 1_000;
/** How long API silences are cached between reads of ClickHouse. */
const SILENCE_REFRESH_MS = 5_000;

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** See the module documentation. */
export class AlertManager {
  #store: Store;
  #o:
    & Required<Omit<AlertManagerOptions, "fetch" | "env">>
    & Pick<AlertManagerOptions, "fetch" | "env">;
  #config: AlertsConfig;
  #loadedAt: number;
  #reloadError: string | null = null;
  #states: AlertStateStore;
  #silenceStore: SilenceStore;
  #apiSilences: Silence[] = [];
  #silencesAt = -Infinity;
  #notifier: Notifier;
  #evaluator: Evaluator;
  #scheduler: Scheduler;
  #watcher: Deno.FsWatcher | undefined;
  #onHangup = () => void this.reload();
  #reloading: Promise<void> = Promise.resolve();

  private constructor(store: Store, config: AlertsConfig, options: AlertManagerOptions) {
    this.#store = store;
    this.#o = {
      shard: WHOLE,
      concurrency: 4,
      queryTimeoutSeconds: 10,
      clock: systemClock,
      watch: true,
      ...options,
    };
    this.#config = config;
    this.#loadedAt = this.#o.clock.now();
    // Write-behind: a second's state changes go out as one insert per table.
    this.#states = new AlertStateStore(store, { flushDelayMs: STATE_FLUSH_MS });
    this.#silenceStore = new SilenceStore(store);
    this.#notifier = new Notifier({
      clock: this.#o.clock,
      fetch: this.#o.fetch,
      onDelivered: (receiver, sent, at) => this.#evaluator.delivered(receiver, sent, at),
    });
    this.#notifier.setReceivers(config.receivers);
    this.#evaluator = new Evaluator({
      store,
      states: this.#states,
      notifier: this.#notifier,
      clock: this.#o.clock,
      silences: (now) => this.#activeSilences(now),
      receivers: () => this.#config.receivers,
      queryTimeoutSeconds: this.#o.queryTimeoutSeconds,
      shared: { red: new RedCache(store), queries: new SharedQueries(store) },
    });
    this.#scheduler = new Scheduler({
      clock: this.#o.clock,
      concurrency: this.#o.concurrency,
      run: async (rule) => {
        await this.#refreshSilences();
        await this.#evaluator.evaluate(rule);
      },
    });
  }

  /**
   * Loads the file (a {@linkcode RulesFileError} when it is invalid), the stored state of the
   * owned rules and the silences, then starts evaluating.
   */
  static async start(store: Store, options: AlertManagerOptions): Promise<AlertManager> {
    const config = await loadAlertsFile(options.file, options.env);
    const manager = new AlertManager(store, config, options);
    await manager.#evaluator.adopt(manager.#owned());
    await manager.#refreshSilences(true);
    manager.#scheduler.setRules(manager.#owned());
    manager.#scheduler.start();
    if (manager.#o.watch) manager.#watch();
    Deno.addSignalListener("SIGHUP", manager.#onHangup);
    return manager;
  }

  #owned(): Rule[] {
    return this.#config.rules.filter((r) => owns(this.#o.shard, r.name));
  }

  #activeSilences(now: number): Silence[] {
    return [...fileSilences(this.#config.silences), ...this.#apiSilences].filter((s) =>
      now < s.endsAt
    );
  }

  async #refreshSilences(force = false): Promise<void> {
    const now = this.#o.clock.now();
    if (!force && now - this.#silencesAt < SILENCE_REFRESH_MS) return;
    this.#silencesAt = now;
    this.#apiSilences = await this.#silenceStore.list(now);
  }

  #watch(): void {
    const path = resolve(this.#o.file);
    try {
      this.#watcher = Deno.watchFs(dirname(path), { recursive: false });
    } catch (error) {
      console.error(`tracehouse: alerts: cannot watch ${path}: ${(error as Error).message}`);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    (async () => {
      for await (const event of this.#watcher!) {
        if (!event.paths.some((p) => basename(p) === basename(path))) continue;
        clearTimeout(timer);
        // Editors write a file in several steps: reload once they are done.
        timer = setTimeout(() => void this.reload(), 250);
      }
    })().catch(() => {});
  }

  /** Reloads the file; an invalid file keeps the current rules and is reported in the status. */
  reload(): Promise<void> {
    this.#reloading = this.#reloading.then(async () => {
      try {
        const config = await loadAlertsFile(this.#o.file, this.#o.env);
        this.#config = config;
        this.#notifier.setReceivers(config.receivers);
        await this.#evaluator.adopt(this.#owned());
        this.#scheduler.setRules(this.#owned());
        this.#loadedAt = this.#o.clock.now();
        this.#reloadError = null;
        console.log(`tracehouse: alerts: loaded ${config.rules.length} rules from ${this.#o.file}`);
      } catch (error) {
        this.#reloadError = (error as Error).message;
        console.error(
          `tracehouse: alerts: reload failed, keeping the previous rules: ${
            (error as Error).message
          }`,
        );
      }
    });
    return this.#reloading;
  }

  /** Rules with their groups' state. Rules owned by other replicas are read from ClickHouse. */
  async status(): Promise<AlertsStatus> {
    const now = this.#o.clock.now();
    const others = this.#config.rules.filter((r) => !owns(this.#o.shard, r.name));
    const stored = await this.#states.load(others.map((r) => r.name));
    const active = this.#activeSilences(now);
    const rules = this.#config.rules.map((rule): RuleStatus => {
      const owned = owns(this.#o.shard, rule.name);
      const groups: GroupState[] = owned
        ? this.#evaluator.groups(rule.name)
        : [...(stored.get(rule.name)?.values() ?? [])];
      const run = this.#evaluator.lastRun(rule.name);
      const state = groups.reduce<AlertState>(
        (worst, g) => RANK[g.state] > RANK[worst] ? g.state : worst,
        "ok",
      );
      return {
        name: rule.name,
        kind: rule.spec.kind,
        description: rule.spec.description ?? null,
        comparison: rule.spec.comparison,
        threshold: rule.spec.threshold,
        intervalSeconds: rule.intervalMs / 1000,
        forSeconds: rule.forMs / 1000,
        noData: rule.noData,
        labels: rule.spec.labels ?? {},
        annotations: rule.spec.annotations ?? {},
        receivers: rule.receivers,
        owned,
        state,
        lastEvaluation: run
          ? { at: iso(run.at)!, durationMs: Math.round(run.durationMs), error: run.error }
          : null,
        groups: groups
          .sort((a, b) => RANK[b.state] - RANK[a.state] || a.key.localeCompare(b.key))
          .map((g) => ({
            labels: g.labels,
            state: g.state,
            value: g.value,
            activeAt: iso(g.activeAt),
            firedAt: iso(g.firedAt),
            resolvedAt: iso(g.resolvedAt),
            silenced: active.some((s) => silences(s, { ...g.labels, alertname: rule.name }, now)),
          })),
      };
    });
    return {
      enabled: true,
      file: this.#o.file,
      loadedAt: iso(this.#loadedAt)!,
      reloadError: this.#reloadError,
      shard: `${this.#o.shard.index}/${this.#o.shard.count}`,
      rules,
      silences: active.map((s) => ({
        id: s.id,
        matchers: s.matchers,
        startsAt: iso(s.startsAt)!,
        endsAt: iso(s.endsAt)!,
        comment: s.comment,
        source: s.source,
      })),
      stats: {
        evaluations: this.#evaluator.evaluations,
        skipped: this.#scheduler.skipped,
        notificationsSent: this.#notifier.stats.sent,
        notificationsFailed: this.#notifier.stats.failed,
      },
    };
  }

  /** Creates a silence through the API. */
  async createSilence(
    input: { matchers: Record<string, string>; startsAt?: number; endsAt: number; comment: string },
  ): Promise<Silence> {
    const now = this.#o.clock.now();
    const created = await this.#silenceStore.create({
      matchers: input.matchers,
      startsAt: input.startsAt ?? now,
      endsAt: input.endsAt,
      comment: input.comment,
    }, now);
    await this.#refreshSilences(true);
    return created;
  }

  /** Deletes an API silence; `false` when there is no such active silence. */
  async deleteSilence(id: string): Promise<boolean> {
    const removed = await this.#silenceStore.remove(id, this.#o.clock.now());
    await this.#refreshSilences(true);
    return removed;
  }

  /** The newest state transitions (history table). */
  history(rule?: string, limit = 100): ReturnType<AlertStateStore["history"]> {
    return this.#states.history({ rule, limit });
  }

  /** Stops evaluating, lets deliveries under way finish, and stops watching. */
  async stop(): Promise<void> {
    Deno.removeSignalListener("SIGHUP", this.#onHangup);
    this.#watcher?.close();
    await this.#scheduler.stop();
    await this.#notifier.close();
    await this.#states.flush();
  }

  /** The store this manager reads and writes (for the API). */
  get store(): Store {
    return this.#store;
  }
}
