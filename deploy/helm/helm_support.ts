/**
 * Helpers for deploy/helm's tests: the Helm and helmcheck binaries (built by build.sh into the
 * cache), a scratch copy of the charts with the umbrella's dependencies built, and one call that
 * lints, renders and checks a chart with a set of values.
 *
 * @module
 */
import { assertSuccess, run, type RunResult } from "../../collector/test_support.ts";

/** This folder, as a path. */
export const HELM_DIR: string = new URL(".", import.meta.url).pathname;

/** The two binaries that build.sh makes. */
export interface HelmTools {
  /** Helm, built from helm.sh/helm/v4. */
  helm: string;
  /** The checker in check/. */
  helmcheck: string;
}

/** Builds (or reuses) Helm and helmcheck; the setup script has usually built them already. */
export async function buildTools(): Promise<HelmTools> {
  const result = await run("bash", [`${HELM_DIR}build.sh`]);
  assertSuccess("deploy/helm/build.sh", result);
  const [helm, helmcheck] = result.stdout.trim().split("\n").slice(-2);
  return { helm, helmcheck };
}

/**
 * Copies the charts to a scratch directory and builds the umbrella chart's dependencies there
 * (`helm dependency build` packs the sibling charts into charts/; the repository stays clean).
 */
export async function scratchCharts(helm: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-helm-" });
  for await (const entry of Deno.readDir(HELM_DIR)) {
    if (entry.isDirectory && entry.name !== "check") {
      assertSuccess("cp", await run("cp", ["-r", `${HELM_DIR}${entry.name}`, dir]));
    }
  }
  assertSuccess(
    "helm dependency build",
    await run(helm, ["dependency", "build", `${dir}/tracehouse-stack`]),
  );
  return dir;
}

/** What one chart is rendered with. */
export interface RenderCase {
  /** Chart folder name under deploy/helm. */
  chart: string;
  /** Release name (default `rel`). */
  release?: string;
  /** Values files inside the chart folder (besides its values.yaml). */
  values?: string[];
  /** `--set` expressions. */
  set?: string[];
  /** Secrets the manifests use but do not create. */
  externalSecrets?: string[];
}

/** helmcheck's JSON report (deploy/helm/check/main.go, `Report`). */
export interface CheckReport {
  objects: number;
  kinds: Record<string, number>;
  clickhouse?: {
    cluster: string;
    shards: string[][];
    macros: { pod: string; shard: string; replica: string }[];
    keepers: string[];
    users: string[];
    servers: {
      pod: string;
      fqdn: string;
      env: Record<string, string>;
      files: Record<string, string>;
    }[];
  };
  collectors?: Record<string, { workload: string; config: string; env: Record<string, string> }>;
  migration?: { job: string; env: Record<string, string> };
  tracehouse?: { workload: string; args: string[]; env: Record<string, string> }[];
  problems: string[];
}

function helmArgs(dir: string, c: RenderCase): string[] {
  return [
    `${dir}/${c.chart}`,
    ...(c.values ?? []).flatMap((v) => ["-f", `${dir}/${c.chart}/${v}`]),
    ...(c.set ?? []).flatMap((s) => ["--set", s]),
  ];
}

/** `helm lint --strict` with the case's values. */
export function lint(tools: HelmTools, dir: string, c: RenderCase): Promise<RunResult> {
  return run(tools.helm, ["lint", "--strict", ...helmArgs(dir, c)]);
}

/** `helm template` with the case's values. */
export function template(tools: HelmTools, dir: string, c: RenderCase): Promise<RunResult> {
  return run(tools.helm, [
    "template",
    c.release ?? "rel",
    ...helmArgs(dir, c),
    "--namespace",
    "observability",
  ]);
}

/** Runs helmcheck on a rendered manifest; returns its exit code, report and messages. */
export async function check(
  tools: HelmTools,
  manifest: string,
  externalSecrets: string[] = [],
): Promise<{ code: number; report: CheckReport; output: string }> {
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(file, manifest);
    const result = await run(tools.helmcheck, [
      ...externalSecrets.flatMap((s) => ["-external-secret", s]),
      `-collector-base=${HELM_DIR}../../collector/config.yaml`,
      file,
    ]);
    // output: the messages (stderr) without the report.
    const output = result.output.slice(result.stdout.length);
    return { code: result.code, report: JSON.parse(result.stdout), output };
  } finally {
    await Deno.remove(file);
  }
}
