/**
 * The key/value table of attributes and resources, shared by the log list
 * and the trace waterfall's span panel.
 *
 * @example
 * ```ts
 * import { attributeTable } from "./attribute_table.ts";
 * console.assert(attributeTable("Attributes", {}) === null);
 * console.assert(attributeTable("Attributes", { "http.route": "/x" })?.type === "section");
 * ```
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "./html.ts";

/** A titled table of `map`, keys sorted; `null` when the map is empty. */
export function attributeTable(title: string, map: Record<string, string>): VNode | null {
  const entries = Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return null;
  return html`
    <section>
      <h3>${title}</h3>
      <table class="kv">
        <tbody>${entries.map(([k, v]) =>
          html`
            <tr>
              <th scope="row">${k}</th>
              <td>${v}</td>
            </tr>
          `
        )}</tbody>
      </table>
    </section>
  `;
}
