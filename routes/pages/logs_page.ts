/**
 * `/logs`: the log explorer (severity, service, text, trace and attribute
 * filters), newest first, with the list island for paging and live tail.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import LogList from "../../islands/LogList.tsx";
import { timeQuery, withParams } from "../../ui/shared/url.ts";
import { listLogs, type LogFilter, SEVERITY_NUMBERS } from "../../sql/logs.ts";
import { listServices } from "../../sql/services.ts";
import { emptyState } from "./components.ts";
import type { PageContext } from "./context.ts";
import { parseAttrs, selectField, textField, timeInputs } from "./filters.ts";
import { island } from "./island.ts";

/** Records per page of the log list. */
export const LOGS_PAGE_SIZE = 100;

/** Renders the log explorer body. */
export async function logsPage(ctx: PageContext): Promise<VNode> {
  const p = ctx.params;
  const get = (k: string) => p.get(k)?.trim() ?? "";
  const severity = get("severity").toLowerCase();
  const attributes = parseAttrs(get("attrs"));
  const filter: LogFilter = {
    range: ctx.time.range,
    services: get("service") ? [get("service")] : undefined,
    minSeverity: SEVERITY_NUMBERS[severity],
    text: get("q") || undefined,
    traceId: get("traceId") || undefined,
    spanId: get("spanId") || undefined,
    attributes,
  };
  const cursor = get("cursor") || undefined;
  const [{ services }, list] = await Promise.all([
    listServices(ctx.store, ctx.time.range, ctx.queryOptions),
    listLogs(ctx.store, filter, { limit: LOGS_PAGE_SIZE, cursor }, ctx.queryOptions),
  ]);

  const api = new URLSearchParams();
  api.set("from", ctx.time.from);
  api.set("to", ctx.time.to);
  if (filter.services) api.set("service", filter.services[0]);
  if (filter.minSeverity !== undefined) api.set("severity", severity);
  if (filter.text) api.set("q", filter.text);
  if (filter.traceId) api.set("traceId", filter.traceId);
  if (filter.spanId) api.set("spanId", filter.spanId);
  for (const [k, v] of Object.entries(attributes)) api.set(`attr.${k}`, v);

  const filtered = ["service", "severity", "q", "traceId", "spanId", "attrs"].some((k) => get(k));
  const form = html`
    <form class="filters" method="get" action="/logs" role="search"
      aria-label="Log filters">
        ${timeInputs(p)}
        ${selectField("Service", "service", get("service"), services.map((s) => s.name))}
        ${selectField(
          "Severity",
          "severity",
          severity in SEVERITY_NUMBERS ? severity : "",
          Object.keys(SEVERITY_NUMBERS).map((s) => ({ value: s, label: `≥ ${s}` })),
        )}
        ${textField("Text", "q", get("q"), { placeholder: "timeout", size: 16 })}
        ${textField("Trace id", "traceId", get("traceId"), {
          placeholder: "32 hex digits",
          size: 16,
        })}
        ${get("spanId") ? html`<input type="hidden" name="spanId" value=${get("spanId")} />` : null}
        ${textField("Attributes", "attrs", get("attrs"), { placeholder: "order.id=42", size: 16 })}
        <button type="submit">Search</button>
        ${filtered
          ? html`<a class="reset" href=${
            withParams(ctx.href, {
              service: null,
              severity: null,
              q: null,
              traceId: null,
              spanId: null,
              attrs: null,
              cursor: null,
            })
          }>Clear</a>`
          : null}
      </form>
  `;
  const scope = [
    filter.traceId
      ? html`<span>trace <a class="mono" href=${`/traces/${filter.traceId}${
        timeQuery(ctx.href)
      }`}>${filter.traceId}</a></span>`
      : null,
    filter.spanId ? html`<span> · span <span class="mono">${filter.spanId}</span></span>` : null,
  ];

  let results: VNode;
  if (list.logs.length === 0 && !p.get("live")) {
    results = filtered || cursor
      ? html`
        <section class="empty">
          <h2>No logs match</h2>
          <p>Nothing in this time range matches every filter. Widen the time range, lower the
                severity, or shorten the text (it matches a case-insensitive substring of the body).</p>
        </section>
      `
      : emptyState("logs", ctx.otlpEndpoint);
  } else {
    results = island("LogList", LogList, {
      logs: list.logs,
      nextCursor: list.nextCursor,
      apiQuery: api.toString(),
      apiBase: p.get("archive") === "1" ? "/api/archive" : "/api",
      href: ctx.href,
      timeQuery: timeQuery(ctx.href),
      live: p.get("live") === "1",
      pageSize: LOGS_PAGE_SIZE,
    });
  }
  return html`<h1>Logs</h1>
  ${form}
  ${filter.traceId || filter.spanId ? html`<p class="sub">Showing ${scope}</p>` : null}
  ${results}`;
}
