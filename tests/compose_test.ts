/**
 * Validates compose.yaml without a Docker engine: renders it with compose-go (the Compose
 * Specification's reference loader, which `docker compose` itself uses: JSON-schema validation,
 * interpolation, normalisation, consistency checks), then checks what a renderer cannot: every
 * referenced file exists (build contexts, Dockerfiles and their COPY sources) and every
 * environment variable is both documented and actually read by the service it is given to.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { assertSuccess, requireTool, run } from "../collector/test_support.ts";
import { OPTIONS } from "../config.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const COMPOSE_FILE = `${ROOT}compose.yaml`;
const DOCS = `${ROOT}collector/README.md`;
const ENV_EXAMPLE = `${ROOT}.env.example`;

/** The variables `.env.example` asks for, filled with values as a user would. */
async function exampleEnv(): Promise<Record<string, string>> {
  const text = await Deno.readTextFile(ENV_EXAMPLE);
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)) env[m[1]] = m[2] || `test-${m[1]}`;
  return env;
}

const hasGo = await requireTool("go", ["version"]);

/** The compose-go CLI (v2.16.2), built into the cache by `.ci/setup.d/62-compose-go.sh`. */
let composeGo: Promise<string> | undefined;
function composeGoBinary(): Promise<string> {
  return composeGo ??= run("bash", [`${ROOT}.ci/setup.d/62-compose-go.sh`]).then((out) => {
    assertSuccess("building the compose-go CLI", out);
    return out.stdout.trim().split("\n").at(-1)!;
  });
}
const hasPython = await requireTool("python3", ["--version"]);

