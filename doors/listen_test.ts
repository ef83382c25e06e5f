import assert from "node:assert/strict";
import { listen } from "./listen.ts";

const encoder = new TextEncoder();

/** Reads until the server answers or closes; resolves with what came and when. */
async function readAll(conn: Deno.Conn, started: number) {
  const chunks: string[] = [];
  const buffer = new Uint8Array(4096);
  while (true) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) break;
    chunks.push(new TextDecoder().decode(buffer.subarray(0, n)));
  }
  return { text: chunks.join(""), afterMs: performance.now() - started };
}

async function echoServer(limits: Parameters<typeof listen>[1]) {
  return await listen(async (request) => {
    const body = await request.bytes();
    return new Response(`got ${body.byteLength}`);
  }, limits);
}

Deno.test("listen: slow-loris clients are closed at the deadline while a normal client is served", async () => {
  const server = await echoServer({
    hostname: "127.0.0.1",
    port: 0,
    headersTimeoutMs: 1000,
    requestTimeoutMs: 2000,
  });
  const port = server.addr.port;
  try {
    const started = performance.now();
    // Headers that never finish, one header line every 300 ms.
    const headers = await Deno.connect({ hostname: "127.0.0.1", port });
    await headers.write(encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    const dripHeaders = setInterval(() => {
      headers.write(encoder.encode("X-Drip: 1\r\n")).catch(() => {});
    }, 300);
    // A body that never finishes, one byte every 300 ms.
    const body = await Deno.connect({ hostname: "127.0.0.1", port });
    await body.write(encoder.encode(
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n",
    ));
    const dripBody = setInterval(() => body.write(encoder.encode("a")).catch(() => {}), 300);
    try {
      // Meanwhile a normal client is served, several times.
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/`, {
          method: "POST",
          body: "hello",
        });
        assert.equal(await response.text(), "got 5");
      }
      const [h, b] = await Promise.all([readAll(headers, started), readAll(body, started)]);
      assert.match(h.text, /^HTTP\/1\.1 408 /);
      assert.match(b.text, /^HTTP\/1\.1 408 /);
      // Closed at the deadline (checked every 250 ms), not whenever the client gives up.
      assert.ok(h.afterMs >= 900 && h.afterMs < 2500, `headers closed after ${h.afterMs} ms`);
      assert.ok(b.afterMs >= 1900 && b.afterMs < 3500, `body closed after ${b.afterMs} ms`);
    } finally {
      clearInterval(dripHeaders);
      clearInterval(dripBody);
      headers.close();
      body.close();
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("listen: connections past the cap are closed on accept; freed slots serve again", async () => {
  const server = await echoServer({ hostname: "127.0.0.1", port: 0, maxConnections: 3 });
  const port = server.addr.port;
  const idle: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 3; i++) idle.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    await new Promise((r) => setTimeout(r, 100));
    const over = await Deno.connect({ hostname: "127.0.0.1", port });
    await over.write(encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).catch(() => {});
    const answer = await readAll(over, performance.now());
    over.close();
    assert.equal(answer.text, "", "a connection past the cap gets no answer");
    idle.pop()!.close();
    await new Promise((r) => setTimeout(r, 100));
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "x" });
    assert.equal(await response.text(), "got 1");
  } finally {
    for (const conn of idle) conn.close();
    await server.shutdown();
  }
});

Deno.test("listen: a port in use is Deno.errors.AddrInUse", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      listen(() => new Response(), { hostname: "127.0.0.1", port: taken.addr.port }),
      Deno.errors.AddrInUse,
    );
  } finally {
    taken.close();
  }
});
