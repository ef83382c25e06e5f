/**
 * A Tracehouse UI for tests and screenshots: an embedded store in a temp
 * directory, migrated and filled with {@linkcode seedUiData}, served by the
 * real UI-port app (`createApp`: API + dashboard) on a loopback port.
 *
 * Run it by hand to look around: `deno run -A tests/ui_server.ts [traces]`.
 *
 * @module
 */
import { createApp } from "../routes/app.ts";
import { ChdbStore } from "../sql/chdb.ts";
import type { Store } from "../sql/store.ts";
import { migrate } from "../sql/migrate.ts";
import { seedUiData, type UiData } from "./ui_fixtures.ts";

/** A running test UI. */
export interface UiServer {
  url: string;
  data: UiData;
  store: Store;
  /** Seconds spent seeding. */
  seedSeconds: number;
  close(): Promise<void>;
}

/** Starts a seeded Tracehouse UI on 127.0.0.1 (port chosen by the OS). */
export async function startUiServer(
  options: { traces?: number; port?: number; queryToken?: string } = {},
): Promise<
  UiServer
> {
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-ui-test-" });
  // One embedded store per process at a time: wait while another test module still holds one.
  let store: ChdbStore | undefined;
  for (let attempt = 0; !store; attempt++) {
    try {
      store = await ChdbStore.open({ path: dir });
    } catch (error) {
      if (attempt >= 600 || !/refused the connection/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await migrate(store, {
      database: store.database,
      retentionDays: { traces: 30, logs: 30, metrics: 30 },
    });
    const started = performance.now();
    const data = await seedUiData(store, { traces: options.traces });
    const seedSeconds = (performance.now() - started) / 1000;
    const app = createApp({
      store,
      isMigrated: () => true,
      api: { queryToken: options.queryToken },
    });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
      app.fetch,
    );
    const url = `http://127.0.0.1:${server.addr.port}`;
    // Build the island bundles now, so the first page a test opens is not the slow one.
    const warm = await fetch(`${url}/services`, {
      headers: options.queryToken ? { authorization: `Bearer ${options.queryToken}` } : {},
    });
    await warm.body?.cancel();
    return {
      url,
      data,
      store,
      seedSeconds,
      close: async () => {
        await server.shutdown();
        await store.close();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    await store.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

if (import.meta.main) {
  const ui = await startUiServer({ traces: Number(Deno.args[0] ?? 240), port: 8089 });
  console.log(`tracehouse test UI on ${ui.url} (${ui.data.spans} spans, ${ui.data.logs} logs)`);
  Deno.addSignalListener("SIGINT", async () => {
    await ui.close();
    Deno.exit(0);
  });
}