interface Service {
  build?: { context: string; dockerfile: string };
  image?: string;
  environment?: Record<string, string | null>;
  healthcheck?: { test: string[] };
  ports?: { host_ip?: string; published?: string; target: number }[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: { type: string; source: string }[];
}

interface Project {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/**
 * Renders compose.yaml with only the variables of a bare shell plus those `.env.example` asks
 * for, so the defaults are used.
 */
async function render(extra?: Record<string, string>): Promise<Project> {
  const result = await renderRaw(extra ?? await exampleEnv());
  if (result.code !== 0) {
    throw new Error(
      `compose-go config of ${COMPOSE_FILE} exited with ${result.code}:\n${result.output}`,
    );
  }
  return JSON.parse(result.stdout) as Project;
}

/**
 * Runs compose-go on compose.yaml with the required (`${NAME:?…}`) variables of `extra` filled
 * in. They are filled in the text, as `.env` would fill them: the compose-go CLI (v2.16.2)
 * interpolates from the file's defaults only (its `LoadModel` does not pass the process
 * environment on). The text goes in on stdin, so relative paths still resolve from the root.
 */
async function renderRaw(extra: Record<string, string>) {
  const keep = ["PATH", "HOME"];
  const env: Record<string, string> = {};
  for (const k of keep) {
    const v = Deno.env.get(k);
    if (v !== undefined) env[k] = v;
  }
  const text = (await Deno.readTextFile(COMPOSE_FILE)).replace(
    /\$\{([A-Z0-9_]+):\?[^}]*\}/g,
    (whole, name: string) => extra[name] ?? whole,
  );
  const child = new Deno.Command(await composeGoBinary(), {
    args: ["--format", "json", "-"],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const stdout = decode(out.stdout);
  return { code: out.code, stdout, output: stdout + decode(out.stderr) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Sources of COPY/ADD lines of a Dockerfile (copies from another stage excluded). */
function copySources(dockerfile: string): string[] {
  const sources: string[] = [];
  for (const line of dockerfile.split("\n")) {
    const m = /^\s*(?:COPY|ADD)\s+(.+)$/i.exec(line);
    if (!m || /--from=/.test(m[1])) continue;
    const parts = m[1].split(/\s+/).filter((p) => !p.startsWith("--"));
    sources.push(...parts.slice(0, -1));
  }
  return sources;
}

Deno.test({
  name: "compose.yaml renders with compose-go: services, health checks, volumes, dependencies",
  ignore: !hasGo,
  async fn() {
    const project = await render();
    deepStrictEqual(
      Object.keys(project.services).sort(),
      ["clickhouse", "collector", "pricing", "shop", "tracehouse"],
    );
    for (const [name, service] of Object.entries(project.services)) {
      ok(service.healthcheck?.test?.length, `service ${name} has no health check`);
      for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) {
        ok(project.services[dep], `${name} depends on unknown service ${dep}`);
        if (condition === "service_healthy") {
          ok(project.services[dep].healthcheck, `${name} waits for ${dep}, which has no check`);
        }
      }
    }
    const usedVolumes = Object.values(project.services).flatMap((s) =>
      (s.volumes ?? []).filter((v) => v.type === "volume").map((v) => v.source)
    );
    deepStrictEqual(
      [...new Set(usedVolumes)].sort(),
      Object.keys(project.volumes ?? {}).sort(),
      "every named volume is declared and used",
    );
    ok(usedVolumes.includes("clickhouse-data"), "ClickHouse data lives in a named volume");
  },
});

Deno.test({
  name: "compose.yaml: build contexts, Dockerfiles and their COPY sources exist",
  ignore: !hasGo,
  async fn() {
    const project = await render();
    const built = Object.entries(project.services).filter(([, s]) => s.build);
    deepStrictEqual(built.map(([n]) => n).sort(), ["collector", "pricing", "shop", "tracehouse"]);
    for (const [name, { build }] of built) {
      const dockerfile = `${build!.context}/${build!.dockerfile}`;
      ok(await exists(dockerfile), `${name}: ${dockerfile} is missing`);
      const text = await Deno.readTextFile(dockerfile);
      ok(/^HEALTHCHECK /m.test(text), `${name}: ${dockerfile} has no HEALTHCHECK`);
      for (const src of copySources(text)) {
        ok(await exists(`${build!.context}/${src}`), `${name}: COPY source ${src} is missing`);
      }
    }
  },
});

/** Variables the official images and OpenTelemetry SDKs read (not visible in our sources). */
const EXTERNAL_ENV: Record<string, readonly string[]> = {
  clickhouse: [
    "CLICKHOUSE_DB",
    "CLICKHOUSE_USER",
    "CLICKHOUSE_PASSWORD",
    "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT",
  ],
};

Deno.test({
  name: "compose.yaml: every variable is documented, defaulted and read by its service",
  ignore: !hasGo,
  async fn() {
    const compose = await Deno.readTextFile(COMPOSE_FILE);
    const docs = await Deno.readTextFile(DOCS);
    const code = compose.split("\n").filter((l) => !l.trimStart().startsWith("#")).join("\n");
    const required = Object.keys(await exampleEnv());
    for (const m of code.matchAll(/\$\{([A-Z0-9_]+)([^}]*)\}/g)) {
      // Secrets have no default: they come from .env, which .env.example describes.
      const secret = m[2].startsWith(":?") && required.includes(m[1]);
      ok(m[2].startsWith(":-") || secret, `\${${m[1]}} in compose.yaml has no default`);
      ok(docs.includes(`\`${m[1]}\``), `\${${m[1]}} is not documented in collector/README.md`);
    }
    const project = await render();
    const sources: Record<string, string> = {
      collector: await Deno.readTextFile(`${ROOT}collector/config.yaml`),
      shop: await Deno.readTextFile(`${ROOT}demo/shop/main.ts`) +
        await Deno.readTextFile(`${ROOT}sdk/config.ts`),
      pricing: await Deno.readTextFile(`${ROOT}demo/pricing/app.py`) +
        await Deno.readTextFile(`${ROOT}python/src/tracehouse/config.py`),
    };
    const tracehouseEnv = new Set(OPTIONS.map((o) => o.env));
    for (const [name, service] of Object.entries(project.services)) {
      for (const key of Object.keys(service.environment ?? {})) {
        const known = name === "tracehouse"
          ? tracehouseEnv.has(key)
          : name === "collector"
          ? sources.collector.includes(`\${env:${key}`)
          : (EXTERNAL_ENV[name] ?? []).includes(key) || (sources[name] ?? "").includes(`"${key}"`);
        ok(known, `service ${name} is given ${key}, which nothing in it reads`);
      }
    }
  },
});

Deno.test({
  name: "compose.yaml: ports on 127.0.0.1 only, tokens required from .env, Tracehouse not root",
  ignore: !hasGo,
  async fn() {
    const project = await render();
    for (const [name, service] of Object.entries(project.services)) {
      for (const port of service.ports ?? []) {
        deepStrictEqual(
          port.host_ip,
          "127.0.0.1",
          `${name} publishes ${port.target} beyond loopback`,
        );
      }
    }
    const env = project.services.tracehouse.environment ?? {};
    ok(env.TRACEHOUSE_INGEST_TOKEN && env.TRACEHOUSE_QUERY_TOKEN, "tokens reach Tracehouse");
    ok(!("TRACEHOUSE_ALLOW_INSECURE_BIND" in env), "no opt-out of the bind check");
    const withoutTokens = await renderRaw({});
    ok(withoutTokens.code !== 0, "compose must refuse to render without the tokens");
    ok(
      /copy \.env\.example to \.env/.test(withoutTokens.output),
      withoutTokens.output,
    );
    const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);
    const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
    ok(user && user !== "root" && user !== "0", `the image runs as ${user ?? "root"}`);
  },
});

Deno.test({
  name: "demo services: the TypeScript one type-checks, the Python one compiles",
  ignore: !hasPython,
  async fn() {
    assertSuccess(
      "python3 -m py_compile demo/pricing/app.py",
      await run("python3", ["-m", "py_compile", `${ROOT}demo/pricing/app.py`]),
    );
    assertSuccess(
      "deno check demo/shop/main.ts",
      await run(Deno.execPath(), ["check", `${ROOT}demo/shop/main.ts`], { cwd: ROOT }),
    );
  },
});
