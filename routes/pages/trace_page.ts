/**
 * `/traces/:traceId`: the waterfall island with the span detail panel, and
 * the trace's logs below, each linking back to its span.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import { formatDuration, formatTime, nsBetween, severityClass } from "../../ui/shared/format.ts";
import { timeQuery, withParams } from "../../ui/shared/url.ts";
import Waterfall, { type WaterfallSpan } from "../../islands/Waterfall.tsx";
import { type LogRecord } from "../../sql/logs.ts";
import { toRfc3339 } from "../../sql/time_range.ts";
import { getTrace, type Span } from "../../sql/traces.ts";
import { nsOf } from "../../ui/shared/format.ts";
import { serviceChip } from "./components.ts";
import type { PageContext } from "./context.ts";
import { island } from "./island.ts";

function toWaterfallSpan(span: Span, traceStart: string): WaterfallSpan {
  const startNs = nsBetween(traceStart, span.start);
  return {
    id: span.spanId,
    parent: span.parentSpanId,
    name: span.name,
    service: span.service,
    kind: span.kind,
    startNs,
    durationNs: span.durationNs,
    error: span.statusCode === "Error",
    status: span.statusCode,
    statusMessage: span.statusMessage,
    scope: span.scope.name ? `${span.scope.name} ${span.scope.version}`.trim() : "",
    attributes: span.attributes,
    resource: span.resource,
    events: span.events.map((e) => ({
      offsetNs: nsBetween(traceStart, e.time),
      name: e.name,
      attributes: e.attributes,
    })),
    links: span.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      attributes: l.attributes,
    })),
  };
}

/** Renders a trace; 404 page when unknown or malformed. */
export async function tracePage(
  ctx: PageContext,
  traceId: string,
): Promise<{ title: string; body: VNode; status?: number }> {
  const tq = timeQuery(ctx.href);
  if (!/^[0-9a-fA-F]{32}$/.test(traceId)) {
    return {
      title: "Trace not found",
      status: 404,
      body: html`
        <section class="empty">
          <h1>Not a trace id</h1>
          <p>A trace id is 32 hexadecimal digits; "${traceId.slice(0, 64)}" is not one.
                <a href=${`/traces${tq}`}>Search traces</a> instead.</p>
        </section>
      `,
    };
  }
  const trace = await getTrace(ctx.store, traceId, { logs: true, ...ctx.queryOptions });
  if (!trace) {
    return {
      title: "Trace not found",
      status: 404,
      body: html`
        <section class="empty">
          <h1>Trace not found</h1>
          <p>No span of trace <code>${traceId}</code> is stored. It may be older than the
                retention, still in flight (spans are written within seconds), or sampled out.
                <a href=${`/traces${tq}`}>Search traces</a>.</p>
        </section>
      `,
    };
  }
  const spans = trace.spans.map((s) => toWaterfallSpan(s, trace.start));
  const root = trace.spans.find((s) => !s.parentSpanId) ?? trace.spans[0];
  const errors = trace.spans.filter((s) => s.statusCode === "Error").length;
  const services = [...new Set(trace.spans.map((s) => s.service))].sort();
  const startNs = nsOf(trace.start);
  const window = {
    from: toRfc3339(startNs - 300_000_000_000n),
    to: toRfc3339(startNs + BigInt(trace.durationNs) + 300_000_000_000n),
  };
  const logsHref = withParams("/logs", { traceId: trace.traceId, ...window });
  const selected = ctx.params.get("span") ?? "";
  const logs = trace.logs ?? [];

  const body =
    html`<nav class="crumbs" aria-label="Breadcrumb"><a href=${`/traces${tq}`}>Traces</a> ›
    <span class="mono">${trace.traceId}</span></nav>
  <h1>${root.service}: ${root.name}</h1>
  <p class="sub">
    ${
      [
        html`<span>Started ${formatTime(trace.start)} UTC</span>`,
        html`<span>${formatDuration(trace.durationNs)}</span>`,
        html`<span>${trace.spans.length} spans</span>`,
        html`<span class=${errors ? "bad" : ""}>${errors} error${errors === 1 ? "" : "s"}</span>`,
        html`<span>${services.length} service${services.length === 1 ? "" : "s"}</span>`,
        html`<a href=${logsHref}>${logs.length} log${
          logs.length === 1 ? "" : "s"
        } in the explorer →</a>`,
        html`<a href=${
          withParams(`/metrics${tq}`, { service: root.service })
        }>metrics of ${root.service} →</a>`,
        trace.truncated ? html`<strong>truncated</strong>` : null,
      ].filter(Boolean).flatMap((part, i) => i ? [" · ", part] : [part])
    }
  </p>
  ${
      island("Waterfall", Waterfall, {
        traceId: trace.traceId,
        durationNs: trace.durationNs,
        spans,
        selected,
        href: ctx.href,
        timeQuery: tq,
      })
    }
  <section class="trace-logs" aria-labelledby="trace-logs-title">
    <h2 id="trace-logs-title">Logs of this trace</h2>
    ${
      logs.length === 0
        ? html`<p class="hint">No logs carry this trace id. Logs emitted inside a span get its
        trace id automatically with the Tracehouse SDK or an OpenTelemetry log bridge.</p>`
        : traceLogs(logs, trace.start, ctx.href)
    }
  </section>`;
  return { title: `${root.name} · trace`, body };
}

function traceLogs(logs: LogRecord[], traceStart: string, href: string): VNode {
  return html`
    <table class="grid logs-compact">
      <thead>
        <tr>
          <th scope="col">Offset</th>
          <th scope="col">Severity</th>
          <th scope="col">Service</th>
          <th scope="col">Message</th>
          <th scope="col">Span</th>
        </tr>
      </thead>
      <tbody>${logs.map((l) =>
        html`
          <tr>
            <td class="mono num">${offset(nsBetween(traceStart, l.time))}</td>
            <td><span class=${`sev sev-${severityClass(l.severityNumber)}`}>${l.severityText ||
              severityClass(l.severityNumber)}</span></td>
            <td>${serviceChip(l.service)}</td>
            <td class="body">${l.body}</td>
            <td>${l.spanId
              ? html`<a class="mono" href=${withParams(href, { span: l.spanId })}>${l.spanId}</a>`
              : null}</td>
          </tr>
        `
      )}</tbody>
    </table>
  `;
}

function offset(ns: number): string {
  return `${ns < 0 ? "−" : "+"}${formatDuration(Math.abs(ns))}`;
}
