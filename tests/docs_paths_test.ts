/**
 * Docs say only what exists: every repository path the docs name in backquotes
 * (`otlp/ingest.ts`, `sql/native/`) and every relative link resolves to a file
 * or folder in the repository.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
// A path: segments of name characters joined by "/", optionally ending in "/" or a line (":12").
const PATH = /^([A-Za-z0-9_.-]+\/)+[A-Za-z0-9_.-]*(:\d+(-\d+)?)?$/;
const LINK = /\]\(([^)\s]+)\)/g;
const CODE = /`([^`\n]+)`/g;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when git ignores `path`: a build output the docs may name (`sdk/npm/dist`) that exists only
 * after a build, so a clean clone lacks it.
 */
async function ignoredByGit(path: string): Promise<boolean> {
  const { code } = await new Deno.Command("git", {
    // As a file and as a folder: an ignore pattern ending in "/" matches only the folder.
    args: ["check-ignore", "--no-index", path, `${path.replace(/\/$/, "")}/`],
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  }).output();
  return code === 0;
}

async function topLevel(): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir(ROOT)) {
    if (entry.isDirectory && !entry.name.startsWith(".") && entry.name !== "node_modules") {
      names.add(entry.name);
    }
  }
  return names;
}

async function docs(): Promise<string[]> {
  const files = [join(ROOT, "README.md")];
  for await (const entry of Deno.readDir(join(ROOT, "docs"))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(join(ROOT, "docs", entry.name));
  }
  return files.sort();
}

/** Paths a doc names that do not exist, as `doc: path`. */
async function missingIn(file: string, dirs: Set<string>): Promise<string[]> {
  const text = await Deno.readTextFile(file);
  const name = relative(ROOT, file);
  const missing: string[] = [];
  for (const [, code] of text.matchAll(CODE)) {
    const path = code.trim();
    if (!PATH.test(path) || !dirs.has(path.split("/")[0])) continue;
    const target = join(ROOT, path.replace(/:\d+(-\d+)?$/, ""));
    if (!await exists(target) && !await ignoredByGit(path.replace(/:\d+(-\d+)?$/, ""))) {
      missing.push(`${name}: \`${path}\``);
    }
  }
  for (const [, link] of text.matchAll(LINK)) {
    if (/^([a-z]+:|#|\/)/.test(link)) continue;
    const target = join(dirname(file), decodeURIComponent(link.split("#")[0]));
    if (!await exists(target)) missing.push(`${name}: (${link})`);
  }
  return missing;
}

Deno.test("docs: every repository path and relative link named in docs/*.md and README.md exists", async () => {
  const dirs = await topLevel();
  assert.ok(dirs.has("sql") && dirs.has("otlp"), "read the repository's top level");
  const missing = (await Promise.all((await docs()).map((f) => missingIn(f, dirs)))).flat();
  assert.deepEqual(
    missing,
    [],
    `named in the docs but not in the repository:\n${missing.join("\n")}`,
  );
});
