/**
 * The Helm charts, checked without a cluster: `helm lint --strict` and `helm template` for every
 * chart and values file, every object decoded strictly into the Kubernetes API types with policy
 * checks (helmcheck), the ClickHouse/Keeper topology, the collector configs validated by the built
 * collector, and the migration Job's cluster DDL parsed by the engine and compared with the
 * single-node schema. Bad manifests are tests too: each check is shown to fail.
 */
import assert from "node:assert/strict";
import { assertSuccess, requireTool, run } from "../../collector/test_support.ts";
import { parseCommandLine } from "../../config.ts";
import { ChdbStore } from "../../sql/chdb.ts";
import { listMigrations, migrate, renderMigration } from "../../sql/migrate.ts";
import {
  columnNames,
  compareClusterDdl,
  compareStatements,
  explainAst,
  migrationStatements,
  storedColumnNames,
  tableAst,
} from "./ddl_check.ts";
import type { ProbeResult } from "./clickhouse_probe.ts";
import {
  buildTools,
  check,
  type HelmTools,
  lint,
  type RenderCase,
  scratchCharts,
  template,
} from "./helm_support.ts";

const hasGo = await requireTool("go", ["version"]);

let setup: Promise<{ tools: HelmTools; dir: string }> | undefined;
/** Builds the tools and the scratch charts once for every test of this file. */
function prepared(): Promise<{ tools: HelmTools; dir: string }> {
  setup ??= buildTools().then(async (tools) => {
    const dir = await scratchCharts(tools.helm);
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    return { tools, dir };
  });
  return setup;
}

const STACK = ["values.yaml", "values-dev.yaml", "values-production.yaml"];
const CASES: RenderCase[] = [
  ...STACK.map((v) => ({ chart: "tracehouse-stack", values: v === "values.yaml" ? [] : [v] })),
  // The longest release name the charts take: every name still within the API's limits.
  {
    chart: "tracehouse-stack",
    values: ["values-production.yaml"],
    release: "a-release-name-of-34-characters-xy",
  },
  { chart: "clickhouse" },
  { chart: "tracehouse", set: ["clickhouse.url=http://clickhouse:8123"] },
  { chart: "tracehouse", set: ["mode=embedded"] },
  {
    chart: "tracehouse",
    set: [
      "clickhouse.url=https://ch.example.com:8443",
      "clickhouse.passwordSecret.name=ch",
      "ingress.enabled=true",
      "autoscaling.enabled=false",
      "replicaCount=3",
    ],
    externalSecrets: ["ch"],
  },
  {
    chart: "collector",
    set: ["clickhouse.endpoint=tcp://clickhouse:9000", "clickhouse.passwordSecret.name=ch"],
    externalSecrets: ["ch"],
  },
];

function label(c: RenderCase): string {
  return [c.release ?? "", c.chart, ...(c.values ?? []), ...(c.set ?? [])].join(" ").trim();
}

/** Renders a case and asserts it lints and renders. */
async function rendered(c: RenderCase): Promise<string> {
  const { tools, dir } = await prepared();
  assertSuccess(`helm lint --strict ${label(c)}`, await lint(tools, dir, c));
  const result = await template(tools, dir, c);
  assertSuccess(`helm template ${label(c)}`, result);
  return result.stdout;
}

async function checked(c: RenderCase) {
  const { tools } = await prepared();
  const result = await check(tools, await rendered(c), c.externalSecrets);
  assert.equal(result.code, 0, `helmcheck ${label(c)}:\n${result.output}`);
  return result.report;
}

Deno.test({
  name: "helm: every chart and values file lints, renders, decodes strictly, passes the policy",
  ignore: !hasGo,
  async fn(t) {
    for (const c of CASES) {
      await t.step(label(c), async () => {
        const report = await checked(c);
        assert.deepEqual(report.problems, []);
        assert.ok(report.objects > 0);
      });
    }
  },
});

Deno.test({
  name: "helm: Tracehouse's own config parser accepts what every chart gives its containers",
  ignore: !hasGo,
  async fn(t) {
    for (const c of CASES.filter((c) => c.chart.startsWith("tracehouse"))) {
      await t.step(label(c), async () => {
        const report = await checked(c);
        assert.ok(report.tracehouse!.length > 0);
        for (const { workload, args, env } of report.tracehouse!) {
          const { command, config } = parseCommandLine(args, env);
          assert.ok(["serve", "migrate"].includes(command), workload);
          assert.equal(config.host, "0.0.0.0");
          // Listening beyond loopback: both doors have tokens.
          assert.ok(config.ingestToken && config.queryToken, workload);
          const embedded = c.set?.includes("mode=embedded") ?? false;
          assert.equal(config.clickhouseUrl === null, embedded, workload);
          if (report.clickhouse) {
            assert.equal(config.clickhouseCluster, report.clickhouse.cluster, workload);
          }
        }
      });
    }
  },
});

