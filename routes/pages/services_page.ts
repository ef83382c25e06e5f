/**
 * `/services`: every service with rate, error rate, p50/p95/p99 and
 * sparklines; `?service=` adds that service's operations.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import { formatCount, formatDuration, formatPercent, formatRate } from "../../ui/shared/format.ts";
import { timeQuery, withParams } from "../../ui/shared/url.ts";
import { serviceSeries } from "../../sql/service_series.ts";
import { listOperations, listServices } from "../../sql/services.ts";
import { emptyState, serviceChip, sparkline } from "./components.ts";
import type { PageContext } from "./context.ts";
import { rangeSeconds } from "./state.ts";

/** Renders the services page body. */
export async function servicesPage(ctx: PageContext): Promise<VNode> {
  const { range } = ctx.time;
  const [{ services, truncated }, series] = await Promise.all([
    listServices(ctx.store, range, ctx.queryOptions),
    serviceSeries(ctx.store, range, ctx.queryOptions),
  ]);
  const seconds = rangeSeconds(range);
  const tq = timeQuery(ctx.href);
  const join = (path: string, extra: Record<string, string>) => withParams(`${path}${tq}`, extra);
  const selected = ctx.params.get("service") ?? "";
  const ops = selected ? await listOperations(ctx.store, selected, range, ctx.queryOptions) : null;

  if (services.length === 0) {
    return html`<h1>Services</h1>${emptyState("services", ctx.otlpEndpoint)}`;
  }
  return html`
    <h1>Services</h1>
      <p class="sub">${services
        .length} services · rate and latency from the per-minute span rollup ·
        sparklines: spans per ${series.step / 60} min${truncated ? " · list truncated" : ""}</p>
      <div class="table-wrap" data-keynav>
      <table class="grid services">
        <caption
          class="sr-only">Services with request rate, error rate and latency percentiles</caption>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col" class="num">Rate</th>
            <th scope="col" class="num">Errors</th>
            <th scope="col" class="num">p50</th>
            <th scope="col" class="num">p95</th>
            <th scope="col" class="num">p99</th>
            <th scope="col">Spans over time</th>
            <th scope="col">Explore</th>
          </tr>
        </thead>
        <tbody>
          ${services.map((s) => {
            const sp = series.series.get(s.name);
            return html`
              <tr class=${s.name === selected ? "selected" : ""}>
                <th scope="row"><a data-nav-item href=${join("/services", { service: s.name })}
                        aria-label=${`${s.name}: operations`}>${serviceChip(s.name)}</a></th>
                <td class="num" title=${`${formatCount(s.spanCount)} spans`}>${formatRate(
                  s.spanCount / seconds,
                )}</td>
                <td class=${`num${s.errorRate > 0.05 ? " bad" : s.errorRate > 0 ? " warn" : ""}`}
                  title=${`${formatCount(s.errorCount)} errors`}>${formatPercent(s.errorRate)}</td>
                <td class="num">${formatDuration(s.p50Ns)}</td>
                <td class="num">${formatDuration(s.p95Ns)}</td>
                <td class="num">${formatDuration(s.p99Ns)}</td>
                <td>${sparkline(
                  sp?.spans ?? [],
                  sp?.errors ?? [],
                  `${s.name}: spans over time`,
                )}</td>
                <td class="links">
                  <a href=${join("/traces", { service: s.name })}>Traces</a>
                  <a href=${join("/traces", {
                    service: s.name,
                    minDuration: slowThreshold(s.p95Ns),
                  })} title="Traces with a span of this service at or above its p95">Slow</a>
                  <a href=${join("/traces", { service: s.name, status: "error" })}>Errors</a>
                  <a href=${join("/logs", { service: s.name })}>Logs</a>
                  <a href=${join("/metrics", { service: s.name })}>Metrics</a>
                </td>
              </tr>
            `;
          })}
        </tbody>
      </table>
    </div>
      ${ops ? operationsTable(selected, ops.operations, seconds, join) : null}
  `;
}

function operationsTable(
  service: string,
  operations: Awaited<ReturnType<typeof listOperations>>["operations"],
  seconds: number,
  join: (path: string, extra: Record<string, string>) => string,
): VNode {
  return html`<section class="ops" aria-labelledby="ops-title">
    <h2 id="ops-title">Operations of ${serviceChip(service)}</h2>
    ${
    operations.length === 0
      ? html`<p class="hint">No operations of this service in the range.</p>`
      : html`
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">Operation</th>
              <th scope="col">Kind</th>
              <th scope="col" class="num">Rate</th>
              <th scope="col" class="num">Errors</th>
              <th scope="col" class="num">p50</th>
              <th scope="col" class="num">p95</th>
              <th scope="col" class="num">p99</th>
            </tr>
          </thead>
          <tbody>${operations.map((o) =>
            html`
              <tr>
                <th scope="row"><a href=${join("/traces", { service, spanName: o.name })}>${o
                  .name}</a></th>
                <td>${o.spanKind.toLowerCase()}</td>
                <td class="num">${formatRate(o.spanCount / seconds)}</td>
                <td class=${`num${o.errorRate > 0 ? " warn" : ""}`}>${formatPercent(
                  o.errorRate,
                )}</td>
                <td class="num">${formatDuration(o.p50Ns)}</td>
                <td class="num">${formatDuration(o.p95Ns)}</td>
                <td class="num">${formatDuration(o.p99Ns)}</td>
              </tr>
            `
          )}</tbody>
        </table>
      `
  }
  </section>`;
}

/** A `minDuration` filter at a service's p95, in whole milliseconds (at least 1 ms). */
function slowThreshold(p95Ns: number): string {
  return `${Math.max(1, Math.floor(p95Ns / 1_000_000))}ms`;
}
