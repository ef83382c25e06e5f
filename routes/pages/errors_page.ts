/**
 * `/errors`: error groups (by `error.fingerprint`) with counts, services, first/last seen and a
 * sparkline; `/errors/{fingerprint}`: one group's occurrences over time, per service, its sample
 * exception with stack trace, and its latest occurrences linked to their traces and logs.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import { formatCount, formatTime } from "../../ui/shared/format.ts";
import { timeQuery, withParams } from "../../ui/shared/url.ts";
import { type ErrorGroupDetail, getErrorGroup, listErrorGroups } from "../../sql/errors.ts";
import { emptyState, serviceChip, sparkline } from "./components.ts";
import type { PageContext } from "./context.ts";

/** Groups per page. */
const PAGE_SIZE = 50;

/** `Type: message`, without repeating a type the message already starts with. */
function title(group: { type: string; message: string }): string {
  if (!group.type || group.message.startsWith(`${group.type}:`)) return group.message;
  return `${group.type}: ${group.message}`;
}

/** Renders the error groups list. */
export async function errorsPage(ctx: PageContext): Promise<VNode> {
  const service = ctx.params.get("service") || undefined;
  const list = await listErrorGroups(
    ctx.store,
    { range: ctx.time.range, services: service ? [service] : undefined },
    { limit: PAGE_SIZE, cursor: ctx.params.get("cursor") || undefined },
    ctx.queryOptions,
  );
  const tq = timeQuery(ctx.href);
  if (list.groups.length === 0 && !ctx.params.get("cursor")) {
    return html`<h1>Errors</h1>${
      emptyState(
        "errors",
        ctx.otlpEndpoint,
        service ? `No error of ${service} in this range.` : undefined,
      )
    }`;
  }
  return html`
    <h1>Errors${service
      ? html`
        of ${serviceChip(service)}
      `
      : null}</h1>
    <p class="sub">Errors grouped by fingerprint (exception type, normalised message, top in-app
      frames) · from the per-minute error-group rollup · bars: occurrences per ${list.step /
        60} min</p>
    <div class="table-wrap" data-keynav>
      <table class="grid errors">
        <caption class="sr-only">Error groups, most recently seen first</caption>
        <thead>
          <tr>
            <th scope="col">Error</th>
            <th scope="col" class="num">Count</th>
            <th scope="col">Services</th>
            <th scope="col">Last seen</th>
            <th scope="col">First seen</th>
            <th scope="col">Over time</th>
            <th scope="col">Sample</th>
          </tr>
        </thead>
        <tbody>
          ${list.groups.map((g) =>
            html`
              <tr>
                <th scope="row" class="error-title">
                  <a data-nav-item href=${`/errors/${g.fingerprint}${tq}`}>${title(g)}</a>
                  <span class="fp">${g.fingerprint}</span>
                </th>
                <td class="num">${formatCount(g.count)}</td>
                <td>${g.services.map((s) =>
                  html`
                    <a href=${withParams(`/errors${tq}`, { service: s })}>${serviceChip(s)}</a>
                  `
                )}</td>
                <td class="time">${formatTime(g.lastSeen)}</td>
                <td class="time" title=${`first seen ever ${
                  formatTime(g.firstSeenEver)
                }`}>${formatTime(
                  g.firstSeen,
                )}${g.firstSeenEver === g.firstSeen
                  ? html`
                    <span class="badge new">new</span>
                  `
                  : null}</td>
                <td>${sparkline(
                  g.sparkline,
                  g.sparkline,
                  `${title(g)}: occurrences over time`,
                )}</td>
                <td class="links"><a href=${`/traces/${g.sample.traceId}${tq}`}>Trace</a></td>
              </tr>
            `
          )}
        </tbody>
      </table>
    </div>
    ${list.nextCursor
      ? html`<p class="more"><a href=${
        withParams(ctx.href, { cursor: list.nextCursor })
      }>Older groups →</a></p>`
      : null}
  `;
}

