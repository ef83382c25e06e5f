/// <reference lib="dom" />
/**
 * Keyboard navigation of lists: in a `[data-keynav]` container, `j`/`↓` and
 * `k`/`↑` move focus between its `[data-nav-item]` elements (links), `Enter`
 * opens the focused one, `/` focuses the page's first filter field.
 *
 * @module
 */
import { useEffect } from "preact/hooks";
import type { VNode } from "preact";
import { html } from "../ui/shared/html.ts";

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "SELECT" ||
    el.tagName === "TEXTAREA" || el.isContentEditable);
}

/** Installs the key handler; renders a short hint. */
export default function KeyNav(_props: Record<string, unknown>): VNode {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) return;
      if (e.key === "/") {
        const field = document.querySelector<HTMLElement>(".filters input, .filters select");
        if (field) {
          e.preventDefault();
          field.focus();
        }
        return;
      }
      const down = e.key === "ArrowDown" || e.key === "j";
      const up = e.key === "ArrowUp" || e.key === "k";
      if (!down && !up) return;
      const items = [...document.querySelectorAll<HTMLElement>("[data-keynav] [data-nav-item]")];
      if (items.length === 0) return;
      const active = document.activeElement as HTMLElement | null;
      const at = items.findIndex((el) => el === active || el.contains(active));
      const next = at < 0 ? (down ? 0 : items.length - 1) : Math.max(
        0,
        Math.min(items.length - 1, at + (down ? 1 : -1)),
      );
      e.preventDefault();
      items[next].focus();
      items[next].scrollIntoView({ block: "nearest" });
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return html`<p class="hint keyhint">Keys: <kbd>j</kbd>/<kbd>k</kbd> or <kbd>↓</kbd>/<kbd
  >↑</kbd> move, <kbd>Enter</kbd> opens, <kbd>/</kbd> filters</p>`;
}
