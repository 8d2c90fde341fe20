// Property tests for the parsers of untrusted bytes (IDX files, PNG and JPEG
// images): whatever the input, they return a well-formed result or throw a
// DatasetFormatError naming the file — never a TypeError/RangeError from deep
// inside, never a hang, never an allocation sized by an unchecked header field.
import fc from 'fast-check';
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode.js';
import { DatasetFormatError, parseIdx } from './idx.js';

/** FUZZ_SCALE=20 runs each property 20 times longer, for a deeper search by hand. */
const runs = (n: number): number => Math.round(n * Number(process.env.FUZZ_SCALE ?? 1));

/** Runs `parse` and classifies the outcome; anything but our error type fails the property. */
function outcome<T>(parse: () => T): { ok: T } | { error: DatasetFormatError } {
  const start = performance.now();
  try {
    return { ok: parse() };
  } catch (e) {
    if (!(e instanceof DatasetFormatError)) {
      throw new Error(`expected a DatasetFormatError, got ${(e as Error)?.name}: ${String(e)}`, {
        cause: e,
      });
    }
    expect(e.message.startsWith('fuzz.bin: ')).toBe(true);
    return { error: e };
  } finally {
    // A generous bound: inputs here are at most a few kB, so anything slower is a
    // runaway loop or a huge allocation, not a slow machine.
    expect(performance.now() - start).toBeLessThan(2_000);
  }
}

/** Byte-level mutations a corrupt download or a hostile file could bring. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  // A big-endian uint32 overwritten with an extreme value: a header size field.
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.nat(),
    value: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 65_535, 65_536, 100_000),
  }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(input: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = Uint8Array.from(input);
  for (const m of mutations) {
    if (b.length === 0) break;
    switch (m.kind) {
      case 'truncate':
        b = b.subarray(0, m.at % b.length);
        break;
      case 'flip':
        b[m.at % b.length]! ^= m.mask;
        break;
      case 'set':
        b[m.at % b.length] = m.value;
        break;
      case 'u32': {
        if (b.length < 4) break;
        const at = m.at % (b.length - 3);
        new DataView(b.buffer, b.byteOffset).setUint32(at, m.value, false);
        break;
      }
      case 'append': {
        const grown = new Uint8Array(b.length + m.bytes.length);
        grown.set(b);
        grown.set(m.bytes, b.length);
        b = grown;
        break;
      }
    }
  }
  return b;
}

function idxFile(shape: number[], fill: number): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * shape.length + count).fill(fill);
  out.fill(0, 0, 4 + 4 * shape.length);
  out[2] = 0x08;
  out[3] = shape.length;
  const view = new DataView(out.buffer);
  shape.forEach((n, i) => {
    view.setUint32(4 + 4 * i, n, false);
  });
  return out;
}

/** A well-formed result: the data is exactly what the shape declares, inside the input. */
function checkIdx(parsed: ReturnType<typeof parseIdx>, bytes: Uint8Array, dims: number): void {
  expect(parsed.shape).toHaveLength(dims);
  expect(parsed.data.length).toBe(parsed.shape.reduce((a, b) => a * b, 1));
  expect(parsed.data.buffer).toBe(bytes.buffer); // a view, never a copy sized by the header
}

describe('parseIdx under fuzzing', () => {
  it('random bytes: a well-formed array or a DatasetFormatError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 0, max: 4 }),
        (bytes, dims) => {
          const r = outcome(() => parseIdx(bytes, 'fuzz.bin', dims));
          if ('ok' in r) checkIdx(r.ok, bytes, dims);
        },
      ),
      { numRuns: runs(2_000) },
    );
  });

  it('mutated valid files (truncated, flipped, huge dimension sizes)', () => {
    const shapes = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 40 })).map((s) => [...s]),
      fc
        .tuple(
          fc.integer({ min: 0, max: 6 }),
          fc.integer({ min: 0, max: 6 }),
          fc.integer({ min: 0, max: 6 }),
        )
        .map((s) => [...s]),
    );
    fc.assert(
      fc.property(shapes, fc.array(mutation, { minLength: 1, maxLength: 4 }), (shape, ms) => {
        const bytes = mutate(idxFile(shape, 7), ms);
        const r = outcome(() => parseIdx(bytes, 'fuzz.bin', shape.length));
        if ('ok' in r) checkIdx(r.ok, bytes, shape.length);
      }),
      { numRuns: runs(2_000) },
    );
  });

  it('a header declaring 2^96 bytes is refused at once, with the sizes in the message', () => {
    const bytes = idxFile([2, 2, 2], 1);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < 3; i++) view.setUint32(4 + 4 * i, 0xffffffff, false);
    expect(() => parseIdx(bytes, 'fuzz.bin', 3)).toThrow(
      /fuzz\.bin: truncated: header declares 4294967295x4294967295x4294967295/,
    );
  });
});

/**
 * A fixed corpus of small valid images, made once (jpeg-js's encoder is slow
 * to start): every PNG colour type at depths 8 and 16, grey 1/2/4-bit and
 * palette PNGs come from mutation, and baseline JPEGs.
 */
