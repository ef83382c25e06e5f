/**
 * Sends one notification to a receiver: the body (generic JSON, Slack, or the receiver's
 * template), custom headers, an HMAC-SHA256 signature when a secret is set, a timeout per
 * attempt and retries with exponential backoff for network errors, 5xx and 429.
 *
 * Signature: `X-Tracehouse-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
 * with `X-Tracehouse-Timestamp: <epoch seconds>`; a receiver recomputes it and rejects old
 * timestamps to stop replays.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import { type AlertMessage, renderTemplate, slackBody, webhookBody } from "./payload.ts";
import type { Receiver } from "./rules_file.ts";

/** Default attempts per notification. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Default timeout of one attempt. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** First retry delay; doubles per attempt up to {@linkcode MAX_BACKOFF_MS}. */
export const FIRST_BACKOFF_MS = 1_000;
/** Longest delay between attempts. */
export const MAX_BACKOFF_MS = 60_000;

/** Thrown when every attempt failed; `permanent` for a 4xx answer other than 429. */
export class DeliveryError extends Error {
  readonly attempts: number;
  readonly permanent: boolean;
  constructor(receiver: string, attempts: number, cause: string, permanent: boolean) {
    super(`Cannot notify receiver "${receiver}" after ${attempts} attempt(s): ${cause}`);
    this.name = "DeliveryError";
    this.attempts = attempts;
    this.permanent = permanent;
  }
}

/** The body a receiver gets for `alerts`. */
export function bodyFor(receiver: Receiver, alerts: AlertMessage[], now: number): string {
  const payload = webhookBody(receiver.name, alerts, now);
  if (receiver.template !== undefined) {
    return renderTemplate(receiver.template, payload, { json: true });
  }
  return JSON.stringify(receiver.type === "slack" ? slackBody(alerts) : payload);
}

/**
 * The signature header value of `body` sent at `timestamp` (epoch s).
 *
 * @example
 * ```ts
 * import { sign } from "./webhook.ts";
 * const s = await sign("0123456789abcdef", 1700000000, "{}");
 * console.assert(/^sha256=[0-9a-f]{64}$/.test(s));
 * ```
 */
export async function sign(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`${timestamp}.${body}`),
  );
  return `sha256=${
    Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

/** Options of {@linkcode deliver}. */
export interface DeliverOptions {
  clock: Clock;
  /** Stops retrying (shutdown). */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** Posts `alerts` to `receiver`, retrying; resolves once a 2xx answer came. */
export async function deliver(
  receiver: Receiver,
  alerts: AlertMessage[],
  options: DeliverOptions,
): Promise<void> {
  const attempts = receiver.max_attempts ?? DEFAULT_MAX_ATTEMPTS;
  const doFetch = options.fetch ?? fetch;
  let cause = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const now = options.clock.now();
    const body = bodyFor(receiver, alerts, now);
    const timestamp = Math.floor(now / 1000);
    const headers: Record<string, string> = {
      ...receiver.headers,
      "content-type": "application/json",
      "user-agent": "tracehouse-alerts/1",
      "x-tracehouse-timestamp": String(timestamp),
    };
    if (receiver.secretValue) {
      headers["x-tracehouse-signature"] = await sign(receiver.secretValue, timestamp, body);
    }
    try {
      const response = await doFetch(receiver.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.any([
          AbortSignal.timeout(receiver.timeout ?? DEFAULT_TIMEOUT_MS),
          ...(options.signal ? [options.signal] : []),
        ]),
      });
      await response.body?.cancel();
      if (response.ok) return;
      cause = `HTTP ${response.status}`;
      if (response.status < 500 && response.status !== 429) {
        throw new DeliveryError(receiver.name, attempt, cause, true);
      }
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      if (options.signal?.aborted) {
        throw new DeliveryError(receiver.name, attempt, "stopped", false);
      }
      cause = (error as Error).message;
    }
    if (attempt < attempts) {
      const delay = Math.min(FIRST_BACKOFF_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      try {
        await options.clock.sleep(delay, options.signal);
      } catch {
        throw new DeliveryError(receiver.name, attempt, "stopped", false);
      }
    }
  }
  throw new DeliveryError(receiver.name, attempts, cause, false);
}
