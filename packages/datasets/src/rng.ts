/**
 * A small seeded PRNG (mulberry32) whose whole state is one uint32, so it can be
 * saved in a checkpoint and restored exactly. `Math.random` (used by
 * `tf.util.shuffle`) cannot be seeded, so latent never uses it.
 */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** The full generator state; `new Rng(0).restore(state)` continues the same stream. */
  get state(): number {
    return this.s;
  }

  restore(state: number): this {
    this.s = state >>> 0;
    return this;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { [i: number]: unknown; length: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

/** Mixes a seed with stream labels into a new uint32 seed (FNV-1a), for independent sub-streams. */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const label of labels) {
    const text = `/${label}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}
