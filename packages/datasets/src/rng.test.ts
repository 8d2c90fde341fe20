import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng.binarize', () => {
  it('draws exactly what next() * 255 < byte would, and leaves the stream where that loop does', () => {
    // Every byte value, several times, so each threshold meets many draws.
    const bytes = Uint8Array.from({ length: 256 * 40 }, (_, i) => i % 256);
    const fast = new Rng(12345);
    const slow = new Rng(12345);
    const out = new Float32Array(bytes.length + 3).fill(7);
    fast.binarize(bytes, out, 3);
    const expected: number[] = Array.from(bytes, (b) => (slow.next() * 255 < b ? 1 : 0));
    expect(Array.from(out.subarray(3))).toEqual(expected);
    expect(Array.from(out.subarray(0, 3))).toEqual([7, 7, 7]);
    expect(fast.state).toBe(slow.state);
    // 0 never turns on, 255 always does (next() < 1), and the rest do about byte/255 of the time.
    const at = (b: number) => expected.filter((_, i) => i % 256 === b);
    expect(at(0).every((v) => v === 0)).toBe(true);
    expect(at(255).every((v) => v === 1)).toBe(true);
    const share = expected.reduce((s, v) => s + v, 0) / expected.length;
    expect(share).toBeCloseTo(0.5, 1);
  });
});