Deno.test({
  name: "helm: production stack has 3 keepers, 2 shards x 2 replicas, 2-10 gateways, 3+ servers",
  ignore: !hasGo,
  async fn() {
    const report = await checked({ chart: "tracehouse-stack", values: ["values-production.yaml"] });
    const ch = report.clickhouse!;
    assert.equal(ch.cluster, "tracehouse");
    assert.deepEqual(ch.shards.map((s) => s.length), [2, 2]);
    assert.equal(ch.keepers.length, 3);
    assert.equal(new Set(ch.macros.map((m) => `${m.shard}/${m.replica}`)).size, 4);
    assert.equal(report.migration!.env.CLICKHOUSE_CLUSTER, ch.cluster);
    // Every replica's DNS name is in remote_servers, under its own shard.
    for (const m of ch.macros) {
      assert.ok(ch.shards[Number(m.shard)].some((h) => h.startsWith(`${m.replica}.`)), m.pod);
    }
    const { stdout } = await template((await prepared()).tools, (await prepared()).dir, {
      chart: "tracehouse-stack",
      values: ["values-production.yaml"],
    });
    assert.match(
      stdout,
      /kind: HorizontalPodAutoscaler\nmetadata:\n {2}name: rel-collector-gateway\n[^]*?minReplicas: 2\n {2}maxReplicas: 10\n/,
    );
    assert.match(
      stdout,
      /kind: HorizontalPodAutoscaler\nmetadata:\n {2}name: rel-tracehouse\n[^]*?minReplicas: 3\n/,
    );
  },
});

Deno.test({
  name: "helm: the engine itself reads each replica's rendered config: its macros, the cluster",
  ignore: !hasGo,
  async fn(t) {
    for (const values of [["values-production.yaml"], ["values-dev.yaml"]]) {
      const ch = (await checked({ chart: "tracehouse-stack", values })).clickhouse!;
      const shardNumOf = new Map<string, number>(); // macro shard → shard_num in the engine
      for (const server of ch.servers) {
        await t.step(`${values[0]} ${server.pod}`, async () => {
          const probe = await probeClickHouse(server);
          const macros = ch.macros.find((m) => m.pod === server.pod)!;
          assert.deepEqual(probe.macros, {
            cluster: ch.cluster,
            replica: server.pod,
            shard: macros.shard,
          });
          const rows = probe.clusters.filter((r) => r.cluster === ch.cluster);
          assert.deepEqual(rows.map((r) => r.host_name).sort(), ch.shards.flat().sort());
          assert.equal(new Set(rows.map((r) => r.shard_num)).size, ch.shards.length);
          const own = rows.filter((r) => r.host_name === server.fqdn);
          assert.equal(own.length, 1, `${server.fqdn} once in the cluster`);
          const known = shardNumOf.get(macros.shard);
          if (known !== undefined) assert.equal(own[0].shard_num, known);
          shardNumOf.set(macros.shard, own[0].shard_num);
        });
      }
      // Distinct shard macros are distinct shards of remote_servers.
      assert.equal(new Set(shardNumOf.values()).size, shardNumOf.size);
    }
  },
});

/** Runs clickhouse_probe.ts on a pod's cluster config, with the pod's environment. */
async function probeClickHouse(
  server: { env: Record<string, string>; files: Record<string, string> },
): Promise<ProbeResult> {
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-helm-probe-" });
  try {
    const [, text] = Object.entries(server.files).find(([, text]) =>
      text.includes("<remote_servers")
    )!;
    await Deno.writeTextFile(`${dir}/cluster.xml`, text);
    const result = await run(Deno.execPath(), [
      "run",
      "-A",
      new URL("./clickhouse_probe.ts", import.meta.url).pathname,
      `${dir}/cluster.xml`,
      `${dir}/out.json`,
    ], { env: server.env });
    assertSuccess("clickhouse_probe.ts", result);
    return JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "helm: dev stack is one ClickHouse node, one keeper, one gateway",
  ignore: !hasGo,
  async fn() {
    const report = await checked({ chart: "tracehouse-stack", values: ["values-dev.yaml"] });
    assert.deepEqual(report.clickhouse!.shards.map((s) => s.length), [1]);
    assert.equal(report.clickhouse!.keepers.length, 1);
    assert.equal(report.kinds.HorizontalPodAutoscaler ?? 0, 0);
    assert.equal(report.kinds.PodDisruptionBudget ?? 0, 0);
  },
});

