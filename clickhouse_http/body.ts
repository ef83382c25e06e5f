/**
 * Request bodies: decoded from `Content-Encoding` (gzip or none) and capped
 * in size, both on the wire and after decompression.
 *
 * @module
 */
import { EndpointError } from "./errors.ts";
import { boundParams, type RequestOptions } from "./request.ts";

/**
 * The request body chunk by chunk, decompressed when `Content-Encoding: gzip`
 * (`x-gzip`); fails with `QUERY_IS_TOO_LARGE` past `maxBytes` (compressed or
 * not), `CANNOT_DECOMPRESS` on a corrupt gzip stream, and
 * `UNKNOWN_COMPRESSION_METHOD` for any other encoding.
 */
export async function* bodyChunks(
  request: Request,
  maxBytes: number,
): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const length = Number(request.headers.get("content-length") ?? NaN);
  if (length > maxBytes) throw tooLarge(maxBytes);
  const encoding = (request.headers.get("content-encoding") ?? "").trim().toLowerCase();
  const gzip = encoding === "gzip" || encoding === "x-gzip";
  if (!gzip && encoding !== "" && encoding !== "identity" && encoding !== "none") {
    throw new EndpointError(
      "UNKNOWN_COMPRESSION_METHOD",
      `Unknown HTTP Content-Encoding '${
        encoding.slice(0, 50)
      }': this endpoint accepts gzip or none`,
    );
  }
  if (!request.body) return;
  let stream = request.body.pipeThrough(limit(maxBytes));
  if (gzip) {
    stream = stream
      .pipeThrough(new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>)
      .pipeThrough(limit(maxBytes));
  }
  try {
    for await (const chunk of stream) yield chunk as Uint8Array<ArrayBuffer>;
  } catch (error) {
    if (error instanceof EndpointError || !gzip) throw error;
    throw new EndpointError(
      "CANNOT_DECOMPRESS",
      `Cannot decompress the gzip request body: ${(error as Error).message}`,
    );
  }
}

/** Reads the whole body (see {@linkcode bodyChunks}) into one array. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of bodyChunks(request, maxBytes)) {
    chunks.push(chunk);
    total += chunk.length;
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function tooLarge(maxBytes: number): EndpointError {
  return new EndpointError(
    "QUERY_IS_TOO_LARGE",
    `Request body is larger than the limit of ${maxBytes} bytes`,
  );
}

function limit(maxBytes: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.length;
      if (seen > maxBytes) throw tooLarge(maxBytes);
      controller.enqueue(chunk);
    },
  });
}

/**
 * The query of a `multipart/form-data` request: the URL's `query`, a newline,
 * the form's `query`; the form's `param_*` fields join `options.params`.
 * File fields (external tables) are refused.
 */
export async function multipartQuery(
  request: Request,
  contentType: string,
  urlQuery: string,
  options: RequestOptions,
  maxBodyBytes: number,
): Promise<string> {
  const body = await readBody(request, maxBodyBytes);
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "Content-Type": contentType },
    }).formData();
  } catch (error) {
    throw new EndpointError(
      "BAD_ARGUMENTS",
      `Cannot parse multipart body: ${(error as Error).message}`,
    );
  }
  const fields: [string, string][] = [];
  for (const [name, value] of form) {
    if (typeof value !== "string") {
      throw new EndpointError(
        "NOT_IMPLEMENTED",
        "External tables are not supported by this endpoint",
      );
    }
    fields.push([name, value]);
  }
  Object.assign(options.params, boundParams(fields));
  const formQuery = form.get("query");
  const parts = [urlQuery, typeof formQuery === "string" ? formQuery : ""].filter((p) => p !== "");
  return parts.join("\n");
}
