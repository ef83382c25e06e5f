/// <reference lib="dom" />
/**
 * The global time range picker: presets, custom `from`/`to` (`now-1h`, RFC
 * 3339, epoch ms), auto-refresh. Server-rendered as a plain GET form with
 * preset links, so it works before scripts run; the island adds instant
 * navigation on change and the auto-refresh timer.
 *
 * @module
 */
import { useEffect, useRef } from "preact/hooks";
import type { VNode } from "preact";
import { html } from "../ui/shared/html.ts";
import { withParams } from "../ui/shared/url.ts";

/** Props of {@linkcode TimePicker}. */
export interface TimePickerProps {
  /** Path and query of the current page. */
  href: string;
  from: string;
  to: string;
  refresh: string;
  fromIso: string;
  toIso: string;
  presets: { from: string; label: string }[];
  refreshChoices: string[];
  [key: string]: unknown;
}

const DROP = ["from", "to", "refresh", "cursor"];

function navigate(href: string): void {
  location.assign(href);
}

/** The time range picker island. */
export default function TimePicker(props: TimePickerProps): VNode {
  const formRef = useRef<HTMLFormElement>(null);
  const url = new URL(props.href, "http://x");
  const current = props.presets.find((p) => p.from === props.from && props.to === "now");
  const hidden = [...url.searchParams.entries()].filter(([k]) => !DROP.includes(k));

  useEffect(() => {
    if (!props.refresh) return;
    const ms = Number(props.refresh.slice(0, -1)) * (props.refresh.endsWith("m") ? 60_000 : 1000);
    const timer = setInterval(() => {
      if (!document.hidden) location.replace(location.href);
    }, ms);
    return () => clearInterval(timer);
  }, [props.refresh]);

  const apply = (e: Event) => {
    e.preventDefault();
    const form = formRef.current!;
    const data = new FormData(form);
    const value = (k: string) => String(data.get(k) ?? "").trim();
    navigate(withParams(props.href, {
      from: value("from") === "now-1h" ? null : value("from"),
      to: value("to") === "now" ? null : value("to"),
      refresh: value("refresh"),
      cursor: null,
    }));
  };
  const presetHref = (from: string) =>
    withParams(props.href, { from: from === "now-1h" ? null : from, to: null, cursor: null });
  const title = `${props.fromIso} → ${props.toIso}`;

  return html`
    <form class="timepicker" method="get" action=${url.pathname} ref=${formRef}
      onSubmit=${apply} aria-label="Time range">
        ${hidden.map(([k, v]) => html`<input type="hidden" name=${k} value=${v} />`)}
        <details class="presets">
          <summary title=${title}>${current?.label ?? "Custom range"}</summary>
          <ul role="list">
            ${props.presets.map((p) =>
              html`<li><a href=${presetHref(p.from)} aria-current=${
                p === current ? "true" : undefined
              }>${p.label}</a></li>`
            )}
          </ul>
        </details>
        <label>From <input name="from" value=${props.from} size="14" title=${props.fromIso}
          placeholder="now-1h" /></label>
        <label>To <input name="to" value=${props.to} size="14" title=${props.toIso}
          placeholder="now" /></label>
        <label>Refresh <select name="refresh" onChange=${apply}>
          ${props.refreshChoices.map((r) =>
            html`<option value=${r} selected=${r === props.refresh}>${r || "off"}</option>`
          )}
        </select></label>
        <button type="submit">Apply</button>
      </form>
  `;
}