Deno.test({
  name: "helm: the rendered collector configs validate with the built collector distribution",
  ignore: !hasGo,
  async fn(t) {
    const build = await run("bash", [
      new URL("../../collector/build.sh", import.meta.url).pathname,
    ]);
    assertSuccess("collector/build.sh", build);
    const otelcol = build.stdout.trim().split("\n").at(-1)!;
    const validate = async (config: string, env: Record<string, string>) => {
      const file = await Deno.makeTempFile({ suffix: ".yaml" });
      await Deno.writeTextFile(file, config);
      const result = await run(otelcol, ["validate", `--config=${file}`], {
        env: { PATH: "/usr/bin:/bin", ...env },
        clearEnv: true,
      });
      await Deno.remove(file);
      return result;
    };
    for (const values of [[], ["values-dev.yaml"], ["values-production.yaml"]]) {
      const report = await checked({ chart: "tracehouse-stack", values });
      for (const tier of ["agent", "gateway"]) {
        await t.step(`${tier} ${values.join(" ")}`, async () => {
          const { config, env } = report.collectors![tier];
          assertSuccess(`validate ${tier}`, await validate(config, env));
        });
      }
      const agent = report.collectors!.agent;
      assert.match(agent.config, /load_balancing\/traceid:\n {4}routing_key: traceID\n/);
      assert.match(agent.config, /resolver:\n {6}k8s:\n {8}service: \$\{env:GATEWAY_SERVICE\}/);
      assert.equal(agent.env.GATEWAY_SERVICE, "rel-collector-gateway.observability");
      assert.match(report.collectors!.gateway.config, /create_schema: false/);
    }
    // validate is a real check: a misspelled exporter setting is refused.
    const { config, env } = (await checked({ chart: "tracehouse-stack" })).collectors!.agent;
    const bad = await validate(
      config.replace("routing_key: traceID", "routing_keys: traceID"),
      env,
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.output, /routing_keys/);
  },
});

Deno.test({
  name: "helm: the migration Job's cluster DDL parses and matches the single-node schema",
  ignore: !hasGo,
  async fn() {
    const { env } = (await checked({
      chart: "tracehouse-stack",
      values: ["values-production.yaml"],
    })).migration!;
    const options = {
      database: env.CLICKHOUSE_DATABASE,
      cluster: env.CLICKHOUSE_CLUSTER,
      retentionDays: {
        traces: Number(env.TRACEHOUSE_RETENTION_TRACES_DAYS),
        logs: Number(env.TRACEHOUSE_RETENTION_LOGS_DAYS),
        metrics: Number(env.TRACEHOUSE_RETENTION_METRICS_DAYS),
      },
    };
    const path = await Deno.makeTempDir({ prefix: "tracehouse-helm-ddl-" });
    const store = await ChdbStore.open({ path, database: "default" });
    try {
      const { problems, tables, statements } = await compareClusterDdl(store, options);
      assert.deepEqual(problems, []);
      assert.ok(tables >= 8 && statements > tables, `${tables} tables, ${statements} statements`);
      // The single-node tables as the engine created them (their CREATE as the engine states
      // it) have exactly the cluster's local columns, in order.
      const { cluster: _, ...single } = options;
      await migrate(store, single);
      for (const table of ["otel_traces", "otel_logs", "otel_metrics_sum"]) {
        const [{ sql }] = await store.query<{ sql: string }>(
          "SELECT create_table_query AS sql FROM system.tables WHERE database = {db:String} AND name = {t:String}",
          { params: { db: options.database, t: table } },
        );
        const statement = (await listMigrations())
          .flatMap((m) => renderMigration(m.sql, options))
          .find((s) =>
            s.includes(`\`${table}_local\` ON CLUSTER`) && s.includes("ENGINE = Replicated")
          );
        const local = tableAst(await explainAst(store, statement!))!;
        const created = tableAst(await explainAst(store, sql))!;
        assert.ok(columnNames(created.columns).length > 5);
        assert.deepEqual(storedColumnNames(local.columns), columnNames(created.columns), table);
      }
      // The comparison is a real one: a changed column type, a plain MergeTree or a Distributed
      // table on another cluster are found.
      const clusterDdl = await migrationStatements(options);
      const singleDdl = await migrationStatements(single);
      const broken = clusterDdl.map((s) =>
        s.replace("`SeverityNumber` UInt8", "`SeverityNumber` UInt16")
          .replace(
            /(`otel_metrics_sum_local` [^]*?ENGINE = )ReplicatedMergeTree\([^)]*\)/,
            "$1MergeTree()",
          )
          .replace(
            /Distributed\('tracehouse', 'tracehouse', 'otel_traces_local'/,
            "Distributed('other', 'tracehouse', 'otel_traces_local'",
          )
      );
      const found = await compareStatements(store, singleDdl, broken, options);
      assert.deepEqual(found.problems.sort(), [
        "otel_logs: columns differ from otel_logs_local",
        "otel_metrics_sum: engine MergeTree is not ReplicatedMergeTree",
        "otel_traces: no Distributed table over otel_traces_local on cluster tracehouse",
      ]);
    } finally {
      await store.close();
      await Deno.remove(path, { recursive: true });
    }
  },
});

