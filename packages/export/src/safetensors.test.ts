// The safetensors parser reads files from anywhere (a PyTorch run, a
// download): hostile headers must be refused with a SafetensorsError naming
// the file, before anything of the size they claim is allocated.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_HEADER_BYTES,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
} from './safetensors.js';

/** FUZZ_SCALE=20 runs each property 20 times longer, for a deeper search by hand. */
const runs = (n: number): number => Math.round(n * Number(process.env.FUZZ_SCALE ?? 1));

const enc = new TextEncoder();

/** A file from a raw header object and data bytes, with the header length claimed as given. */
function file(header: unknown, data = new Uint8Array(0), claimed?: bigint): Uint8Array {
  const head = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, claimed ?? BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

function refusal(bytes: Uint8Array): string {
  try {
    readSafetensors(bytes, 'x.safetensors');
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    expect((e as Error).message.startsWith('x.safetensors: ')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('safetensors', () => {
  it('round-trips tensors and metadata, with the data 8-byte aligned as the format asks', () => {
    const a = { name: 'a.weight', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const b = { name: 'b', shape: [1], data: Float32Array.from([-0.5]) };
    const bytes = writeSafetensors([a, b], { model: 'dcgan' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const back = readSafetensors(bytes, 'x');
    expect(back.metadata).toEqual({ model: 'dcgan' });
    expect([...back.tensors.keys()]).toEqual(['a.weight', 'b']);
    expect(back.tensors.get('a.weight')).toEqual({ shape: [2, 3], data: a.data });
    expect([...(back.tensors.get('b')?.data ?? [])]).toEqual([-0.5]);
  });

  it('refuses hostile headers, saying what is wrong', () => {
    const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
    const eight = new Uint8Array(8);
    expect(refusal(new Uint8Array(3))).toContain('too short');
    // A header length of 2^63: nothing of that size may be allocated.
    expect(refusal(file({ t: ok }, eight, 2n ** 63n))).toMatch(
      /claims \d+ bytes but only \d+ follow/,
    );
    expect(refusal(file({ t: { ...ok, data_offsets: [0, 1e12] } }, eight))).toContain(
      'outside the 8 bytes of data',
    );
    expect(refusal(file({ t: { ...ok, data_offsets: [8, 0] } }, eight))).toContain('outside');
    expect(
      refusal(
        file(
          {
            t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            u: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          eight,
        ),
      ),
    ).toContain("tensor 'u' overlaps");
    expect(refusal(file({ t: { ...ok, dtype: 'BF16' } }, eight))).toContain(
      'has dtype "BF16"; latent reads F32 only',
    );
    expect(refusal(file({ t: { ...ok, shape: [2 ** 40, 2 ** 40] } }, eight))).toContain(
      'needs 4835703278458516698824704 bytes, its range holds 8',
    );
    expect(refusal(file({ t: { ...ok, shape: [-1] } }, eight))).toContain('invalid shape');
    expect(refusal(file({ t: { ...ok, data_offsets: [0, 4] } }, eight))).toMatch(
      /needs 8 bytes, its range holds 4/,
    );
    expect(refusal(file({ t: { ...ok, shape: [1], data_offsets: [0, 4] } }, eight))).toContain(
      'bytes 4..8 at the end belong to no tensor',
    );
    expect(refusal(file([1, 2], eight))).toContain('not a JSON object');
    expect(refusal(file({ __metadata__: { a: 1 } }))).toContain('__metadata__.a is not a string');
    const notJson = file({ t: ok }, eight);
    notJson[8] = 0x7b + 1;
    expect(refusal(notJson)).toContain('not valid JSON');
    expect(MAX_HEADER_BYTES).toBe(100_000_000);
  });

  it('fuzz: any bytes are parsed or refused with a SafetensorsError, never more', () => {
    const valid = writeSafetensors(
      [
        { name: 'w', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
        { name: 'b', shape: [2], data: Float32Array.from([7, 8]) },
      ],
      { part: 'generator' },
    );
    const mutation = fc.oneof(
      fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ truncate: fc.nat() }),
      // The header length overwritten with extreme values.
      fc.record({
        length: fc.constantFrom(
          0n,
          1n,
          7n,
          2n ** 32n,
          2n ** 53n,
          2n ** 64n - 1n,
          BigInt(MAX_HEADER_BYTES + 1),
        ),
      }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let b = Uint8Array.from(valid);
        for (const m of mutations) {
          if ('truncate' in m) b = b.subarray(0, m.truncate % (b.length + 1));
          else if ('length' in m) {
            if (b.length >= 8) new DataView(b.buffer, b.byteOffset).setBigUint64(0, m.length, true);
          } else if (b.length > 0) b[m.at % b.length] = m.value;
        }
        const start = performance.now();
        try {
          const parsed = readSafetensors(b, 'fuzz');
          let total = 0;
          for (const t of parsed.tensors.values()) total += t.data.byteLength;
          expect(total).toBeLessThanOrEqual(b.length);
        } catch (e) {
          if (!(e instanceof SafetensorsError)) throw e;
        }
        expect(performance.now() - start).toBeLessThan(1000);
      }),
      { numRuns: runs(2000) },
    );
  });

  it('fuzz: headers of random entries are parsed or refused, never more', () => {
    const entry = fc.record({
      dtype: fc.constantFrom('F32', 'F16', 'I64', 'BF16', 7),
      shape: fc.array(fc.oneof(fc.nat(4), fc.constantFrom(-1, 2 ** 31, 2 ** 53, 1.5)), {
        maxLength: 4,
      }),
      data_offsets: fc.tuple(
        fc.oneof(fc.nat(64), fc.constantFrom(-8, 2 ** 40)),
        fc.oneof(fc.nat(64), fc.constantFrom(-8, 2 ** 40)),
      ),
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 4 }), entry, { maxKeys: 4 }),
        fc.nat(64),
        (header, dataBytes) => {
          const b = file(header, new Uint8Array(dataBytes));
          try {
            const parsed = readSafetensors(b, 'fuzz');
            // Whatever was accepted tiles the data exactly.
            let total = 0;
            for (const t of parsed.tensors.values()) total += t.data.byteLength;
            expect(total).toBe(dataBytes);
          } catch (e) {
            if (!(e instanceof SafetensorsError)) throw e;
          }
        },
      ),
      { numRuns: runs(2000) },
    );
  });
});
