/**
 * The HTML document around every page: head, navigation, the time picker,
 * the page's content, and `<script type="module">` tags only for the islands
 * the page rendered.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import TimePicker from "../../islands/TimePicker.tsx";
import KeyNav from "../../islands/KeyNav.tsx";
import { timeQuery, withParams } from "../../ui/shared/url.ts";
import { type Assets, scriptsFor } from "../../ui/build/assets.ts";
import { island, renderPage } from "./island.ts";
import { PRESETS, REFRESH_CHOICES, type TimeState } from "./state.ts";

/** Pages of the navigation. */
export type PageName =
  | "services"
  | "traces"
  | "logs"
  | "metrics"
  | "errors"
  | "service-map"
  | "alerts";

const NAV: { name: PageName; label: string; path: string }[] = [
  { name: "services", label: "Services", path: "/services" },
  { name: "traces", label: "Traces", path: "/traces" },
  { name: "logs", label: "Logs", path: "/logs" },
  { name: "metrics", label: "Metrics", path: "/metrics" },
  { name: "errors", label: "Errors", path: "/errors" },
  { name: "service-map", label: "Service map", path: "/service-map" },
  { name: "alerts", label: "Alerts", path: "/alerts" },
];

/** What a page hands to {@linkcode renderDocument}. */
export interface PageParts {
  title: string;
  active: PageName;
  /** Path and query of the request. */
  href: string;
  time: TimeState;
  body: VNode;
  /** Adds the keyboard list navigation island. */
  keyNav?: boolean;
  /** When the server has a Parquet archive: where, and whether this page reads it. */
  archive?: { location: string; active: boolean };
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}

/** Renders a whole page to an HTML string. */
export function renderDocument(parts: PageParts, assets: Assets): string {
  const tq = timeQuery(parts.href);
  const vnode = html`
    <div class="app">
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
          <a class="brand" href=${`/services${tq}`}><span class="logo" aria-hidden="true">◆</span> Tracehouse</a>
          <nav aria-label="Main">
            <ul role="list">
              ${NAV.map((n) =>
                html`<li><a href=${`${n.path}${tq}`} aria-current=${
                  n.name === parts.active ? "page" : undefined
                }>${n.label}</a></li>`
              )}
              ${parts.archive && !parts.archive.active
                ? html`<li><a href=${withParams(parts.href, { archive: "1", cursor: null })}
                    title="Read the days archived to Parquet">Archive</a></li>`
                : null}
            </ul>
          </nav>
          ${island("TimePicker", TimePicker, {
            href: parts.href,
            from: parts.time.from,
            to: parts.time.to,
            refresh: parts.time.refresh,
            fromIso: parts.time.fromIso,
            toIso: parts.time.toIso,
            presets: [...PRESETS],
            refreshChoices: [...REFRESH_CHOICES],
          })}
        </header>
      <main id="main" tabindex="-1">
          ${parts.archive?.active
            ? html`<p class="banner archive" role="status"><strong>Archive</strong> — read from
                Parquet at <code>${parts.archive.location}</code>, not from the live tables.
                <a href=${
              withParams(parts.href, { archive: null, cursor: null })
            }>Live data</a></p>`
            : null}
          ${parts.time.error
            ? html`<p class="banner error" role="alert">Time range: ${parts.time.error}. Showing the last hour instead.</p>`
            : null}
          ${parts.body}
          ${parts.keyNav ? island("KeyNav", KeyNav, {}) : null}
        </main>
    </div>
  `;
  const { html: body, islands } = renderPage(vnode);
  const { entries, chunks } = scriptsFor(assets, islands);
  const head = [
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="color-scheme" content="light dark">`,
    `<title>${escapeHtml(parts.title)} · Tracehouse</title>`,
    `<link rel="icon" href="data:,">`,
    `<link rel="stylesheet" href="${assets.css}">`,
    ...chunks.map((c) => `<link rel="modulepreload" href="${c}">`),
    ...entries.map((e) => `<script type="module" src="${e}"></script>`),
  ].join("\n");
  return `<!doctype html>\n<html lang="en">\n<head>\n${head}\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}
