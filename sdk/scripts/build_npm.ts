/**
 * Builds the npm package of `@tracehouse/sdk` into `sdk/npm/dist` (ESM + `.d.ts`) with the
 * TypeScript compiler from `sdk/npm/node_modules`, after checking that `sdk/npm/package.json`
 * matches `sdk/deno.json` (version, exports, dependency versions). With `--pack` it then runs
 * `npm pack --dry-run` and checks the file list.
 *
 * Run: `deno task --cwd sdk build:npm` (or `deno run -A sdk/scripts/build_npm.ts --pack`).
 *
 * @module
 */
const sdkDir = new URL("../", import.meta.url);
const npmDir = new URL("npm/", sdkDir);
// A private work directory per build, so concurrent builds do not clash.
const buildDir = new URL(`.build/${Deno.pid}-${crypto.randomUUID().slice(0, 8)}/`, npmDir);

interface DenoJson {
  version: string;
  exports: Record<string, string>;
  imports: Record<string, string>;
}
interface PackageJson {
  version: string;
  exports: Record<string, { import: string; types: string }>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** Differences between `deno.json` and `package.json`; empty when they agree. */
export function validatePackage(deno: DenoJson, pkg: PackageJson): string[] {
  const problems: string[] = [];
  if (deno.version !== pkg.version) {
    problems.push(`version: deno.json ${deno.version} != package.json ${pkg.version}`);
  }
  for (const [key, source] of Object.entries(deno.exports)) {
    const js = `./dist/${source.replace(/^\.\//, "").replace(/\.ts$/, ".js")}`;
    if (pkg.exports[key]?.import !== js) problems.push(`exports["${key}"] should import ${js}`);
    if (pkg.exports[key]?.types !== js.replace(/\.js$/, ".d.ts")) {
      problems.push(`exports["${key}"] should have types ${js.replace(/\.js$/, ".d.ts")}`);
    }
  }
  for (const key of Object.keys(pkg.exports)) {
    if (!(key in deno.exports)) problems.push(`package.json exports "${key}" missing in deno.json`);
  }
  for (const [name, spec] of Object.entries(deno.imports)) {
    const version = spec.replace(/^npm:/, "").slice(name.length + 1);
    const wanted = pkg.dependencies[name] ?? pkg.devDependencies[name];
    if (wanted !== version) {
      problems.push(`${name}: deno.json ${version} != package.json ${wanted}`);
    }
  }
  return problems;
}

async function run(cmd: string, args: string[], cwd: URL): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${text}`);
  return text;
}

async function copySources(from: URL, to: URL, rel = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(new URL(rel, from))) {
    const path = `${rel}${entry.name}`;
    if (entry.isDirectory) {
      if (["npm", "scripts", "examples", "fixtures", "node_modules"].includes(entry.name)) continue;
      await Deno.mkdir(new URL(path, to), { recursive: true });
      files.push(...await copySources(from, to, `${path}/`));
    } else if (
      entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts") &&
      entry.name !== "test_support.ts"
    ) {
      await Deno.copyFile(new URL(path, from), new URL(path, to));
      files.push(path);
    }
  }
  return files;
}

/** A digest of the sources and package.json: equal digests need no rebuild. */
async function sourceHash(src: URL, files: string[], pkg: string): Promise<string> {
  const parts = [pkg];
  for (const file of [...files].sort()) {
    parts.push(file, await Deno.readTextFile(new URL(file, src)));
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\0")));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** TypeScript keeps `.ts` specifiers in declarations; point them at the emitted files. */
async function rewriteDeclarations(dir: URL): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) await rewriteDeclarations(url);
    else if (entry.name.endsWith(".d.ts")) {
      const text = await Deno.readTextFile(url);
      await Deno.writeTextFile(
        url,
        text.replace(/((?:from|import\()\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g, "$1$2.js$3"),
      );
    }
  }
}

/** Type-checks a small consumer of the build in `out`, as an npm user would compile it. */
async function checkConsumer(out: URL): Promise<void> {
  const dir = new URL("consumer/", buildDir);
  const rel = `../${out.pathname.slice(buildDir.pathname.length)}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    new URL("main.ts", dir),
    [
      `import { counter, instrumentApp, log, shutdown, withSpan } from "${rel}mod.js";`,
      `import { startOtlpReceiver } from "${rel}testing/otlp_receiver.js";`,
      'const handler = instrumentApp((_req: Request) => new Response("ok"), { serviceName: "x" });',
      'const n: number = withSpan("s", () => 1);',
      'counter("c").add(n);',
      'log.info("m", { k: 1 });',
      "void handler; void startOtlpReceiver; void shutdown();",
    ].join("\n"),
  );
  await run(new URL("node_modules/.bin/tsc", npmDir).pathname, [
    "--noEmit",
    "--strict",
    "--module",
    "NodeNext",
    "--moduleResolution",
    "NodeNext",
    "--target",
    "ES2022",
    "--lib",
    "ES2022,DOM",
    "--types",
    "node",
    "--typeRoots",
    new URL("node_modules/@types", npmDir).pathname,
    "main.ts",
  ], dir);
}

