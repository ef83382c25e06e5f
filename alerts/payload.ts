/**
 * Notification bodies: the generic webhook JSON (schema in `docs/alerts.md`), Slack's
 * incoming-webhook message, and a receiver's own template (Mustache) in place of either.
 *
 * @module
 */
// @ts-types="@types/mustache"
import Mustache from "mustache";

/** One alert in a notification. */
export interface AlertMessage {
  status: "firing" | "resolved";
  rule: string;
  kind: string;
  /** Rule labels, group labels and `alertname`. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
  comparison: string;
  threshold: number;
  /** RFC 3339: when the group fired. */
  startsAt: string;
  /** RFC 3339: when it resolved; `null` while firing. */
  endsAt: string | null;
  /** A reminder of an alert still firing (repeat interval), not a new transition. */
  repeat: boolean;
  /** Identity of the group within the rule (stable across restarts). */
  groupKey: string;
}

/** The generic webhook body. */
export interface WebhookBody {
  version: "1";
  receiver: string;
  /** `firing` when any alert in the message fires, else `resolved`. */
  status: "firing" | "resolved";
  alerts: AlertMessage[];
  /** RFC 3339. */
  sentAt: string;
}

/** Builds the generic webhook body. */
export function webhookBody(receiver: string, alerts: AlertMessage[], now: number): WebhookBody {
  return {
    version: "1",
    receiver,
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    alerts,
    sentAt: new Date(now).toISOString(),
  };
}

function formatValue(value: number | null): string {
  if (value === null) return "no data";
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** A Slack incoming-webhook message: one line per alert, mrkdwn. */
export function slackBody(alerts: AlertMessage[]): { text: string } {
  const lines = alerts.map((a) => {
    const icon = a.status === "firing" ? ":red_circle:" : ":large_green_circle:";
    const status = a.status === "firing" ? (a.repeat ? "STILL FIRING" : "FIRING") : "RESOLVED";
    const group = Object.entries(a.labels).filter(([k]) => k !== "alertname")
      .map(([k, v]) => `${k}=${v}`).join(", ");
    const summary = a.annotations.summary ? ` — ${a.annotations.summary}` : "";
    return `${icon} *${status}* ${a.rule}${summary} (value ${
      formatValue(a.value)
    } ${a.comparison} ${a.threshold}${group ? `; ${group}` : ""})`;
  });
  return { text: lines.join("\n") };
}

/**
 * Renders a Mustache template. With `json`, interpolated values are escaped for the inside of a
 * JSON string (a receiver template writes `"{{rule}}"`); otherwise they are inserted as they are.
 *
 * @example
 * ```ts
 * import { renderTemplate } from "./payload.ts";
 * console.assert(renderTemplate("{{labels.service}} is slow", { labels: { service: "api" } }) === "api is slow");
 * console.assert(renderTemplate('{"t":"{{x}}"}', { x: 'a"b' }, { json: true }) === '{"t":"a\\"b"}');
 * ```
 */
export function renderTemplate(
  template: string,
  view: unknown,
  options: { json?: boolean } = {},
): string {
  const escape = options.json
    ? (s: unknown) => JSON.stringify(String(s)).slice(1, -1)
    : (s: unknown) => String(s);
  return Mustache.render(template, view, {}, { escape });
}
