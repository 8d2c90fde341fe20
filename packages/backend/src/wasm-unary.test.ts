import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { latentModuleOf, type WasmBackend } from './gemm.js';
import { initBackend } from './node.js';
import { useLatentUnary } from './wasm-unary.js';

/** Units in the last place of float32 between `got` and the exact (double) `want`, rounded to float32. */
function ulps(got: number, want: number): number {
  const w = Math.fround(want);
  if (Number.isNaN(w)) return Number.isNaN(got) ? 0 : Number.POSITIVE_INFINITY;
  if (got === w) return 0;
  const bits = (v: number) => {
    const i = new Int32Array(new Float32Array([v]).buffer)[0] as number;
    return i < 0 ? -0x80000000 - i : i;
  };
  return Math.abs(bits(got) - bits(w));
}

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** Every float32 step of a few ranges, plus edges: zeros, tiny, huge, infinities, NaN. */
function sweep(): Float32Array {
  const values: number[] = [
    0,
    -0,
    Number.NaN,
    Infinity,
    -Infinity,
    1e-30,
    -1e-30,
    3e-39,
    88,
    -87.2,
  ];
  for (let x = -30; x <= 30; x += 0.0137) values.push(x);
  for (let e = -40; e <= 38; e += 0.25) values.push(10 ** e, -(10 ** e));
  for (let x = -0.5; x <= 0.5; x += 0.00091) values.push(x);
  return Float32Array.from(values);
}

function apply(f: 'tanh' | 'softplus', x: Float32Array): Float32Array {
  const op = f === 'tanh' ? tf.tanh : tf.softplus;
  return tf.tidy(() => Float32Array.from(op(tf.tensor1d(x)).dataSync()));
}

describe('Tanh and Softplus on wasm with latent vector functions', () => {
  it('are within 4 units in the last place of tanh and softplus, with NaN, infinities and signed zeros kept', async () => {
    await initBackend('wasm');
    expect(latentModuleOf(tf.backend() as unknown as WasmBackend)).not.toBeNull();
    const x = sweep();
    for (const [name, exact] of [
      ['tanh', Math.tanh],
      ['softplus', softplus],
    ] as const) {
      const got = apply(name, x);
      let worst = 0;
      for (const [i, v] of x.entries()) {
        const want = exact(v);
        // Below -87.3 softplus is subnormal (< 2^-126) and given as 0.
        const err =
          name === 'softplus' && v < -87.3 ? Math.abs(got[i]!) / 2 ** -126 : ulps(got[i]!, want);
        expect(err, `${name}(${v}) = ${got[i]}, want ${want}`).toBeLessThanOrEqual(4);
        worst = Math.max(worst, err);
      }
      expect(worst).toBeGreaterThan(0);
    }
    const t = apply('tanh', Float32Array.from([0, -0, 1e-30]));
    expect(Object.is(t[0], 0) && Object.is(t[1], -0) && t[2] === Math.fround(1e-30)).toBe(true);
  });

  it("agree with tfjs's kernels to 4 ulps on every size, tails included, and leak nothing", async () => {
    await initBackend('wasm');
    for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 50_000]) {
      const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 9);
      for (const name of ['tanh', 'softplus'] as const) {
        useLatentUnary(false);
        const want = apply(name, x);
        useLatentUnary(true);
        const before = tf.memory().numTensors;
        const got = apply(name, x);
        expect(tf.memory().numTensors).toBe(before);
        let differs = false;
        for (let i = 0; i < n; i++) {
          expect(ulps(got[i]!, want[i]!), `${name} n=${n} i=${i}`).toBeLessThanOrEqual(4);
          differs ||= got[i] !== want[i];
        }
        // Not tfjs's libm loop under another name: somewhere the last bits differ.
        if (n === 50_000) expect(differs).toBe(true);
      }
    }
    useLatentUnary(true);
  });

  it('keep their gradients (tfjs computes them from the outputs and Sigmoid)', async () => {
    await initBackend('wasm');
    const x = tf.tensor1d([-3, -0.5, 0, 0.25, 2]);
    const [dt, ds] = tf.tidy(() => [
      tf.grad((v: tf.Tensor) => tf.sum(tf.tanh(v)))(x),
      tf.grad((v: tf.Tensor) => tf.sum(tf.softplus(v)))(x),
    ]);
    const xs = [-3, -0.5, 0, 0.25, 2];
    expect(Array.from(dt!.dataSync())).toEqual(
      xs.map((v) => expect.closeTo(1 - Math.tanh(v) ** 2, 6)),
    );
    expect(Array.from(ds!.dataSync())).toEqual(
      xs.map((v) => expect.closeTo(1 / (1 + Math.exp(-v)), 6)),
    );
    tf.dispose([x, dt!, ds!]);
  });
});