/** Renders the production stack, breaks it with `edit`, and returns helmcheck's messages. */
async function brokenStack(edit: (manifest: string) => string): Promise<string> {
  const { tools } = await prepared();
  const manifest = await rendered({
    chart: "tracehouse-stack",
    values: ["values-production.yaml"],
  });
  const edited = edit(manifest);
  assert.notEqual(edited, manifest, "the edit changed nothing");
  const { code, output } = await check(tools, edited);
  assert.equal(code, 1, output);
  return output;
}

Deno.test({
  name: "helm: helmcheck refuses what the charts must never render",
  ignore: !hasGo,
  async fn(t) {
    const cases: [string, (m: string) => string, RegExp][] = [
      [
        "a misspelled field",
        (m) => m.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesytem: true"),
        /strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesytem"/,
      ],
      [
        "a field twice",
        (m) =>
          m.replace(
            "  serviceName: rel-clickhouse-headless\n",
            "  serviceName: a\n  serviceName: rel-clickhouse-headless\n",
          ),
        /StatefulSet .*strict decoding error: yaml: unmarshal errors:\n.*"serviceName" already set/,
      ],
      [
        "a kind the API lacks",
        (m) => m.replace("kind: Role\n", "kind: Rolle\n"),
        /no kind "Rolle"/,
      ],
      [
        "an image on latest",
        (m) =>
          m.replace(
            "image: ghcr.io/tracehouse/tracehouse-otelcol:0.161.0-tracehouse.1",
            "image: ghcr.io/tracehouse/tracehouse-otelcol:latest",
          ),
        /container otelcol: image "ghcr\.io\/tracehouse\/tracehouse-otelcol:latest" is not pinned/,
      ],
      [
        "a container without limits",
        (m) =>
          m.replace(
            /limits:\n {14}cpu: "2"\n {14}memory: 4Gi\n/,
            "limits:\n              memory: 4Gi\n",
          ),
        /Deployment rel-collector-gateway container otelcol: no resources\.limits\.cpu/,
      ],
      [
        "no readiness probe",
        (m) => m.replace(/readinessProbe:(\n {12}httpGet:\n {14}path: \/\n)/, "startupProbe:$1"),
        /DaemonSet rel-collector-agent container otelcol: a long-running container needs livenessProbe and readinessProbe/,
      ],
      [
        "a root container",
        (m) => m.replace("runAsNonRoot: true", "runAsNonRoot: false"),
        /runAsNonRoot must be true/,
      ],
      [
        "privilege escalation",
        (m) => m.replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"),
        /allowPrivilegeEscalation must be false/,
      ],
      [
        "a replicated workload without its PDB",
        (m) =>
          m.replace(
            /kind: PodDisruptionBudget\nmetadata:\n {2}name: rel-collector-gateway\n/,
            "kind: PodDisruptionBudget\nmetadata:\n  name: rel-collector-gateway\n  labels: {}\nspec:\n  selector:\n    matchLabels: {x: y}\n---\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  name: z\n",
          ),
        /Deployment rel-collector-gateway: 2 replicas but no PodDisruptionBudget/,
      ],
      [
        "a Secret key that does not exist",
        (m) => m.replaceAll("key: clickhouse-password", "key: clickhouse-pasword"),
        /Secret rel-clickhouse has no key "clickhouse-pasword"/,
      ],
      [
        "a port name the API refuses",
        (m) =>
          m.replace(
            "- name: interserver\n              containerPort: 9009",
            "- name: interserver-http-port\n              containerPort: 9009",
          ),
        /container clickhouse port interserver-http-port: must be no more than 15 characters/,
      ],
      [
        "an even keeper quorum",
        (m) => m.replace(/ {10}<server>\n {12}<id>3<\/id>[^]*?<\/server>\n/, ""),
        /keeper: 2 raft servers: a quorum needs an odd number/,
      ],
      [
        "two shards with the same macro",
        (m) =>
          m.replace(
            /name: CLICKHOUSE_SHARD\n {14}value: "1"/,
            'name: CLICKHOUSE_SHARD\n              value: "0"',
          ),
        /have the same macros|shard macro 0 is used by two shards/,
      ],
      [
        "a replica missing from remote_servers",
        (m) =>
          m.replace(/ {12}<replica>\n {14}<host>rel-clickhouse-shard1-1\.[^]*?<\/replica>\n/, ""),
        /remote_servers: replica rel-clickhouse-shard1-1\..* is missing/,
      ],
      [
        "a from_env variable the pod lacks",
        (m) => m.replace('<replica from_env="POD_NAME"/>', '<replica from_env="POD_NAMES"/>'),
        /reads from_env "POD_NAMES", which the container does not set/,
      ],
      [
        "a memory_limiter above the container limit",
        (m) =>
          m.replace(
            /name: OTELCOL_MEMORY_LIMIT_MIB\n {14}value: "3276"/,
            'name: OTELCOL_MEMORY_LIMIT_MIB\n              value: "5000"',
          ),
        /memory_limiter 5000 MiB .* does not fit the container limit of 4096 MiB/,
      ],
    ];
    for (const [name, edit, expected] of cases) {
      await t.step(name, async () => assert.match(await brokenStack(edit), expected));
    }
  },
});

