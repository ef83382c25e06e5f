/**
 * Browser assets of the dashboard: one bundle per island (`islands/*.tsx`)
 * with shared chunks, built by `deno bundle` (esbuild inside Deno) at startup,
 * plus one CSS file (`static/app.css` with uPlot's stylesheet). Everything is
 * held in memory, gzipped once, and served under a content hash with
 * `Cache-Control: immutable`.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** One built file. */
export interface Asset {
  body: Uint8Array;
  gzip: Uint8Array;
  type: string;
}

/** The built assets and how pages reference them. */
export interface Assets {
  /** URL prefix, `/static/<hash>/`. */
  base: string;
  files: Map<string, Asset>;
  /** `app.css` URL. */
  css: string;
  /** Island name → its entry URL and the chunk URLs it imports. */
  islands: Map<string, { entry: string; chunks: string[] }>;
  /** Why bundling failed (pages then work without scripts). */
  error?: string;
}

const ROOT = fromFileUrl(new URL("../../", import.meta.url));
const ISLANDS_DIR = join(ROOT, "islands");
const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function hashOf(parts: Uint8Array[]): Promise<string> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Names of the islands: PascalCase `.tsx` files in `islands/`. */
export async function islandNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(ISLANDS_DIR)) {
    const m = /^([A-Z][A-Za-z0-9]*)\.tsx$/.exec(entry.name);
    if (entry.isFile && m) names.push(m[1]);
  }
  return names.sort();
}

async function bundle(names: string[], dir: string): Promise<Map<string, Uint8Array>> {
  const entries: string[] = [];
  await Deno.mkdir(join(dir, "entries"));
  for (const name of names) {
    const file = join(dir, "entries", `${name}.ts`);
    const component = new URL(`../../islands/${name}.tsx`, import.meta.url).href;
    const boot = new URL("../../islands/boot.ts", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      `import C from ${JSON.stringify(component)};\nimport { boot } from ${
        JSON.stringify(boot)
      };\nboot(${JSON.stringify(name)}, C);\n`,
    );
    entries.push(file);
  }
  const out = join(dir, "out");
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--config",
      join(ROOT, "deno.json"),
      "--platform",
      "browser",
      "--code-splitting",
      "--minify",
      "--outdir",
      out,
      ...entries,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(result.stderr).slice(-2000)}`);
  }
  const files = new Map<string, Uint8Array>();
  for await (const entry of Deno.readDir(out)) {
    if (entry.isFile && entry.name.endsWith(".js")) {
      files.set(entry.name, await Deno.readFile(join(out, entry.name)));
    }
  }
  return files;
}

async function readCss(): Promise<Uint8Array> {
  const own = await Deno.readTextFile(join(ROOT, "static", "app.css"));
  let uplot = "";
  try {
    const url = import.meta.resolve("uplot/dist/uPlot.min.css");
    uplot = await Deno.readTextFile(fromFileUrl(url));
  } catch {
    // Without uPlot's stylesheet charts still draw; only their overlay layout degrades.
  }
  return new TextEncoder().encode(`${uplot}\n${own}`);
}

/** Chunks an entry imports (`from"./chunk-X.js"`), transitively. */
function chunksOf(
  file: string,
  files: Map<string, Uint8Array>,
  seen = new Set<string>(),
): string[] {
  const text = new TextDecoder().decode(files.get(file));
  for (const m of text.matchAll(/(?:from|import)\s*["']\.\/(chunk-[A-Za-z0-9_-]+\.js)["']/g)) {
    if (!seen.has(m[1])) {
      seen.add(m[1]);
      chunksOf(m[1], files, seen);
    }
  }
  return [...seen];
}

/** Builds the island bundles and the stylesheet. Never throws: failures land in `error`. */
export async function buildAssets(): Promise<Assets> {
  const css = await readCss();
  let js = new Map<string, Uint8Array>();
  let error: string | undefined;
  const names = await islandNames();
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-ui-" });
  try {
    js = await bundle(names, dir);
  } catch (e) {
    error = (e as Error).message;
    console.error(`tracehouse: island bundles unavailable, pages work without scripts: ${error}`);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const sorted = [...js.keys()].sort();
  const hash = await hashOf([css, ...sorted.map((k) => js.get(k)!)]);
  const base = `/static/${hash}/`;
  const files = new Map<string, Asset>();
  files.set("app.css", { body: css, gzip: await gzip(css), type: TYPES.css });
  for (const [name, body] of js) {
    files.set(name, { body, gzip: await gzip(body), type: TYPES.js });
  }
  const islands = new Map<string, { entry: string; chunks: string[] }>();
  for (const name of names) {
    if (!js.has(`${name}.js`)) continue;
    islands.set(name, {
      entry: `${base}${name}.js`,
      chunks: chunksOf(`${name}.js`, js).map((c) => `${base}${c}`),
    });
  }
  return { base, files, css: `${base}app.css`, islands, error };
}

/** JavaScript URLs a page with `islandsUsed` loads (entries and chunks, deduplicated). */
export function scriptsFor(assets: Assets, islandsUsed: string[]): {
  entries: string[];
  chunks: string[];
} {
  const entries: string[] = [];
  const chunks = new Set<string>();
  for (const name of islandsUsed) {
    const built = assets.islands.get(name);
    if (!built) continue;
    entries.push(built.entry);
    built.chunks.forEach((c) => chunks.add(c));
  }
  return { entries, chunks: [...chunks] };
}
