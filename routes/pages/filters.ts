/**
 * Filter parsing shared by the list pages: attribute filters written as
 * `key=value` pairs, durations as `250ms`, and `<select>` helpers.
 *
 * @module
 */
import { TIME_PARAMS } from "../../ui/shared/url.ts";
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import { InvalidParamError } from "../../sql/invalid_param.ts";
import { parseDurationNs } from "../../params/duration.ts";

/**
 * Parses `attrs` (`http.route=/checkout env=prod`, space or comma separated)
 * into a key → value map.
 */
export function parseAttrs(text: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? "").split(/[\s,]+/)) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new InvalidParamError("attrs", `expected key=value, got "${pair.slice(0, 64)}"`);
    }
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** A span-duration form field (see {@linkcode parseDurationNs}); empty means no filter. */
export function durationField(text: string | null, name: string): bigint | undefined {
  const v = text?.trim();
  return v ? parseDurationNs(v, name) : undefined;
}

/** A labelled `<select>` whose first option means "any". */
export function selectField(
  label: string,
  name: string,
  value: string,
  options: readonly (string | { value: string; label: string })[],
  anyLabel = "any",
): VNode {
  const opts = options.map((o) => typeof o === "string" ? { value: o, label: o } : o);
  if (value && !opts.some((o) => o.value === value)) opts.push({ value, label: value });
  return html`<label>${label}
    <select name=${name}>
      ${anyLabel ? html`<option value="">${anyLabel}</option>` : null}
      ${
    opts.map((o) =>
      html`<option value=${o.value} selected=${o.value === value}>${o.label}</option>`
    )
  }
    </select></label>`;
}

/** A labelled text input. */
export function textField(
  label: string,
  name: string,
  value: string,
  options: { placeholder?: string; size?: number; list?: string } = {},
): VNode {
  return html`<label>${label}
    <input name=${name} value=${value} placeholder=${options.placeholder}
      size=${options.size ?? 12} list=${options.list} /></label>`;
}

/** Hidden inputs carrying the time parameters through a filter form. */
export function timeInputs(params: URLSearchParams): VNode[] {
  return TIME_PARAMS.flatMap((k) => {
    const v = params.get(k);
    return v ? [html`<input type="hidden" name=${k} value=${v} />`] : [];
  });
}
