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

/** Where `build.ts` writes prebuilt assets; a compiled binary reads them from here (`--include`). */
export const PREBUILT_DIR: string = join(ROOT, "static", "build");

/** True when this process can run `deno bundle` (a `deno` executable, not a compiled binary). */
function canBundle(): boolean {
  return /^deno(\.exe)?$/.test(Deno.execPath().split(/[\\/]/).pop() ?? "");
}

async function assemble(
  css: Uint8Array,
  js: Map<string, Uint8Array>,
  names: string[],
  error?: string,
): Promise<Assets> {
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

/** Loads assets written by {@linkcode writeAssets}. */
export async function loadPrebuilt(dir: string = PREBUILT_DIR): Promise<Assets> {
  const manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json"))) as {
    islands: string[];
    files: string[];
  };
  const js = new Map<string, Uint8Array>();
  for (const name of manifest.files) js.set(name, await Deno.readFile(join(dir, name)));
  return await assemble(await Deno.readFile(join(dir, "app.css")), js, manifest.islands);
}

/**
 * Builds the island bundles and the stylesheet: with `deno bundle` when this
 * process runs under `deno`, else (a compiled binary) from the prebuilt
 * directory. Never throws: without bundles the pages work without scripts,
 * and `error` says why.
 */
export async function buildAssets(options: { prebuiltDir?: string } = {}): Promise<Assets> {
  const prebuiltDir = options.prebuiltDir ?? PREBUILT_DIR;
  const prebuilt = () => loadPrebuilt(prebuiltDir).catch(() => null);
  if (!canBundle()) {
    const found = await prebuilt();
    if (found) return found;
  }
  let css: Uint8Array;
  try {
    css = await readCss();
  } catch (e) {
    const found = await prebuilt();
    if (found) return found;
    const error = `stylesheet unavailable: ${(e as Error).message}`;
    console.error(`tracehouse: ${error}`);
    return await assemble(new Uint8Array(), new Map(), [], error);
  }
  let js = new Map<string, Uint8Array>();
  let error: string | undefined;
  const names = await islandNames().catch(() => [] as string[]);
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-ui-" });
  try {
    if (!canBundle()) throw new Error("deno bundle needs the deno executable; no prebuilt assets");
    js = await bundle(names, dir);
  } catch (e) {
    const found = await prebuilt();
    if (found) return found;
    error = (e as Error).message;
    console.error(`tracehouse: island bundles unavailable, pages work without scripts: ${error}`);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return await assemble(css, js, names, error);
}

/**
 * Bundles the islands and writes them with the stylesheet and a manifest to
 * `dir` (default `static/build/`), for binaries built with `deno compile
 * --include static/build`.
 */
export async function writeAssets(dir: string = PREBUILT_DIR): Promise<string[]> {
  const assets = await buildAssets({ prebuiltDir: join(dir, "does-not-exist") });
  if (assets.error) throw new Error(`Cannot build the dashboard assets: ${assets.error}`);
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, file] of assets.files) {
    await Deno.writeFile(join(dir, name), file.body);
    written.push(name);
  }
  const manifest = {
    islands: [...assets.islands.keys()],
    files: written.filter((n) => n.endsWith(".js")),
  };
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return [...written, "manifest.json"];
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
