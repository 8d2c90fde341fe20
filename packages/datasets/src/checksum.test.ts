import { describe, expect, it } from 'vitest';
import { fnv1a } from './checksum.js';

describe('fnv1a', () => {
  it('gives the published FNV-1a 32-bit values, for bytes and buffers alike', () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(fnv1a(bytes(''))).toBe('811c9dc5');
    expect(fnv1a(bytes('a'))).toBe('e40c292c');
    expect(fnv1a(bytes('foobar'))).toBe('bf9cf968');
    expect(fnv1a(bytes('foobar').buffer as ArrayBuffer)).toBe('bf9cf968');
  });
});
