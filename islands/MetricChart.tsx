/// <reference lib="dom" />
/**
 * A metric chart: server-rendered as an SVG line chart with a legend table
 * (readable before scripts run), replaced by an interactive uPlot chart with
 * a live legend and a cursor tooltip once hydrated. Data arrives in uPlot's
 * column format (`[xs_in_seconds, ...ys]`).
 *
 * @module
 */
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { formatValue } from "../ui/shared/format.ts";
import { html } from "../ui/shared/html.ts";

/** Props of {@linkcode MetricChart}. */
export interface MetricChartProps {
  title: string;
  unit: string;
  labels: string[];
  data: (number | null)[][];
  height?: number;
  [key: string]: unknown;
}

const PALETTE = [
  "#3b82f6",
  "#ef4444",
  "#10b981",
  "#f59e0b",
  "#8b5cf6",
  "#ec4899",
  "#14b8a6",
  "#f97316",
  "#6366f1",
  "#84cc16",
];

/** Colour of series `i`. */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

function stats(
  ys: (number | null)[],
): { last: number | null; avg: number | null; max: number | null } {
  const vs = ys.filter((v): v is number => v !== null);
  if (!vs.length) return { last: null, avg: null, max: null };
  return {
    last: vs[vs.length - 1],
    avg: vs.reduce((a, b) => a + b, 0) / vs.length,
    max: Math.max(...vs),
  };
}

function StaticChart({ data, labels, height }: MetricChartProps): VNode {
  const w = 1000, h = height ?? 280;
  const xs = data[0] as number[];
  const all = data.slice(1).flat().filter((v): v is number => v !== null);
  const max = all.length ? Math.max(...all) : 1;
  const min = all.length ? Math.min(0, ...all) : 0;
  const x0 = xs[0] ?? 0, x1 = xs.at(-1) ?? 1;
  const sx = (x: number) => ((x - x0) / Math.max(1, x1 - x0)) * w;
  const sy = (y: number) => h - 4 - ((y - min) / Math.max(1e-12, max - min)) * (h - 8);
  return html`
    <svg class="chart-static" viewBox=${`0 0 ${w} ${h}`} preserveAspectRatio="none"
      role="img" aria-label=${`Chart of ${labels.join(", ")}`}>
        ${data.slice(1).map((ys, i) => {
          let d = "";
          let pen = false;
          ys.forEach((v, j) => {
            if (v === null) {
              pen = false;
              return;
            }
            d += `${pen ? "L" : "M"}${sx(xs[j]).toFixed(1)},${sy(v).toFixed(1)}`;
            pen = true;
          });
          return html`
            <path d=${d} fill="none" stroke=${seriesColor(i)} stroke-width="2"
              vector-effect="non-scaling-stroke" />
          `;
        })}
      </svg>
  `;
}

function tooltipPlugin(unit: string): uPlot.Plugin {
  let tip: HTMLDivElement;
  return {
    hooks: {
      init: (u: uPlot) => {
        tip = document.createElement("div");
        tip.className = "u-tip";
        tip.setAttribute("role", "status");
        tip.style.display = "none";
        u.over.appendChild(tip);
      },
      setCursor: (u: uPlot) => {
        const i = u.cursor.idx;
        if (i === null || i === undefined) {
          tip.style.display = "none";
          return;
        }
        const t = new Date((u.data[0][i] as number) * 1000);
        const rows = u.series.slice(1).map((s, k) => {
          const v = u.data[k + 1][i];
          return s.show && v !== null && v !== undefined
            ? `<div><i style="background:${seriesColor(k)}"></i>${
              String(s.label).replace(/[<&]/g, "")
            }: <b>${formatValue(v as number)}${unit ? ` ${unit}` : ""}</b></div>`
            : "";
        }).join("");
        tip.innerHTML = `<div class="u-tip-time">${
          t.toISOString().slice(0, 19).replace("T", " ")
        } UTC</div>${rows}`;
        tip.style.display = "block";
        const left = u.cursor.left ?? 0;
        const flip = left > u.over.clientWidth / 2;
        tip.style.left = flip ? "" : `${left + 12}px`;
        tip.style.right = flip ? `${u.over.clientWidth - left + 12}px` : "";
        tip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 10)}px`;
      },
    },
  };
}

/** The chart island. */
export default function MetricChart(props: MetricChartProps): VNode {
  const box = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    if (!box.current) return;
    const el = box.current;
    const width = () => Math.max(300, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: props.height ?? 280,
        series: [
          {
            label: "Time (UTC)",
            value: (_u, v) => v === null ? "–" : new Date(v * 1000).toISOString().slice(11, 19),
          },
          ...props.labels.map((label, i) => ({
            label,
            stroke: seriesColor(i),
            width: 2,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => formatValue(v),
          })),
        ],
        axes: [
          { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.15)" } },
          {
            stroke: "currentColor",
            grid: { stroke: "rgba(128,128,128,0.15)" },
            values: (_u, vs) => vs.map((v) => formatValue(v)),
            size: 60,
          },
        ],
        scales: { x: { time: true } },
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
        legend: { live: true },
        cursor: { focus: { prox: 16 } },
        focus: { alpha: 0.3 },
        plugins: [tooltipPlugin(props.unit)],
      },
      props.data as uPlot.AlignedData,
      el,
    );
    setReady(true);
    const onResize = () => plot.setSize({ width: width(), height: props.height ?? 280 });
    addEventListener("resize", onResize);
    return () => {
      removeEventListener("resize", onResize);
      plot.destroy();
    };
  }, [props.data, props.labels]);

  return html`<figure class="chart">
    <figcaption>${props.title}${props.unit ? ` (${props.unit})` : ""}</figcaption>
    <div class="chart-plot" ref=${box}></div>
    ${ready ? null : html`<${StaticChart} ...${props} />`}
    ${
    ready ? null : html`
      <table class="grid legend-table">
        <thead>
          <tr>
            <th scope="col">Series</th>
            <th scope="col" class="num">Last</th>
            <th scope="col" class="num">Avg</th>
            <th scope="col" class="num">Max</th>
          </tr>
        </thead>
        <tbody>${props.labels.map((label, i) => {
          const s = stats(props.data[i + 1] ?? []);
          return html`
            <tr>
              <th scope="row"><span class="dot" style=${`background:${seriesColor(i)}`}
                      aria-hidden="true"></span>${label}</th>
              <td class="num">${formatValue(s.last)}</td>
              <td class="num">${formatValue(s.avg)}</td>
              <td class="num">${formatValue(s.max)}</td>
            </tr>
          `;
        })}</tbody>
      </table>
    `
  }
  </figure>`;
}
