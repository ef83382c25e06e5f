/**
 * `/traces`: trace search (service, span name, status, duration, attributes)
 * with duration bars and cursor pagination.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import { formatDuration, formatTime } from "../../ui/shared/format.ts";
import { withParams } from "../../ui/shared/url.ts";
import { listServices } from "../../sql/services.ts";
import { listTraces, type TraceFilter } from "../../sql/traces.ts";
import { durationBar, emptyState, serviceChip } from "./components.ts";
import type { PageContext } from "./context.ts";
import { durationField, parseAttrs, selectField, textField, timeInputs } from "./filters.ts";

/** Rows per page of the trace list. */
export const TRACES_PAGE_SIZE = 50;

/** Renders the trace search page body. */
export async function tracesPage(ctx: PageContext): Promise<VNode> {
  const p = ctx.params;
  const get = (k: string) => p.get(k)?.trim() ?? "";
  const status = get("status");
  const filter: TraceFilter = {
    range: ctx.time.range,
    services: get("service") ? [get("service")] : undefined,
    spanName: get("spanName") || undefined,
    status: status === "ok" || status === "error" || status === "unset" ? status : undefined,
    minDurationNs: durationField(get("minDuration"), "minDuration"),
    maxDurationNs: durationField(get("maxDuration"), "maxDuration"),
    attributes: parseAttrs(get("attrs")),
  };
  const cursor = get("cursor") || undefined;
  const [{ services }, list] = await Promise.all([
    listServices(ctx.store, ctx.time.range, ctx.queryOptions),
    listTraces(ctx.store, filter, { limit: TRACES_PAGE_SIZE, cursor }, ctx.queryOptions),
  ]);
  const maxDuration = Math.max(1, ...list.traces.map((t) => t.durationNs));
  const filtered = ["service", "spanName", "status", "minDuration", "maxDuration", "attrs"].some(
    (k) => get(k),
  );

  const form = html`
    <form class="filters" method="get" action="/traces" role="search"
      aria-label="Trace filters">
        ${timeInputs(p)}
        ${selectField("Service", "service", get("service"), services.map((s) => s.name))}
        ${textField("Span name", "spanName", get("spanName"), { placeholder: "GET /checkout" })}
        ${selectField("Status", "status", status, ["ok", "error", "unset"])}
        ${textField("Min duration", "minDuration", get("minDuration"), {
          placeholder: "250ms",
          size: 7,
        })}
        ${textField("Max duration", "maxDuration", get("maxDuration"), {
          placeholder: "2s",
          size: 7,
        })}
        ${textField("Attributes", "attrs", get("attrs"), {
          placeholder: "http.route=/pay",
          size: 20,
        })}
        <button type="submit">Search</button>
        ${filtered
          ? html`<a class="reset" href=${
            withParams(ctx.href, {
              service: null,
              spanName: null,
              status: null,
              minDuration: null,
              maxDuration: null,
              attrs: null,
              cursor: null,
            })
          }>Clear</a>`
          : null}
      </form>
  `;

  let results: VNode;
  if (list.traces.length === 0) {
    results = filtered || cursor
      ? html`
        <section class="empty">
          <h2>No traces match</h2>
          <p>No span in this time range matches every filter. Widen the time range, remove a
                filter, or check the spelling of span names and attribute keys (values match exactly).</p>
        </section>
      `
      : emptyState("traces", ctx.otlpEndpoint);
  } else {
    results = html`
      <div class="table-wrap" data-keynav>
        <table class="grid traces">
          <caption class="sr-only">Traces, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Start (UTC)</th>
              <th scope="col">Root</th>
              <th scope="col" class="dcol">Duration</th>
              <th scope="col" class="num">Spans</th>
              <th scope="col">Services</th>
            </tr>
          </thead>
          <tbody>${list.traces.map((t) =>
            html`
              <tr class=${t.errorCount > 0 ? "has-error" : ""}>
                <td class="mono"><a data-nav-item href=${`/traces/${t.traceId}${timeSuffix(p)}`}
                        aria-label=${`Trace ${t.rootSpan || t.traceId}, ${
                          formatDuration(t.durationNs)
                        }`}
                        >${formatTime(t.start)}</a></td>
                <td><span class="root">${t.rootService
                  ? html`<strong>${t.rootService}</strong> ${t.rootSpan}`
                  : html`<em class="hint">root span outside the range</em>`}</span>${t.errorCount >
                    0
                  ? html`
                    <span class="badge err" title="spans with status error">${t
                      .errorCount} error${t.errorCount > 1 ? "s" : ""}</span>
                  `
                  : null}</td>
                <td class="dcol">${durationBar(
                  t.durationNs,
                  maxDuration,
                  formatDuration(t.durationNs),
                  t.errorCount > 0,
                )}</td>
                <td class="num">${t.spanCount}</td>
                <td class="chips">${t.services.map((s) => serviceChip(s))}</td>
              </tr>
            `
          )}</tbody>
        </table>
      </div>
    `;
  }
  return html`<h1>Traces</h1>
  ${form}
  ${results}
  <nav class="pager" aria-label="Pages">
    ${cursor ? html`<a href=${withParams(ctx.href, { cursor: null })}>⟲ Newest</a>` : null}
    ${
    list.nextCursor
      ? html`<a rel="next" class="next" href=${
        withParams(ctx.href, { cursor: list.nextCursor })
      }>Older traces →</a>`
      : list.traces.length
      ? html`<span class="hint">End of the list</span>`
      : null
  }
  </nav>`;
}

function timeSuffix(p: URLSearchParams): string {
  const keep = new URLSearchParams();
  for (const k of ["from", "to"]) if (p.get(k)) keep.set(k, p.get(k)!);
  const s = keep.toString();
  return s ? `?${s}` : "";
}
