import { DatasetFormatError } from './idx.js';

/**
 * Progress of a download: bytes received so far and the expected total (the
 * sum of the Content-Length headers; 0 while any is unknown). `loaded` can
 * pass `total` when a server compresses on the fly.
 */
export type ProgressCallback = (loaded: number, total: number) => void;

/**
 * Fetches several URLs at once and reports their combined progress.
 * Returns each body's bytes, in the order of `urls`.
 */
export async function fetchAll(
  urls: readonly string[],
  onProgress?: ProgressCallback,
): Promise<Uint8Array[]> {
  const totals = new Array<number | undefined>(urls.length).fill(undefined);
  const loaded = new Array<number>(urls.length).fill(0);
  const report = () => {
    if (!onProgress) return;
    const l = loaded.reduce((s, v) => s + v, 0);
    const t = totals.every((v) => v !== undefined && v > 0)
      ? totals.reduce<number>((s, v) => s + (v ?? 0), 0)
      : 0;
    onProgress(l, t);
  };
  return Promise.all(
    urls.map(async (url, k) => {
      let res: Response;
      try {
        res = await fetch(url);
      } catch (e) {
        const cause = (e as Error & { cause?: Error }).cause;
        throw new Error(
          `${url}: cannot fetch (${(e as Error).message}${cause ? `: ${cause.message}` : ''})`,
        );
      }
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
      const length = Number(res.headers.get('content-length') ?? 0);
      totals[k] = Number.isFinite(length) && length > 0 ? length : 0;
      const reader = res.body?.getReader();
      if (!reader) throw new Error(`${url}: response has no body`);
      const chunks: Uint8Array[] = [];
      let size = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
        loaded[k] = size;
        report();
      }
      return concat(chunks, size);
    }),
  );
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/** Decompressed output above this is refused (no data file we read is near it): a gzip-bomb guard. */
export const MAX_GUNZIPPED_BYTES = 2 ** 30;

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes with the platform's `DecompressionStream` (every
 * current browser, and Node >= 18). Bytes without the gzip magic are returned
 * as they are: a server may already have removed a `Content-Encoding: gzip`.
 * Output beyond `maxBytes` is refused.
 *
 * @param source names the file in errors
 */
export async function gunzip(
  bytes: Uint8Array,
  source: string,
  maxBytes = MAX_GUNZIPPED_BYTES,
): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  let size = 0;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    const chunks: Uint8Array[] = [];
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        break;
      }
    }
    if (size <= maxBytes) return concat(chunks, size);
  } catch (e) {
    throw new DatasetFormatError(`${source}: corrupt gzip data (${(e as Error).message})`);
  }
  throw new DatasetFormatError(`${source}: decompresses to more than ${maxBytes} bytes; refused`);
}
