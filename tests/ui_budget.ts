/**
 * The JavaScript a page ships: its module scripts, the chunks they import
 * (statically or dynamically), each counted gzipped as the server sends it.
 *
 * @module
 */

async function gzipSize(data: Uint8Array): Promise<number> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** Gzipped bytes of every script `pageUrl` loads, and the files counted. */
export async function pageJavaScript(
  pageUrl: string,
): Promise<{ gzipBytes: number; files: string[] }> {
  const html = await (await fetch(pageUrl)).text();
  const queue = [
    ...html.matchAll(/<script[^>]*\ssrc="([^"]+)"|<link rel="modulepreload" href="([^"]+)"/g),
  ].map((m) => new URL(m[1] ?? m[2], pageUrl).href);
  if (/<script(?![^>]*\ssrc=)[^>]*>\s*\S/.test(html)) {
    throw new Error(`${pageUrl} has an inline script; count it or move it into an island`);
  }
  const seen = new Set<string>();
  let gzipBytes = 0;
  while (queue.length) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    const body = new Uint8Array(await res.arrayBuffer());
    gzipBytes += await gzipSize(body);
    const text = new TextDecoder().decode(body);
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.\/[^"']+\.js)["']/g)) {
      queue.push(new URL(m[1], url).href);
    }
  }
  return { gzipBytes, files: [...seen].map((u) => new URL(u).pathname) };
}
