/**
 * Server side of islands: `island(name, Component, props)` renders the
 * component to HTML inside a `data-island` wrapper that carries its props,
 * and records the island so the page loads only the bundles it uses.
 *
 * @module
 */
import { type ComponentType, h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";

let collecting: Set<string> | null = null;

function IslandBox(
  { name, Component, props }: {
    name: string;
    Component: ComponentType<Record<string, unknown>>;
    props: Record<string, unknown>;
  },
): VNode {
  // Runs while the page renders, so the page knows which bundles to load.
  collecting?.add(name);
  const wrapper: Record<string, string> = {
    class: "island",
    "data-island": name,
    "data-props": JSON.stringify(props),
  };
  return h("div", wrapper, h(Component, props)) as VNode;
}

/** Renders an island: its server HTML now, hydrated in the browser by `islands/<name>.tsx`. */
export function island<P extends Record<string, unknown>>(
  name: string,
  Component: ComponentType<P>,
  props: P,
): VNode {
  return h(IslandBox, {
    name,
    Component: Component as unknown as ComponentType<Record<string, unknown>>,
    props,
  }) as VNode;
}

/** Renders `vnode` to HTML and reports the islands it used. */
export function renderPage(vnode: VNode): { html: string; islands: string[] } {
  const previous = collecting;
  const used = new Set<string>();
  collecting = used;
  try {
    const html = renderToString(vnode);
    return { html, islands: [...used] };
  } finally {
    collecting = previous;
  }
}
