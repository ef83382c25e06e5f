/** The SDK's version has one source, `deno.json`; its module graph has no circles. */
import assert from "node:assert/strict";
import { SDK_VERSION } from "./scope.ts";

Deno.test("SDK_VERSION is deno.json's version", async () => {
  const meta = JSON.parse(await Deno.readTextFile(new URL("./deno.json", import.meta.url)));
  assert.equal(SDK_VERSION, meta.version);
});

Deno.test("the SDK's own modules import each other without a circle", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "mod.ts"],
    cwd: new URL("./", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string; dependencies?: { code?: { specifier: string } }[] }[];
  };
  const base = new URL("./", import.meta.url).href;
  const local = (s: string) => s.startsWith(base);
  const edges = new Map<string, string[]>();
  for (const m of graph.modules) {
    if (!local(m.specifier)) continue;
    const deps = (m.dependencies ?? []).map((d) => d.code?.specifier ?? "").filter(local);
    edges.set(m.specifier, deps);
  }
  assert.ok(edges.size > 10, `read the graph: ${edges.size} modules`);
  // Depth-first search; a grey node met again closes a circle.
  const colour = new Map<string, "grey" | "black">();
  const path: string[] = [];
  const visit = (node: string): void => {
    colour.set(node, "grey");
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (colour.get(next) === "grey") {
        const circle = path.slice(path.indexOf(next)).map((s) => s.slice(base.length));
        assert.fail(`import circle: ${[...circle, next.slice(base.length)].join(" → ")}`);
      }
      if (!colour.has(next)) visit(next);
    }
    path.pop();
    colour.set(node, "black");
  };
  for (const node of edges.keys()) if (!colour.has(node)) visit(node);
});