const corpus: Uint8Array[] = [];
for (const channels of [1, 2, 3, 4] as const) {
  for (const depth of [8, 16] as const) {
    const width = 3 + channels;
    const height = 2 + depth / 8;
    const n = width * height * channels;
    const data = depth === 8 ? new Uint8Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++) data[i] = (i * 40503 + channels) % (depth === 8 ? 256 : 65536);
    corpus.push(encodePng({ width, height, channels, depth, data }));
  }
}
for (const [width, height] of [
  [1, 1],
  [7, 5],
  [16, 9],
]) {
  const data = new Uint8Array(width! * height! * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
  corpus.push(new Uint8Array(encodeJpeg({ width: width!, height: height!, data }, 80).data));
}
const validImage = fc.constantFrom(...corpus);

function checkImage(img: ReturnType<typeof decodeImage>, maxPixels: number): void {
  expect([1, 2, 3, 4]).toContain(img.channels);
  expect(img.width).toBeGreaterThan(0);
  expect(img.height).toBeGreaterThan(0);
  expect(img.width * img.height).toBeLessThanOrEqual(maxPixels);
  expect(img.data).toBeInstanceOf(Uint8Array);
  expect(img.data.length).toBe(img.width * img.height * img.channels);
}

describe('decodeImage under fuzzing', () => {
  // Small limit: a mutated header may declare any size up to it, and the decoder
  // may then really allocate that much; the default limit is tested separately.
  const maxPixels = 4_096;

  it('random bytes, with and without an image signature', () => {
    const prefix = fc.constantFrom(
      [],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52],
      [0xff, 0xd8],
      [0xff, 0xd8, 0xff, 0xc0],
    );
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 200 }), (head, tail) => {
        const bytes = new Uint8Array([...head, ...tail]);
        const r = outcome(() => decodeImage(bytes, 'fuzz.bin', maxPixels));
        if ('ok' in r) checkImage(r.ok, maxPixels);
      }),
      { numRuns: runs(2_000) },
    );
  });

  it('mutated valid PNGs and JPEGs', () => {
    fc.assert(
      fc.property(validImage, fc.array(mutation, { minLength: 1, maxLength: 4 }), (valid, ms) => {
        const bytes = mutate(valid, ms);
        const r = outcome(() => decodeImage(bytes, 'fuzz.bin', maxPixels));
        if ('ok' in r) checkImage(r.ok, maxPixels);
      }),
      { numRuns: runs(1_000) },
    );
  });

  it('valid images decode to what their header says', () => {
    fc.assert(
      fc.property(validImage, (bytes) => {
        const r = outcome(() => decodeImage(bytes, 'fuzz.bin', maxPixels));
        expect('ok' in r).toBe(true);
        if ('ok' in r) checkImage(r.ok, maxPixels);
      }),
      { numRuns: corpus.length * 2 },
    );
  });

  it('a PNG or JPEG header declaring a huge size is refused before decoding', () => {
    const small = encodePng({
      width: 2,
      height: 2,
      channels: 1,
      depth: 8,
      data: new Uint8Array(4),
    });
    const png = Uint8Array.from(small);
    const view = new DataView(png.buffer, png.byteOffset);
    view.setUint32(16, 60_000, false);
    view.setUint32(20, 60_000, false);
    expect(() => decodeImage(png, 'fuzz.bin')).toThrow(
      /fuzz\.bin: PNG declares 60000x60000 pixels, more than the limit/,
    );
    // The size check must read the real IHDR: a chunk placed before it must not
    // hide a huge declared size from the check.
    const text = new Uint8Array([
      0,
      0,
      0,
      8,
      ...new TextEncoder().encode('prVt'),
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
    ]);
    const hidden = new Uint8Array([...png.subarray(0, 8), ...text, ...png.subarray(8)]);
    expect(() => decodeImage(hidden, 'fuzz.bin')).toThrow(
      /fuzz\.bin: PNG does not start with an IHDR chunk \(found 'prVt'\)/,
    );
    // Nor may a second IHDR replace the checked one.
    const ihdr = png.subarray(8, 33);
    const twice = new Uint8Array([
      ...png.subarray(0, 8),
      ...small.subarray(8, 33),
      ...ihdr,
      ...png.subarray(33),
    ]);
    expect(() => decodeImage(twice, 'fuzz.bin')).toThrow(
      /fuzz\.bin: PNG has a second IHDR chunk at byte 33/,
    );
    const jpeg = new Uint8Array(
      encodeJpeg({ width: 2, height: 2, data: new Uint8Array(16) }, 80).data,
    );
    // SOF0 marker: FF C0, length (2 bytes), precision (1), height (2), width (2).
    const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc0);
    expect(sof).toBeGreaterThan(0);
    new DataView(jpeg.buffer, jpeg.byteOffset).setUint16(sof + 5, 65_000, false);
    new DataView(jpeg.buffer, jpeg.byteOffset).setUint16(sof + 7, 65_000, false);
    const start = performance.now();
    expect(() => decodeImage(jpeg, 'fuzz.bin')).toThrow(/fuzz\.bin: unreadable JPEG/);
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});
