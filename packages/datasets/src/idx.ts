/**
 * Parser for the IDX format of the MNIST files (big-endian header:
 * 2 zero bytes, a type code, the number of dimensions, then one uint32 per
 * dimension, then the data). Only unsigned bytes (type 0x08) occur in MNIST.
 */
export interface IdxArray {
  /** Sizes of each dimension, e.g. [60000, 28, 28] for training images. */
  shape: number[];
  /** The raw bytes, row-major, a view into the file's buffer (no copy). */
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Raised for any defect in a dataset file; the message names the file and the defect. */
export class DatasetFormatError extends Error {
  override name = 'DatasetFormatError';
}

/**
 * Parses one IDX file.
 *
 * @param bytes the whole file
 * @param source a name for error messages (usually the file path)
 * @param expectedDims the number of dimensions the caller needs (3 for images, 1 for labels)
 */
export function parseIdx(bytes: Uint8Array, source: string, expectedDims: number): IdxArray {
  const fail = (defect: string): never => {
    throw new DatasetFormatError(`${source}: ${defect}`);
  };
  if (bytes.length < 4) fail(`file is ${bytes.length} bytes, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(
      `wrong magic number (first bytes ${hex(bytes.subarray(0, 4))}); not an IDX file` +
        (bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (it is gzip-compressed: gunzip it first)' : ''),
    );
  }
  if (bytes[2] !== UBYTE)
    fail(`data type 0x${hex(bytes.subarray(2, 3))} unsupported; expected 0x08 (unsigned byte)`);
  const dims = bytes[3] as number;
  if (dims !== expectedDims) fail(`has ${dims} dimensions; expected ${expectedDims}`);
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes)
    fail(`truncated header (${bytes.length} of ${headerBytes} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < dims; i++) {
    const n = view.getUint32(4 + 4 * i, false);
    shape.push(n);
    count *= n;
  }
  // Compare sizes before touching the data, so a corrupt header never sizes an allocation.
  const have = bytes.length - headerBytes;
  if (have < count)
    fail(
      `truncated: header declares ${shape.join('x')} = ${count} bytes of data, file has ${have}`,
    );
  if (have > count) fail(`${have - count} unexpected bytes after the ${shape.join('x')} data`);
  return { shape, data: bytes.subarray(headerBytes, headerBytes + count) };
}

function hex(b: Uint8Array): string {
  return Array.from(b, (v) => v.toString(16).padStart(2, '0')).join(' ');
}
