import { describe, expect, it } from 'vitest';
import { DatasetFormatError, parseIdx } from './idx.js';

function idx(shape: number[], data: number[], typeCode = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = typeCode;
  out[3] = shape.length;
  shape.forEach((n, i) => {
    view.setUint32(4 + 4 * i, n, false);
  });
  out.set(data, 4 + 4 * shape.length);
  return out;
}

describe('parseIdx', () => {
  it('reads shape and data', () => {
    const parsed = parseIdx(idx([2, 1, 3], [1, 2, 3, 4, 5, 6]), 'f', 3);
    expect(parsed.shape).toEqual([2, 1, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each([
    ['a too-short file', new Uint8Array([0, 0]), /f: file is 2 bytes/],
    [
      'a wrong magic number',
      new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]),
      /f: wrong magic number \(first bytes 01 02 08 01\)/,
    ],
    [
      'a gzip file',
      new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]),
      /gzip-compressed: gunzip it first/,
    ],
    ['a non-byte data type', idx([1], [1], 0x0d), /data type 0x0d unsupported/],
    ['the wrong dimension count', idx([1, 1], [1]), /has 2 dimensions; expected 1/],
    ['a truncated header', idx([1], [1]).subarray(0, 6), /truncated header \(6 of 8 bytes\)/],
    [
      'truncated data',
      idx([4], [1, 2]),
      /truncated: header declares 4 = 4 bytes of data, file has 2/,
    ],
    ['trailing bytes', idx([1], [1, 2]), /1 unexpected bytes after/],
  ])('rejects %s, naming the file', (_what, bytes, message) => {
    const dims = _what === 'the wrong dimension count' ? 1 : bytes[3] === 3 ? 3 : 1;
    expect(() => parseIdx(bytes, 'f', dims)).toThrow(DatasetFormatError);
    expect(() => parseIdx(bytes, 'f', dims)).toThrow(message);
  });

  it('never allocates from a huge declared size: it fails on the size check', () => {
    expect(() => parseIdx(idx([0xffffffff, 0xffffffff, 0xffffffff], []), 'f', 3)).toThrow(
      /truncated/,
    );
  });
});
