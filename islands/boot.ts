/// <reference lib="dom" />
/**
 * Browser side of an island: finds the elements the server rendered for
 * island `name` and hydrates each with the props stored in `data-props`.
 *
 * @module
 */
import { type ComponentType, h, hydrate } from "preact";

/** Hydrates every `[data-island=name]` element with `Component`. */
export function boot(name: string, Component: ComponentType<Record<string, unknown>>): void {
  for (const el of document.querySelectorAll<HTMLElement>(`[data-island="${name}"]`)) {
    let props: Record<string, unknown> = {};
    try {
      props = JSON.parse(el.dataset.props ?? "{}");
    } catch (error) {
      console.warn(`tracehouse: island "${name}" has malformed props`, error);
      continue;
    }
    hydrate(h(Component, props), el);
    el.dataset.hydrated = "";
  }
}
