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

/** Type-checks a small consumer of the built package, as an npm user would compile it. */
async function checkConsumer(): Promise<void> {
  const dir = new URL("consumer/", buildDir);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    new URL("main.ts", dir),
    [
      'import { counter, instrumentApp, log, shutdown, withSpan } from "../../../dist/mod.js";',
      'import { startOtlpReceiver } from "../../../dist/testing/otlp_receiver.js";',
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
  await Deno.remove(buildDir, { recursive: true }).catch(() => {});
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
  await Deno.remove(buildDir, { recursive: true }).catch(() => {});
  await Deno.remove(new URL("dist/", npmDir), { recursive: true }).catch(() => {});
  await Deno.mkdir(new URL("src/", buildDir), { recursive: true });
  const files = await copySources(sdkDir, new URL("src/", buildDir));
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2022", "DOM", "DOM.Iterable"],
      types: ["node"],
      typeRoots: ["../../node_modules/@types"],
      declaration: true,
      rewriteRelativeImportExtensions: true,
      strict: true,
      skipLibCheck: true,
      outDir: "../../dist",
      rootDir: "src",
    },
    files: files.map((f) => `src/${f}`),
  };
  await Deno.writeTextFile(new URL("tsconfig.json", buildDir), JSON.stringify(tsconfig, null, 2));
  await Deno.writeTextFile(new URL("package.json", buildDir), '{ "type": "module" }\n');
  await run(new URL("node_modules/.bin/tsc", npmDir).pathname, ["-p", "tsconfig.json"], buildDir);
  await Deno.remove(buildDir, { recursive: true }).catch(() => {});
  await rewriteDeclarations(new URL("dist/", npmDir));
  await checkConsumer();
  console.log(`built ${files.length} modules into sdk/npm/dist (types checked as a consumer)`);
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