/** Occurrences per bucket as a small bar chart. */
function occurrenceChart(series: ErrorGroupDetail["series"], step: number): VNode {
  const [xs, ys] = series;
  const w = 720, h = 120, pad = 18;
  const max = Math.max(1, ...ys);
  const bw = (w - pad) / Math.max(1, xs.length);
  const label = (t: number) => new Date(t * 1000).toISOString().slice(11, 16);
  return html`
    <figure class="occ">
      <svg viewBox=${`0 0 ${w} ${h + pad}`} width=${w} height=${h + pad} role="img"
        aria-label=${`occurrences per ${step / 60} minutes, at most ${max}`}>
          ${ys.map((y, i) => {
            const bh = (y / max) * (h - 10);
            return html`
              <rect class="occ-bar" x=${(pad + i * bw + 1).toFixed(1)} y=${(h - bh).toFixed(1)}
                width=${Math.max(1, bw - 2).toFixed(1)} height=${bh.toFixed(1)}>
                <title>${label(xs[i])} UTC: ${y}</title>
              </rect>
            `;
          })}
          <line class="axis" x1=${pad} y1=${h} x2=${w} y2=${h} />
          <text class="axis-label" x=${pad} y=${h + 14}>${xs.length ? label(xs[0]) : ""}</text>
          <text class="axis-label" x=${w} y=${h + 14} text-anchor="end">${xs.length
            ? label(xs[xs.length - 1])
            : ""}</text>
          <text class="axis-label" x="0" y="10">${max}</text>
        </svg>
      <figcaption class="sub">Occurrences per ${step / 60} min (UTC)</figcaption>
    </figure>
  `;
}

/** Renders one group's page; `null` when the fingerprint has no occurrence in the range. */
export async function errorGroupPage(ctx: PageContext, fingerprint: string): Promise<VNode | null> {
  const service = ctx.params.get("service") || undefined;
  const group = await getErrorGroup(
    ctx.store,
    fingerprint,
    { range: ctx.time.range, services: service ? [service] : undefined },
    ctx.queryOptions,
  );
  if (!group) return null;
  const tq = timeQuery(ctx.href);
  return html`
    <p class="crumbs"><a href=${`/errors${tq}`}>Errors</a> / <span class="fp">${group
      .fingerprint}</span></p>
    <h1 class="error-title">${title(group)}</h1>
    <dl class="facts">
      <div>
        <dt>Occurrences</dt>
        <dd>${formatCount(group.count)} (${formatCount(group.spanCount)} spans, ${formatCount(
          group.logCount,
        )} logs)</dd>
      </div>
      <div>
        <dt>Last seen</dt>
        <dd>${formatTime(group.lastSeen)}</dd>
      </div>
      <div>
        <dt>First seen</dt>
        <dd>${formatTime(group.firstSeen)} (ever: ${formatTime(group.firstSeenEver)})</dd>
      </div>
      <div>
        <dt>Services</dt>
        <dd>${group.byService.map((s) =>
          html`
            ${serviceChip(s.service)} ${formatCount(s.count)}
          `
        )}</dd>
      </div>
    </dl>
    ${occurrenceChart(group.series, group.step)}
    <section aria-labelledby="exc-title">
      <h2 id="exc-title">Sample exception</h2>
      ${group.exception
        ? html`<p><strong>${
          group.exception.type || "(no type)"
        }</strong> ${group.exception.message}</p>
            ${
          group.exception.stacktrace
            ? html`<pre class="stack">${group.exception.stacktrace}</pre>`
            : html`<p class="hint">This occurrence has no stack trace.</p>`
        }`
        : html`<p class="hint">The sample occurrence is no longer stored.</p>`}
      <p class="links">
        <a href=${`/traces/${group.sample.traceId}${tq}`}>Open the sample trace</a>
        <a href=${withParams(`/logs${tq}`, { traceId: group.sample.traceId })}>Its logs</a>
      </p>
    </section>
    <section aria-labelledby="occ-title">
      <h2 id="occ-title">Latest occurrences</h2>
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Source</th>
            <th scope="col">Service</th>
            <th scope="col">Span / severity</th>
            <th scope="col">Message</th>
            <th scope="col">Links</th>
          </tr>
        </thead>
        <tbody>${group.occurrences.map((o) =>
          html`
            <tr>
              <td class="time">${formatTime(o.time)}</td>
              <td>${o.source}</td>
              <td>${serviceChip(o.service)}</td>
              <td>${o.name}</td>
              <td class="msg">${o.message}</td>
              <td class="links">${o.traceId
                ? html`
                  <a href=${`/traces/${o.traceId}${tq}`}>Trace</a>
                  <a href=${withParams(`/logs${tq}`, { traceId: o.traceId })}>Logs</a>
                `
                : null}</td>
            </tr>
          `
        )}</tbody>
      </table>
    </section>
  `;
}
