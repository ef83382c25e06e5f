/**
 * `html`: htm bound to Preact's `h`, the template tag every component and
 * page uses instead of JSX (no build step, no compiler options).
 *
 * @example
 * ```ts
 * import { html } from "./html.ts";
 * const vnode = html`<p class="hint">Hello</p>`;
 * console.assert(vnode.type === "p");
 * ```
 *
 * @module
 */
import { h, type VNode } from "preact";
import htm from "htm";

/** Tagged template that builds Preact vnodes. */
export const html: (strings: TemplateStringsArray, ...values: unknown[]) => VNode =
  (htm as unknown as { bind(f: typeof h): unknown }).bind(h) as (
    strings: TemplateStringsArray,
    ...values: unknown[]
  ) => VNode;
