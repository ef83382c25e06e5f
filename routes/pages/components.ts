/**
 * Small server-rendered pieces shared by pages: sparklines, empty and error
 * states, duration bars, service chips.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import { serviceColor } from "../../ui/shared/format.ts";

/** An inline SVG sparkline of `values` (and, in red, `errors`), `aria-label`led. */
export function sparkline(values: number[], errors: number[] = [], label = "trend"): VNode {
  const w = 120, h = 28;
  const max = Math.max(1, ...values);
  const path = (vs: number[]) =>
    vs.map((v, i) =>
      `${i === 0 ? "M" : "L"}${(i * w / Math.max(1, vs.length - 1)).toFixed(1)},${
        (h - 2 - (v / max) * (h - 4)).toFixed(1)
      }`
    ).join("");
  const area = values.length ? `${path(values)}L${w},${h}L0,${h}Z` : "";
  return html`
    <svg class="spark" viewBox=${`0 0 ${w} ${h}`} width=${w} height=${h} role="img"
      aria-label=${label}>
        <path class="spark-area" d=${area} />
        <path class="spark-line" d=${path(values)} />
        ${errors.some((e) => e > 0) ? html`<path class="spark-err" d=${path(errors)} />` : null}
      </svg>
  `;
}

/** The "no data yet" panel: how to send the first telemetry. */
export function emptyState(what: string, otlpEndpoint: string, extra?: VNode | string): VNode {
  return html`<section class="empty" aria-live="polite">
    <h2>No ${what} in this time range</h2>
    ${extra ? html`<p>${extra}</p>` : null}
    <p>Widen the time range above, or send telemetry to Tracehouse's OTLP/HTTP receiver:</p>
    <pre><code>export OTEL_EXPORTER_OTLP_ENDPOINT=${otlpEndpoint}
export OTEL_SERVICE_NAME=my-service</code></pre>
    <p>With the SDK: <code>npm i @tracehouse/sdk</code> then
      <code>instrumentApp(app, { serviceName: "my-service" })</code>. Any OpenTelemetry SDK or
      Collector works the same way.</p>
  </section>`;
}

/** A failed query, said plainly with what to try. */
export function errorState(message: string): VNode {
  return html`<section class="banner error" role="alert">
    <strong>The query failed.</strong> ${message}
    <span class="hint"> Narrow the time range or the filters and try again; if it persists,
    check the server log.</span>
  </section>`;
}

/** A coloured dot + name for a service. */
export function serviceChip(name: string): VNode {
  return html`<span class="chip"><span class="dot" style=${`background:${serviceColor(name)}`}
  aria-hidden="true"></span>${name}</span>`;
}

/** A horizontal bar `value/max` wide with a text label. */
export function durationBar(value: number, max: number, label: string, error = false): VNode {
  const pct = max > 0 ? Math.max(0.5, (value / max) * 100) : 0;
  return html`<span class=${`dbar${error ? " err" : ""}`}><span class="dbar-fill"
  style=${`width:${pct.toFixed(1)}%`}></span><span class="dbar-text">${label}</span></span>`;
}
