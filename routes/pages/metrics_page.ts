/**
 * `/metrics`: pick a metric, aggregation, step and group-by; one uPlot chart
 * with legend and tooltips; histograms add p50/p95/p99 together.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import MetricChart from "../../islands/MetricChart.tsx";
import {
  type Aggregation,
  autoStep,
  listMetrics,
  type MetricInfo,
  type MetricSeries,
  queryMetric,
} from "../../sql/metrics.ts";
import { listServices } from "../../sql/services.ts";
import { parseDuration } from "../../params/duration.ts";
import { emptyState } from "./components.ts";
import type { PageContext } from "./context.ts";
import { parseAttrs, selectField, textField, timeInputs } from "./filters.ts";
import { island } from "./island.ts";

/** Aggregations offered per metric type; the first is the default. */
export const AGGS_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  gauge: ["avg", "min", "max", "sum", "count"],
  sum: ["rate", "sum", "avg", "min", "max", "count"],
  histogram: ["percentiles", "p50", "p90", "p95", "p99", "avg", "count", "sum", "min", "max"],
};

const STEPS = ["10s", "30s", "1m", "5m", "15m", "1h"];
const PERCENTILES: Aggregation[] = ["p50", "p95", "p99"];

function labelOf(labels: Record<string, string>, prefix = ""): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v || "∅"}`);
  return [prefix, ...parts].filter(Boolean).join(" ") || "all";
}

/** Renders the metrics page body. */
export async function metricsPage(ctx: PageContext): Promise<VNode> {
  const p = ctx.params;
  const get = (k: string) => p.get(k)?.trim() ?? "";
  const service = get("service");
  const [{ metrics }, { services }] = await Promise.all([
    listMetrics(ctx.store, ctx.time.range, {}, ctx.queryOptions),
    listServices(ctx.store, ctx.time.range, ctx.queryOptions),
  ]);
  const candidates = service ? metrics.filter((m) => m.services.includes(service)) : metrics;
  if (metrics.length === 0) {
    return html`<h1>Metrics</h1>${emptyState("metrics", ctx.otlpEndpoint)}`;
  }
  const metric: MetricInfo | undefined = metrics.find((m) => m.name === get("name")) ??
    candidates[0] ?? metrics[0];
  const aggs = AGGS_BY_TYPE[metric.type] ?? ["avg"];
  const agg = aggs.includes(get("agg")) ? get("agg") : aggs[0];
  const stepText = STEPS.includes(get("step")) ? get("step") : "";
  const stepSeconds = stepText ? parseDuration(stepText, "step") / 1000 : autoStep(ctx.time.range);
  const groupBy = get("groupBy").split(/[\s,]+/).filter(Boolean);
  const base = {
    name: metric.name,
    range: ctx.time.range,
    stepSeconds,
    groupBy,
    services: service ? [service] : undefined,
    attributes: parseAttrs(get("attrs")),
  };
  const answers: { prefix: string; result: MetricSeries }[] = agg === "percentiles"
    ? await Promise.all(
      PERCENTILES.map(async (q) => ({
        prefix: q,
        result: await queryMetric(ctx.store, { ...base, agg: q }, ctx.queryOptions),
      })),
    )
    : [{
      prefix: "",
      result: await queryMetric(
        ctx.store,
        { ...base, agg: agg as Aggregation },
        ctx.queryOptions,
      ),
    }];
  const xs = answers[0].result.data[0];
  const labels: string[] = [];
  const data: (number | null)[][] = [xs];
  for (const { prefix, result } of answers) {
    result.series.forEach((s, i) => {
      labels.push(labelOf(s.labels, prefix || (groupBy.length ? "" : agg)));
      data.push(result.data[i + 1]);
    });
  }
  const truncated = answers.some((a) => a.result.truncated);
  const byType = (t: string) => metrics.filter((m) => m.type === t);
  const unit = metric.unit === "1" ? "" : metric.unit;
  const shownUnit = agg === "rate" ? `${unit ? `${unit}` : ""}/s` : agg === "count" ? "" : unit;

  const form = html`<form class="filters" method="get" action="/metrics" aria-label="Metric query">
    ${timeInputs(p)}
    <label>Metric
      <select name="name">${
    ["gauge", "sum", "histogram"].map((t) =>
      byType(t).length
        ? html`<optgroup label=${t}>${
          byType(t).map((m) =>
            html`<option value=${m.name} selected=${m.name === metric.name}>${m.name}${
              m.unit && m.unit !== "1" ? ` (${m.unit})` : ""
            }</option>`
          )
        }</optgroup>`
        : null
    )
  }</select></label>
    ${
    selectField(
      "Aggregation",
      "agg",
      agg,
      aggs.map((a) => ({
        value: a,
        label: a === "percentiles" ? "p50 + p95 + p99" : a,
      })),
      "",
    )
  }
    ${selectField("Step", "step", stepText, STEPS, `auto (${stepSeconds}s)`)}
    ${
    textField("Group by", "groupBy", get("groupBy"), {
      placeholder: "service, attr.http.method",
      size: 20,
    })
  }
    ${selectField("Service", "service", service, services.map((s) => s.name))}
    ${textField("Attributes", "attrs", get("attrs"), { placeholder: "http.method=GET", size: 14 })}
    <button type="submit">Show</button>
  </form>`;

  const chart = labels.length === 0
    ? html`
      <section class="empty">
        <h2>No points for ${metric.name}</h2>
        <p>The metric has no data points matching the filters in this range. Remove a filter or
            widen the time range.</p>
      </section>
    `
    : island("MetricChart", MetricChart, {
      title: `${metric.name} · ${
        agg === "percentiles" ? "p50 / p95 / p99" : agg
      } · step ${stepSeconds}s`,
      unit: shownUnit,
      labels,
      data,
    });
  return html`<h1>Metrics</h1>
  ${form}
  <p class="sub">${metric.type} · ${metric.description || "no description"} · from ${
    answers[0].result.source === "rollup" ? "the per-minute rollup" : "raw points"
  } · services: ${metric.services.join(", ") || "–"}${
    truncated ? " · series truncated at 100" : ""
  }</p>
  ${chart}`;
}
