/**
 * Groups notifications per receiver and sends them: alerts owed to one receiver within its
 * `group_wait` (default 0: those of one evaluation) go out as one message. A notification is in
 * flight at most once; when delivery succeeds the evaluator records it (so it is never sent
 * again, restarts included); when it fails it is dropped here and owed again at the next
 * evaluation.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { AlertMessage } from "./payload.ts";
import type { Receiver } from "./rules_file.ts";
import { deliver } from "./webhook.ts";

/** One owed notification. */
export interface Outgoing {
  rule: string;
  key: string;
  message: AlertMessage;
}

/** Options of {@linkcode Notifier}. */
export interface NotifierOptions {
  clock: Clock;
  /** Called after a receiver accepted a message, with what it held. */
  onDelivered(receiver: string, sent: Outgoing[], at: number): Promise<void>;
  fetch?: typeof fetch;
}

/** Counters for the status API and tests. */
export interface NotifierStats {
  sent: number;
  failed: number;
}

/** Per-receiver queues with grouping and one in-flight copy of each notification. */
export class Notifier {
  #options: NotifierOptions;
  #receivers = new Map<string, Receiver>();
  #queues = new Map<string, Outgoing[]>();
  #flushing = new Map<string, Promise<void>>();
  #inFlight = new Set<string>();
  #stop = new AbortController();
  readonly stats: NotifierStats = { sent: 0, failed: 0 };

  constructor(options: NotifierOptions) {
    this.#options = options;
  }

  /** Replaces the receivers (after a reload). */
  setReceivers(receivers: Map<string, Receiver>): void {
    this.#receivers = receivers;
  }

  #id(receiver: string, o: Outgoing): string {
    return `${receiver}\u0000${o.rule}\u0000${o.key}\u0000${o.message.status}`;
  }

  /** Queues `item` for `receiver` unless the same notification is already queued or in flight. */
  enqueue(receiver: string, item: Outgoing): void {
    if (!this.#receivers.has(receiver) || this.#stop.signal.aborted) return;
    const id = this.#id(receiver, item);
    if (this.#inFlight.has(id)) return;
    this.#inFlight.add(id);
    let queue = this.#queues.get(receiver);
    if (!queue) this.#queues.set(receiver, queue = []);
    queue.push(item);
    if (!this.#flushing.has(receiver)) {
      const flushing = this.#flush(receiver).finally(() => this.#flushing.delete(receiver));
      this.#flushing.set(receiver, flushing);
    }
  }

  async #flush(receiver: string): Promise<void> {
    const spec = this.#receivers.get(receiver)!;
    await this.#options.clock.sleep(spec.group_wait ?? 0, this.#stop.signal).catch(() => {});
    for (;;) {
      const batch = this.#queues.get(receiver) ?? [];
      this.#queues.delete(receiver);
      if (batch.length === 0) return;
      try {
        await deliver(spec, batch.map((b) => b.message), {
          clock: this.#options.clock,
          signal: this.#stop.signal,
          fetch: this.#options.fetch,
        });
        this.stats.sent++;
        await this.#options.onDelivered(receiver, batch, this.#options.clock.now());
      } catch (error) {
        this.stats.failed++;
        console.error(`tracehouse: alerts: ${(error as Error).message}`);
      } finally {
        for (const item of batch) this.#inFlight.delete(this.#id(receiver, item));
      }
    }
  }

  /** Waits until every queue is empty. */
  async idle(): Promise<void> {
    while (this.#flushing.size > 0) await Promise.allSettled([...this.#flushing.values()]);
  }

  /** Stops retrying and waits for the deliveries under way to end. */
  async close(): Promise<void> {
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 2000))]);
    this.#stop.abort(new Error("notifier closed"));
    await this.idle();
  }
}