Deno.test({
  name: "helm: a cluster name that differs between the charts is caught",
  ignore: !hasGo,
  async fn() {
    const { tools } = await prepared();
    const c = { chart: "tracehouse-stack", set: ["tracehouse.clickhouse.cluster=other"] };
    const { code, output } = await check(tools, await rendered(c));
    assert.equal(code, 1);
    assert.match(output, /CLICKHOUSE_CLUSTER "other", but remote_servers defines "tracehouse"/);
  },
});

Deno.test({
  name: "helm: bad values are refused when rendering, with a message",
  ignore: !hasGo,
  async fn(t) {
    const { tools, dir } = await prepared();
    const cases: [RenderCase, RegExp][] = [
      [{ chart: "clickhouse", set: ["keeper.replicas=2"] }, /keeper\.replicas must be odd/],
      [{ chart: "clickhouse", set: ["image.tag=latest"] }, /pin a release tag/],
      [{ chart: "clickhouse", set: ["cluster.name=a b"] }, /cluster\.name "a b"/],
      [{ chart: "tracehouse" }, /clickhouse\.url is required in remote mode/],
      [
        { chart: "tracehouse", set: ["mode=cluster"] },
        /mode "cluster": expected remote or embedded/,
      ],
      [
        { chart: "tracehouse-stack", release: "a-release-name-of-35-characters-xyz" },
        /release name "a-release-name-of-35-characters-xyz": at most 34 characters/,
      ],
      [
        { chart: "collector", set: ["clickhouse.endpoint=tcp://c:9000"] },
        /clickhouse\.passwordSecret\.name is required/,
      ],
      [
        {
          chart: "collector",
          set: [
            "clickhouse.endpoint=tcp://c:9000",
            "clickhouse.passwordSecret.name=s",
            "agent.resources.limits.memory=1G",
          ],
        },
        /memory limit "1G": write it in Mi or Gi/,
      ],
    ];
    for (const [c, expected] of cases) {
      await t.step(label(c), async () => {
        const result = await template(tools, dir, c);
        assert.notEqual(result.code, 0);
        assert.match(result.output, expected);
      });
    }
  },
});

Deno.test("helm: check/go.mod keeps every k8s.io release module at one version, Helm v4 pinned", async () => {
  const goMod = await Deno.readTextFile(new URL("./check/go.mod", import.meta.url));
  // Release-tagged k8s.io modules (klog, utils and kube-openapi version on their own).
  const releases = [...goMod.matchAll(/^\s*(k8s\.io\/[\w-]+) (v0\.\d+\.\d+)(?=\s)/gm)];
  assert.ok(releases.length >= 8, `${releases.length} k8s.io modules`);
  assert.deepEqual(
    new Set(releases.map((m) => m[2])).size,
    1,
    releases.map((m) => m[0].trim()).join("\n"),
  );
  assert.match(goMod, /^\s*helm\.sh\/helm\/v4 v4\.\d+\.\d+\b/m);
  assert.match(goMod, /^tool helm\.sh\/helm\/v4\/cmd\/helm$/m);
});
