/**
 * A local HTTP server that records webhook calls, for the alerting tests: binds 127.0.0.1 on a
 * free port, answers 200 (or the status the test sets), keeps every request.
 *
 * @module
 */

/** One recorded call. */
export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  // deno-lint-ignore no-explicit-any
  json: any;
}

/** A running receiver. */
export interface TestReceiver {
  url: string;
  calls: Received[];
  /** Status answered to the next calls (default 200). */
  status: number;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 and a free port. */
export function startReceiver(): TestReceiver {
  const calls: Received[] = [];
  const receiver: TestReceiver = {
    url: "",
    calls,
    status: 200,
    close: async () => {
      await server.shutdown();
    },
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    let json = null;
    try {
      json = JSON.parse(body);
    } catch { /* a template may send anything */ }
    calls.push({
      path: new URL(req.url).pathname,
      headers: Object.fromEntries(req.headers),
      body,
      json,
    });
    return new Response("ok", { status: receiver.status });
  });
  receiver.url = `http://127.0.0.1:${server.addr.port}`;
  return receiver;
}
