/**
 * safetensors (Hugging Face's format, which PyTorch users load): an 8-byte
 * little-endian header length n, n bytes of JSON naming each tensor's dtype,
 * shape and byte range in the data that follows, then the data. Only float32
 * ("F32") tensors are written and read here.
 */

/** A float32 tensor, row-major. */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The safetensors specification's limit on the header (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** A safetensors file that cannot be read; the message says what is wrong. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Encodes tensors (in order) and string metadata as one safetensors file. */
export function writeSafetensors(
  tensors: NamedTensor[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // The data starts 8-byte aligned, padded with spaces as the format asks.
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** A parsed safetensors file: its metadata and its tensors, copied out of the file. */
export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

interface Entry {
  name: string;
  shape: number[];
  start: number;
  end: number;
}

function entryOf(name: string, raw: unknown, dataBytes: number, fail: (m: string) => never): Entry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(`tensor '${name}' is not described by an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (dtype !== 'F32')
    fail(
      `tensor '${name}' has dtype ${JSON.stringify(dtype)}; latent reads F32 only (save float32 tensors, e.g. tensor.float())`,
    );
  if (
    !Array.isArray(shape) ||
    shape.length > 8 ||
    !shape.every((d) => Number.isSafeInteger(d) && d >= 0)
  )
    fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  )
    fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
  const [start, end] = offsets as [number, number];
  if (start > end || end > dataBytes)
    fail(
      `tensor '${name}' claims bytes ${start}..${end}, outside the ${dataBytes} bytes of data in the file`,
    );
  // Exact in BigInt, so a huge shape cannot overflow into a plausible size.
  const bytes = (shape as number[]).reduce((n, d) => n * BigInt(d), 4n);
  if (bytes !== BigInt(end - start))
    fail(
      `tensor '${name}' of shape [${shape}] needs ${bytes} bytes, its range holds ${end - start}`,
    );
  return { name, shape: shape as number[], start, end };
}

/**
 * Parses a safetensors file of float32 tensors. Distrusts every number in the
 * header: the header length, each range and each shape are checked against
 * the file's actual size before anything is allocated, so a hostile header
 * costs no more memory than the file itself. Refuses other dtypes, ranges
 * outside the data, overlapping ranges and gaps between them.
 *
 * @param source names the file in error messages
 */
export function readSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const fail = (message: string): never => {
    throw new SafetensorsError(`${source}: ${message}`);
  };
  if (bytes.length < 8)
    fail(`${bytes.length} bytes is too short for a safetensors file (8-byte header length first)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const claimed = view.getBigUint64(0, true);
  if (claimed > BigInt(bytes.length - 8))
    fail(
      `the header claims ${claimed} bytes but only ${bytes.length - 8} follow (truncated, or not safetensors)`,
    );
  const n = Number(claimed);
  if (n > MAX_HEADER_BYTES)
    fail(`the header of ${n} bytes exceeds the format's limit of ${MAX_HEADER_BYTES}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`the header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('the header is not a JSON object');
  const dataBytes = bytes.length - 8 - n;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        fail('__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    entries.push(entryOf(name, raw, dataBytes, fail));
  }
  entries.sort((a, b) => a.start - b.start || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.start < at)
      fail(`tensor '${e.name}' overlaps the tensor before it (bytes ${e.start}..${at})`);
    if (e.start > at) fail(`bytes ${at}..${e.start} before tensor '${e.name}' belong to no tensor`);
    at = e.end;
  }
  if (at !== dataBytes) fail(`bytes ${at}..${dataBytes} at the end belong to no tensor`);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  const base = 8 + n;
  for (const e of entries) {
    // slice copies into a fresh, aligned buffer; the range is known to lie in the file.
    const data = new Float32Array(bytes.slice(base + e.start, base + e.end).buffer);
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { metadata, tensors };
}
