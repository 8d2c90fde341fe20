import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend, useFastWasmConv2DBackpropInput, useLatentWasmGemm } from './node.js';

// Deterministic inputs as plain arrays, so both backends see the same numbers.
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

interface Case {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  stride: number;
  pad: 'same' | 'valid';
}

/** Gradients of sum(conv2d(x, W) * dy) on the active backend: the built-in gradient's kernels. */
function convGrads(c: Case) {
  return tf.tidy(() => {
    const x = tf.tensor4d(
      values(
        c.x.reduce((a, b) => a * b),
        1,
      ),
      c.x,
    );
    const wShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.co];
    const w = tf.tensor4d(
      values(
        wShape.reduce((a, b) => a * b),
        2,
      ),
      wShape,
    );
    const y = tf.conv2d(x, w, c.stride, c.pad);
    const dy = tf.tensor(values(y.size, 3), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy)),
    )([x, w]);
    // The same kernel (Conv2DBackpropInput) is the forward pass of a transposed conv.
    const t = tf.conv2dTranspose(dy as tf.Tensor4D, w, c.x, c.stride, c.pad);
    return { y: y.dataSync(), dx: dx!.dataSync(), dw: dw!.dataSync(), t: t.dataSync() };
  });
}

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / scale;
}

const cases: Case[] = [];
for (const stride of [1, 2])
  for (const pad of ['same', 'valid'] as const)
    for (const [x, k, co] of [
      [[2, 7, 7, 1], [3, 3], 4],
      [[3, 8, 8, 3], [4, 4], 5],
      [[2, 9, 6, 6], [5, 5], 2],
      [[1, 5, 11, 4], [2, 3], 7],
      [[2, 14, 14, 16], [4, 4], 8],
      // Deep and wide enough for GEMM + col2im (gemm-conv.ts) at stride 2.
      [[2, 14, 14, 8], [4, 4], 32],
      [[3, 9, 9, 1], [4, 4], 16],
      [[2, 11, 11, 6], [3, 3], 24],
    ] as [Case['x'], Case['k'], number][])
      cases.push({ x, k, co, stride, pad });

describe('wasm convolution kernels', () => {
  it.each(cases)(
    'match the cpu backend: x $x, kernel $k, $co outputs, stride $stride, $pad',
    async (c) => {
      await initBackend('cpu');
      const want = convGrads(c);
      await initBackend('wasm');
      const got = convGrads(c);
      expect(got.dx.length).toBe(want.dx.length);
      expect(got.dw.length).toBe(want.dw.length);
      expect(maxRelErr(got.y, want.y)).toBeLessThan(1e-5);
      expect(maxRelErr(got.dw, want.dw)).toBeLessThan(1e-5);
      expect(maxRelErr(got.dx, want.dx)).toBeLessThan(1e-5);
      expect(maxRelErr(got.t, want.t)).toBeLessThan(1e-5);
    },
  );

  it.each([
    { x: [2, 9, 9, 3], k: [4, 4], co: 5, stride: 2, pad: 'same' },
    { x: [2, 9, 9, 3], k: [4, 4], co: 32, stride: 2, pad: 'same' },
    // dy [3, 16, 16, 16] against 4x4x272 patches: 1.1 M floats an image, so
    // col2im's 2 M-float buffer (gemm-conv.ts) takes one image a pass.
    { x: [3, 32, 32, 272], k: [4, 4], co: 16, stride: 2, pad: 'same' },
  ] as Case[])(
    "agree with the wasm backend's built-in Conv2DBackpropInput: $co outputs",
    async (c) => {
      await initBackend('wasm');
      const fast = convGrads(c);
      useFastWasmConv2DBackpropInput(false);
      try {
        const builtin = convGrads(c);
        expect(maxRelErr(fast.dx, builtin.dx)).toBeLessThan(1e-5);
        expect(maxRelErr(fast.t, builtin.t)).toBeLessThan(1e-5);
      } finally {
        useFastWasmConv2DBackpropInput(true);
      }
    },
  );

  it.each([5, 32])('leaves no tensors or wasm buffers behind: %i outputs', async (co) => {
    await initBackend('wasm');
    const c: Case = { x: [2, 9, 9, 3], k: [4, 4], co, stride: 2, pad: 'same' };
    convGrads(c);
    const before = tf.memory();
    const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    convGrads(c);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(ids);
  });

  it('clones share memory instead of copying, and each keeps it alive', async () => {
    await initBackend('wasm');
    const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const x = tf.tensor([1, 2, 3]);
    const y = tf.clone(x);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(ids + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(ids);
  });

  it('flipped products (short first operand, large second) match the cpu backend', async () => {
    const shapes: [number, number, number][] = [
      [3, 300, 400],
      [20, 256, 256],
    ];
    for (const [m, k, n] of shapes) {
      await initBackend('cpu');
      const a = tf.randomNormal([m, k], 0, 1, 'float32', 1).arraySync() as number[][];
      const b = tf.randomNormal([k, n], 0, 1, 'float32', 2).arraySync() as number[][];
      const bias = tf.randomNormal([n], 0, 1, 'float32', 3).arraySync() as number[];
      const product = (x: number[][], y: number[][], c: number[]) => {
        const p = tf.matMul(tf.tensor2d(x), tf.tensor2d(y));
        const f = tf.fused.matMul({
          a: tf.tensor2d(x),
          b: tf.tensor2d(y),
          bias: tf.tensor1d(c),
          activation: 'leakyrelu',
          leakyreluAlpha: 0.2,
        });
        const out = [p.dataSync().slice(), f.dataSync().slice()];
        tf.dispose([p, f]);
        return out;
      };
      const [wantPlain, wantFused] = product(a, b, bias);
      await initBackend('wasm');
      const [plain, fused] = product(a, b, bias);
      expect(maxRelErr(plain!, wantPlain!)).toBeLessThan(1e-5);
      expect(maxRelErr(fused!, wantFused!)).toBeLessThan(1e-5);
    }
  });
  it('with XNNPACK, products with transpose flags (as explicit transposes) match the cpu backend', async () => {
    const [m, k, n] = [7, 300, 260];
    const product = (ta: boolean, tb: boolean) =>
      tf.tidy(() => {
        const a = tf.tensor2d(values(m * k, 4), ta ? [k, m] : [m, k]);
        const b = tf.tensor2d(values(k * n, 5), tb ? [n, k] : [k, n]);
        return tf.matMul(a, b, ta, tb).dataSync().slice();
      });
    const flags = [
      [false, true],
      [true, false],
      [true, true],
    ] as const;
    await initBackend('cpu');
    const want = flags.map(([ta, tb]) => product(ta, tb));
    useLatentWasmGemm(false);
    try {
      expect((await initBackend('wasm')).gemm).toBe('xnnpack');
      const before = tf.memory().numTensors;
      for (const [i, [ta, tb]] of flags.entries())
        expect(
          maxRelErr(product(ta, tb), want[i]!),
          `transposeA ${ta}, transposeB ${tb}`,
        ).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      useLatentWasmGemm(true);
      await initBackend('wasm');
    }
  });
});
