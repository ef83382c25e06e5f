/**
 * A readable, self-contained reference page rendered from the OpenAPI
 * document: no script, no CDN, inline CSS.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type Json = any;

function escape(text: unknown): string {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function schemaText(schema: Json, spec: Json, depth = 0): string {
  if (!schema || depth > 6) return "";
  if (schema.$ref) {
    const name = String(schema.$ref).split("/").pop();
    return `<a href="#schema-${escape(name)}">${escape(name)}</a>`;
  }
  if (schema.enum) return schema.enum.map((v: unknown) => `<code>${escape(v)}</code>`).join(" | ");
  if (schema.anyOf || schema.oneOf) {
    return (schema.anyOf ?? schema.oneOf).map((s: Json) => schemaText(s, spec, depth + 1)).join(
      " or ",
    );
  }
  if (schema.type === "array") return `array of ${schemaText(schema.items, spec, depth + 1)}`;
  if (schema.type === "object" && schema.properties) {
    const rows = Object.entries(schema.properties).map(([k, v]) =>
      `<li><code>${escape(k)}</code>: ${schemaText(v, spec, depth + 1)}</li>`
    );
    return `object<ul>${rows.join("")}</ul>`;
  }
  if (schema.type === "object") return "object (string → string)";
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type ?? "any";
  return `${escape(type)}${
    schema.pattern ? ` matching <code>${escape(schema.pattern)}</code>` : ""
  }`;
}

/**
 * Renders the reference page of an OpenAPI document.
 *
 * @example
 * ```ts
 * import { renderDocsPage } from "./docs_page.ts";
 * const html = renderDocsPage({ info: { title: "T", version: "1" }, paths: {} });
 * console.assert(html.startsWith("<!doctype html>"));
 * ```
 */
export function renderDocsPage(spec: Json): string {
  const sections: string[] = [];
  for (const [path, methods] of Object.entries<Json>(spec.paths ?? {})) {
    for (const [method, op] of Object.entries<Json>(methods)) {
      const params = (op.parameters ?? []).map((p: Json) =>
        `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}${
          p.required ? " (required)" : ""
        }</td><td>${schemaText(p.schema, spec)}</td><td>${
          escape(p.description ?? p.schema?.description)
        }</td></tr>`
      ).join("");
      const responses = Object.entries<Json>(op.responses ?? {}).map(([status, r]) => {
        const schema = r.content?.["application/json"]?.schema;
        return `<li><b>${escape(status)}</b> ${escape(r.description)}${
          schema ? `: ${schemaText(schema, spec)}` : ""
        }</li>`;
      }).join("");
      sections.push(
        `<section><h2><span class="m">${escape(method.toUpperCase())}</span> ${
          escape(path)
        }</h2><p><b>${escape(op.summary)}</b></p><p>${escape(op.description)}</p>${
          params
            ? `<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>${params}</table>`
            : ""
        }<h3>Responses</h3><ul>${responses}</ul></section>`,
      );
    }
  }
  const schemas = Object.entries<Json>(spec.components?.schemas ?? {}).map(([name, schema]) =>
    `<section id="schema-${escape(name)}"><h2>${escape(name)}</h2>${
      schemaText(schema, spec)
    }</section>`
  ).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(spec.info?.title)} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
section{border-top:1px solid #ccc;margin-top:1.5rem}.m{background:#0a6;color:#fff;padding:0 .4em;border-radius:3px;font-size:.8em}
ul ul{margin:0}
</style></head><body>
<h1>${escape(spec.info?.title)} <small>${escape(spec.info?.version)}</small></h1>
<p>${escape(spec.info?.description)}</p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a>.</p>
${sections.join("\n")}
<h1>Schemas</h1>
${schemas}
</body></html>`;
}
