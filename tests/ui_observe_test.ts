/**
 * Browser tests of the Errors, Service map and Alerts pages (playwright-core + Debian's
 * Chromium) against a Tracehouse with generated calls and errors (`ui_observe_fixtures.ts`) and
 * a running alert manager. `TRACEHOUSE_SCREENSHOTS=1` writes `docs/images/{errors,error-group,
 * service-map,alerts}.png`. Skipped without Chromium, failing in CI (like `ui_test.ts`).
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { AlertManager } from "../alerts/manager.ts";
import { startReceiver } from "../alerts/test_receiver.ts";
import { createApp } from "../routes/app.ts";
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { seedObserveData } from "./ui_observe_fixtures.ts";

const CHROMIUM = Deno.env.get("TRACEHOUSE_CHROMIUM") ?? "/usr/bin/chromium";
const SHOTS = Deno.env.get("TRACEHOUSE_SCREENSHOTS") === "1";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!hasChromium && Deno.env.get("CI")) {
  Deno.test("errors/map/alerts browser tests need Chromium", () => {
    throw new Error(`${CHROMIUM} is missing: install it with .ci/setup.d/50-chromium.sh`);
  });
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: `docs/images/${name}.png`, fullPage: true });
}

function rulesFile(hook: string): string {
  return `receivers:
  - name: oncall
    type: webhook
    url: ${hook}
rules:
  - name: payments-error-rate
    description: more than 5 % of payment calls fail
    kind: service_red
    signal: error_rate
    service: payments
    window: 30m
    interval: 1s
    comparison: ">"
    threshold: 0.05
    labels: { severity: page }
    annotations: { summary: "payments error rate {{value}}" }
  - name: slow-api
    kind: service_red
    signal: p95
    service: api
    window: 30m
    interval: 1s
    for: 1h
    comparison: ">"
    threshold: 100
  - name: error-logs-per-service
    kind: log_count
    severity: error
    group_by: [service]
    window: 30m
    interval: 1s
    comparison: ">="
    threshold: 1
  - name: no-logs-from-mailer
    kind: log_count
    service: mailer
    window: 10m
    interval: 1s
    comparison: "<"
    threshold: 1
silences:
  - matchers: { alertname: error-logs-per-service, service: inventory }
    ends: 2100-01-01T00:00:00Z
    comment: inventory timeouts are being fixed
`;
}

Deno.test({
  name: "errors, service map and alerts pages in Chromium",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "tracehouse-ui-observe-" });
    let store: ChdbStore | undefined;
    for (let attempt = 0; !store; attempt++) {
      try {
        store = await ChdbStore.open({ path: `${dir}/data` });
      } catch (error) {
        if (attempt >= 600 || !/refused the connection/.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const receiver = startReceiver();
    await migrate(store, {
      database: store.database,
      retentionDays: { traces: 30, logs: 30, metrics: 30 },
    });
    const data = await seedObserveData(store);
    await Deno.writeTextFile(`${dir}/alerts.yaml`, rulesFile(`${receiver.url}/hook`));
    const alerts = await AlertManager.start(store, { file: `${dir}/alerts.yaml`, watch: false });
    const app = createApp({ store, isMigrated: () => true, alerts });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const url = (path: string) => `http://127.0.0.1:${server.addr.port}${path}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await t.step("errors: groups with counts and sparklines; a group's detail", async () => {
        const res = await page.goto(url("/errors"));
        assert.equal(res?.status(), 200);
        const rows = page.locator("table.errors tbody tr");
        assert.equal(await rows.count(), data.fingerprints.length);
        assert.equal(
          await page.locator("table.errors svg.spark").count(),
          data.fingerprints.length,
        );
        const card = rows.filter({ hasText: "CardDeclinedError" });
        // 300 calls, every 7th from the 4th fails in payments: 43 spans + 43 logs.
        assert.equal((await card.locator("td.num").textContent())?.trim(), "86");
        await shot(page, "errors");
        await card.locator("a").first().click();
        await page.waitForURL(/\/errors\/[0-9a-f]{16}/);
        assert.match(await page.locator("pre.stack").textContent() ?? "", /at charge \(/);
        assert.ok(await page.locator("figure.occ rect.occ-bar").count() > 10);
        assert.equal(await page.locator("section table.grid tbody tr").count(), 20);
        await shot(page, "error-group");
        await page.locator("a", { hasText: "Open the sample trace" }).click();
        await page.waitForURL(/\/traces\/[0-9a-f]{32}/);
        assert.ok(await page.locator("text=CardDeclinedError").count() > 0);
        // Bad and unknown fingerprints are said plainly.
        assert.equal((await page.goto(url("/errors/nothex")))?.status(), 400);
        assert.equal((await page.goto(url("/errors/0123456789abcdef")))?.status(), 404);
        // The browser logs those two answers as failed loads: expected here.
        errors.length = 0;
      });

      await t.step("service map: nodes, edges, links into traces", async () => {
        await page.goto(url("/service-map"));
        assert.equal(await page.locator("svg.svcmap g.node").count(), 6);
        assert.equal(await page.locator("svg.svcmap g.node.external").count(), 2);
        assert.equal(await page.locator("svg.svcmap path.edge").count(), 5);
        assert.equal(await page.locator("table.edges tbody tr").count(), 5);
        const webApi = page.locator("table.edges tbody tr").filter({ hasText: "web" }).first();
        assert.match(await webApi.textContent() ?? "", /300/);
        // Callers left of callees.
        const x = async (name: string) =>
          Number(
            await page.locator("svg.svcmap g.node", { hasText: name }).locator("rect")
              .getAttribute("x"),
          );
        assert.ok((await x("web")) < (await x("api")));
        assert.ok((await x("api")) < (await x("payments")));
        assert.ok((await x("payments")) < (await x("stripe")));
        await shot(page, "service-map");
        await page.locator("svg.svcmap text.edge-label").first().click();
        await page.waitForURL(/\/traces\/[0-9a-f]{32}/);
      });

      await t.step("alerts: rules with firing, pending and silenced groups", async () => {
        // The manager evaluates every second; wait for the states to settle.
        for (let i = 0; i < 100; i++) {
          const status = await alerts.status();
          const states = Object.fromEntries(status.rules.map((r) => [r.name, r.state]));
          if (
            states["payments-error-rate"] === "firing" && states["slow-api"] === "pending" &&
            states["no-logs-from-mailer"] === "firing" &&
            states["error-logs-per-service"] === "firing"
          ) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        await page.goto(url("/alerts"));
        const row = (name: string) => page.locator("table.alerts tbody tr", { hasText: name });
        assert.match(await row("payments-error-rate").textContent() ?? "", /firing/);
        assert.match(await row("slow-api").textContent() ?? "", /pending/);
        assert.match(await row("no-logs-from-mailer").textContent() ?? "", /firing/);
        const perService = await row("error-logs-per-service").textContent() ?? "";
        assert.match(perService, /service=inventory[^·]*·[^·]*silenced|silenced/);
        assert.ok(await page.locator("text=inventory timeouts are being fixed").count() > 0);
        assert.ok(await page.locator("text=Latest changes").count() > 0);
        await shot(page, "alerts");
        // The webhook got the firing payments alert, and nothing for the silenced group.
        const sent = receiver.calls.flatMap((c) => c.json.alerts);
        assert.ok(sent.some((a: { rule: string }) => a.rule === "payments-error-rate"));
        assert.ok(
          !sent.some((a: { labels: Record<string, string> }) => a.labels.service === "inventory"),
        );
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.shutdown();
      await alerts.stop();
      await receiver.close();
      await store.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