/**
 * Builds `sdk/npm/dist`; with `pack: true` also runs and checks `npm pack --dry-run`.
 *
 * @example
 * ```ts ignore
 * import { buildNpm } from "./build_npm.ts";
 * await buildNpm({ pack: true });
 * ```
 */
export async function buildNpm(options: { pack?: boolean } = {}): Promise<void> {
  const deno = JSON.parse(await Deno.readTextFile(new URL("deno.json", sdkDir))) as DenoJson;
  const pkg = JSON.parse(await Deno.readTextFile(new URL("package.json", npmDir))) as PackageJson;
  const problems = validatePackage(deno, pkg);
  if (problems.length) {
    throw new Error(`package.json disagrees with deno.json:\n${problems.join("\n")}`);
  }
  try {
    await Deno.stat(new URL("node_modules/.bin/tsc", npmDir));
  } catch {
    console.log("installing sdk/npm dependencies (npm ci)…");
    await run("npm", ["ci", "--no-audit", "--no-fund"], npmDir);
  }
  const dist = new URL("dist/", npmDir);
  try {
    await Deno.mkdir(new URL("src/", buildDir), { recursive: true });
    const files = await copySources(sdkDir, new URL("src/", buildDir));
    const hash = await sourceHash(new URL("src/", buildDir), files, JSON.stringify(pkg));
    const built = await Deno.readTextFile(new URL(".build-hash", dist)).catch(() => "");
    if (built === hash) {
      console.log("sdk/npm/dist is up to date");
    } else {
      const tsconfig = {
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM", "DOM.Iterable"],
          types: ["node"],
          typeRoots: [new URL("node_modules/@types", npmDir).pathname],
          declaration: true,
          rewriteRelativeImportExtensions: true,
          strict: true,
          skipLibCheck: true,
          outDir: "out",
          rootDir: "src",
        },
        files: files.map((f) => `src/${f}`),
      };
      await Deno.writeTextFile(new URL("tsconfig.json", buildDir), JSON.stringify(tsconfig));
      await Deno.writeTextFile(new URL("package.json", buildDir), '{ "type": "module" }\n');
      const tsc = new URL("node_modules/.bin/tsc", npmDir).pathname;
      await run(tsc, ["-p", "tsconfig.json"], buildDir);
      const out = new URL("out/", buildDir);
      await rewriteDeclarations(out);
      await checkConsumer(out);
      await Deno.writeTextFile(new URL(".build-hash", out), hash);
      // Swap the new build in with two renames, so concurrent readers rarely see no dist.
      await Deno.rename(dist, new URL("old/", buildDir)).catch(() => {});
      await Deno.rename(out, dist);
      console.log(`built ${files.length} modules into sdk/npm/dist (types checked as a consumer)`);
    }
  } finally {
    await Deno.remove(buildDir, { recursive: true }).catch(() => {});
  }
  if (options.pack) {
    const listing = await run("npm", ["pack", "--dry-run", "--json"], npmDir);
    const packed = JSON.parse(listing.slice(listing.indexOf("["))) as {
      files: { path: string }[];
    }[];
    const paths = new Set(packed[0].files.map((f) => f.path));
    for (const source of Object.values(deno.exports)) {
      const js = `dist/${source.replace(/^\.\//, "").replace(/\.ts$/, ".js")}`;
      for (const file of [js, js.replace(/\.js$/, ".d.ts")]) {
        if (!paths.has(file)) throw new Error(`npm pack is missing ${file}`);
      }
    }
    if ([...paths].some((p) => p.includes("_test") || p.startsWith("node_modules"))) {
      throw new Error("npm pack includes test files or node_modules");
    }
    console.log(`npm pack --dry-run: ${paths.size} files, exports present`);
  }
}

if (import.meta.main) await buildNpm({ pack: Deno.args.includes("--pack") });
