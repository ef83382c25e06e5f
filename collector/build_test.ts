/**
 * Builds the collector distribution with collector/build.sh (cached outside the repository), then
 * checks it: `validate` accepts collector/config.yaml, and the distribution holds exactly the
 * components that the configs use (config.yaml and the Helm chart's agent and gateway tiers).
 */
import { deepStrictEqual } from "node:assert/strict";
import { assertSuccess, COLLECTOR_DIR, requireTool, run } from "./test_support.ts";

const hasGo = await requireTool("go", ["version"]);

/** Builds (or reuses) the distribution and returns the binary's path. */
export async function buildCollector(): Promise<string> {
  const result = await run("bash", [`${COLLECTOR_DIR}build.sh`]);
  assertSuccess("collector/build.sh", result);
  return result.stdout.trim().split("\n").at(-1)!;
}

/** Component types per section of a collector config, read from its top-level YAML keys. */
function componentTypes(yaml: string, sections: string[]): Record<string, string[]> {
  const found: Record<string, Set<string>> = {};
  let section = "";
  for (const line of yaml.split("\n")) {
    const top = /^([a-z_]+):/.exec(line);
    if (top) section = top[1];
    const child = /^ {2}([a-z_]+)(?:\/[^:]*)?:/.exec(line);
    if (child && sections.includes(section)) {
      (found[section] ??= new Set()).add(child[1]);
    }
  }
  return Object.fromEntries(sections.map((s) => [s, [...(found[s] ?? [])].sort()]));
}

const SECTIONS = ["receivers", "processors", "exporters", "extensions"];

Deno.test({
  name: "collector distribution builds, validates config.yaml, has exactly the used components",
  // (used: by config.yaml or by the Helm chart's tiers, deploy/helm/collector/files/)
  ignore: !hasGo,
  async fn() {
    const bin = await buildCollector();
    assertSuccess(
      "validate --config collector/config.yaml",
      await run(bin, ["validate", `--config=${COLLECTOR_DIR}config.yaml`]),
    );
    const components = await run(bin, ["components"]);
    assertSuccess("components", components);
    // `components` prints "section:" then "    - name: type" entries.
    const built = componentTypes(
      components.stdout.replace(/^ {4}- name: (\S+)$/gm, "  $1:").replace(/^ {4,}.*$/gm, ""),
      SECTIONS,
    );
    const configs = [
      `${COLLECTOR_DIR}config.yaml`,
      `${COLLECTOR_DIR}../deploy/helm/collector/files/agent.yaml`,
      `${COLLECTOR_DIR}../deploy/helm/collector/files/gateway.yaml`,
    ];
    const used: Record<string, string[]> = {};
    for (const file of configs) {
      for (
        const [section, types] of Object.entries(
          componentTypes(await Deno.readTextFile(file), SECTIONS),
        )
      ) {
        used[section] = [...new Set([...(used[section] ?? []), ...types])].sort();
      }
    }
    deepStrictEqual(built, used);
  },
});

Deno.test({
  name: "collector config validates with every documented env override",
  ignore: !hasGo,
  async fn() {
    const bin = await buildCollector();
    const env = {
      OTELCOL_BIND_HOST: "127.0.0.1",
      FILTER_HEALTH_PATHS: "a^",
      FILTER_LOG_MIN_SEVERITY: "1",
      TAIL_SAMPLING_DECISION_WAIT: "1s",
      TAIL_SAMPLING_PERCENT: "100",
      TAIL_SAMPLING_SLOW_MS: "250",
      CLICKHOUSE_ENDPOINT: "http://127.0.0.1:8123",
      CLICKHOUSE_ASYNC_INSERT: "false",
      CLICKHOUSE_FLUSH_TIMEOUT: "200ms",
      ERROR_FINGERPRINT_MAX_FRAMES: "3",
    };
    assertSuccess(
      "validate with env overrides",
      await run(bin, ["validate", `--config=${COLLECTOR_DIR}config.yaml`], { env }),
    );
  },
});
