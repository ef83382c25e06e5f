/**
 * `/alerts`: the rules of the alerts file with the state of each group, the active silences and
 * the latest state changes. Read only: rules live in the file, silences are set through the API.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import { formatTime, formatValue } from "../../ui/shared/format.ts";
import type { AlertsService } from "../api/alerts.ts";

function since(iso: string | null): string {
  return iso ? formatTime(iso) : "–";
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(", ") : "(whole rule)";
}

function seconds(s: number): string {
  if (s === 0) return "0s";
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** Renders the alerts page; explains how to turn alerting on when it is off. */
export async function alertsPage(alerts: AlertsService | null | undefined): Promise<VNode> {
  if (!alerts) {
    return html`
      <h1>Alerts</h1>
      <section class="empty">
        <h2>Alerting is off</h2>
        <p>Start Tracehouse with an alert rules file: <code>--alerts-file alerts.yaml</code>
                (or <code>TRACEHOUSE_ALERTS_FILE</code>). The rule reference and examples are in
                <code>docs/alerts.md</code>.</p>
      </section>
    `;
  }
  const [status, history] = await Promise.all([alerts.status(), alerts.history(undefined, 20)]);
  const counts = { firing: 0, pending: 0 };
  for (const r of status.rules) {
    if (r.state === "firing") counts.firing++;
    if (r.state === "pending") counts.pending++;
  }
  return html`
    <h1>Alerts</h1>
    <p class="sub">${status.rules.length} rules from <code>${status.file}</code> · ${counts
      .firing} firing
      · ${counts.pending} pending · loaded ${formatTime(status.loadedAt)} · shard ${status
        .shard}</p>
    ${status.reloadError
      ? html`<section class="banner error" role="alert"><strong>The last reload failed;</strong> the
          rules below are the previous ones.<pre>${status.reloadError}</pre></section>`
      : null}
    <table class="grid alerts">
      <caption class="sr-only">Alert rules and the state of their groups</caption>
      <thead>
        <tr>
          <th scope="col">Rule</th>
          <th scope="col">State</th>
          <th scope="col">Condition</th>
          <th scope="col">Every / for</th>
          <th scope="col">Groups</th>
          <th scope="col">Last evaluation</th>
        </tr>
      </thead>
      <tbody>${status.rules.map((r) =>
        html`
          <tr class=${`state-${r.state}`}>
            <th scope="row">${r.name}<div class="hint">${r.kind}${r.description
              ? ` · ${r.description}`
              : ""}</div></th>
            <td><span class=${`badge state ${r.state}`}>${r.state}</span></td>
            <td class="mono">${r.comparison} ${r.threshold}<div class="hint">no data: ${r
              .noData}</div></td>
            <td>${seconds(r.intervalSeconds)} / ${seconds(r.forSeconds)}</td>
            <td>${r.groups.length === 0
              ? html`<span class="hint">none active</span>`
              : html`<ul class="groups">${
                r.groups.map((g) =>
                  html`<li><span class=${`badge state ${g.state}`}>${g.state}</span> ${
                    labelText(g.labels)
                  } · ${g.value === null ? "no data" : formatValue(g.value)}${
                    g.firedAt && g.state === "firing" ? ` · since ${since(g.firedAt)}` : ""
                  }${
                    g.silenced
                      ? html`
                        <span class="badge">silenced</span>
                      `
                      : null
                  }</li>`
                )
              }</ul>`}</td>
            <td class="time">${r.lastEvaluation
              ? html`${formatTime(r.lastEvaluation.at)} · ${r.lastEvaluation.durationMs} ms${
                r.lastEvaluation.error
                  ? html`<div class="bad">${r.lastEvaluation.error}</div>`
                  : null
              }`
              : r.owned
              ? "not yet"
              : "another replica"}</td>
          </tr>
        `
      )}</tbody>
    </table>
    <section aria-labelledby="sil-title">
      <h2 id="sil-title">Silences</h2>
      ${status.silences.length === 0
        ? html`<p class="hint">No active silence. Create one with
          <code>POST /api/alerts/silences</code> or in the alerts file.</p>`
        : html`
          <table class="grid">
            <thead>
              <tr>
                <th scope="col">Matchers</th>
                <th scope="col">Until</th>
                <th scope="col">Source</th>
                <th scope="col">Comment</th>
              </tr>
            </thead>
            <tbody>${status.silences.map((s) =>
              html`
                <tr>
                  <td class="mono">${labelText(s.matchers)}</td>
                  <td class="time">${formatTime(s.endsAt)}</td>
                  <td>${s.source}</td>
                  <td>${s.comment}</td>
                </tr>
              `
            )}</tbody>
          </table>
        `}
    </section>
    <section aria-labelledby="hist-title">
      <h2 id="hist-title">Latest changes</h2>
      ${history.length === 0 ? html`<p class="hint">No state change recorded yet.</p>` : html`
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Rule</th>
              <th scope="col">Group</th>
              <th scope="col">Change</th>
              <th scope="col" class="num">Value</th>
            </tr>
          </thead>
          <tbody>${history.map((t) =>
            html`
              <tr>
                <td class="time">${formatTime(new Date(t.at).toISOString())}</td>
                <td>${t.rule}</td>
                <td>${labelText(t.labels)}</td>
                <td><span class=${`badge state ${t.from}`}>${t.from}</span> → <span
                            class=${`badge state ${t.to}`}>${t.to}</span></td>
                <td class="num">${t.value === null ? "no data" : formatValue(t.value)}</td>
              </tr>
            `
          )}</tbody>
        </table>
      `}
    </section>
  `;
}
