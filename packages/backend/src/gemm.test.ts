import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { wasmGemmOf } from './gemm.js';
import {
  type GemmExports,
  gemm,
  gemmModuleBytes,
  WORKSPACE_BYTES,
  wasmFeatures,
} from './gemm-kernels.js';
import { initBackend, useLatentWasmGemm } from './node.js';

// Fixed inputs as plain arrays, so both backends see the same numbers.
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
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

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** matMul, and the fused product with bias and leaky ReLU, on the active backend. */
function products(c: Case) {
  return tf.tidy(() => {
    const a = tf.tensor(values(tf.util.sizeFromShape(c.a), 1), c.a);
    const b = tf.tensor(values(tf.util.sizeFromShape(c.b), 2), c.b);
    const plain = tf.matMul(a, b, c.transposeA, c.transposeB);
    const n = plain.shape.at(-1)!;
    const fused = tf.fused.matMul({
      a,
      b,
      transposeA: c.transposeA,
      transposeB: c.transposeB,
      bias: tf.tensor1d(values(n, 3)),
      activation: 'leakyrelu',
      leakyreluAlpha: 0.2,
    });
    return { shape: plain.shape, plain: plain.dataSync(), fused: fused.dataSync() };
  });
}

// [m, k, n] with edges in every direction of the 4 x 8 tile and the 72 x 256 x 512 blocks.
const sizes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 8],
  [13, 300, 17],
  [100, 513, 37],
  [75, 257, 520],
  [6, 258, 9],
];
const cases: Case[] = [];
for (const [m, k, n] of sizes)
  for (const transposeA of [false, true])
    for (const transposeB of [false, true])
      cases.push({
        a: transposeA ? [k, m] : [m, k],
        b: transposeB ? [n, k] : [k, n],
        transposeA,
        transposeB,
      });
// Batched, and broadcast over the batch.
cases.push({ a: [3, 9, 11], b: [3, 10, 11], transposeA: false, transposeB: true });
cases.push({ a: [2, 2, 6, 5], b: [5, 9], transposeA: false, transposeB: false });
cases.push({ a: [1, 7, 6], b: [4, 7, 3], transposeA: true, transposeB: false });

describe("latent's wasm GEMM", () => {
  it("is the wasm backend's product kernel, with FMA where the engine validates relaxed SIMD", async () => {
    const info = await initBackend('wasm');
    expect(info.gemm).toBe(wasmFeatures().relaxed ? 'latent-fma' : 'latent-simd128');
    // Node 20 validates relaxed SIMD here because the Node entry turns its flag on.
    expect(wasmFeatures().relaxed).toBe(true);
  });

  it.each(cases)(
    'matches the cpu backend: a $a, b $b, transposeA $transposeA, transposeB $transposeB',
    async (c) => {
      await initBackend('cpu');
      const want = products(c);
      await initBackend('wasm');
      const got = products(c);
      expect(got.shape).toEqual(want.shape);
      expect(maxRelErr(got.plain, want.plain)).toBeLessThan(1e-5);
      expect(maxRelErr(got.fused, want.fused)).toBeLessThan(1e-5);
    },
  );

  it('gives the same numbers for every transpose of the same logical operands', async () => {
    await initBackend('wasm');
    const [m, k, n] = [37, 300, 45];
    const a = tf.tensor2d(values(m * k, 4), [m, k]);
    const b = tf.tensor2d(values(k * n, 5), [k, n]);
    const at = tf.transpose(a);
    const bt = tf.transpose(b);
    const runs = [
      tf.matMul(a, b),
      tf.matMul(at, b, true, false),
      tf.matMul(a, bt, false, true),
      tf.matMul(at, bt, true, true),
    ].map((t) => t.dataSync());
    for (const r of runs.slice(1)) expect(Array.from(r)).toEqual(Array.from(runs[0]!));
    tf.dispose([a, b, at, bt]);
  });

  it('agrees with XNNPACK, and leaves no tensors or wasm buffers behind', async () => {
    await initBackend('wasm');
    const c: Case = { a: [50, 200], b: [200, 90], transposeA: false, transposeB: false };
    const ours = products(c);
    useLatentWasmGemm(false);
    try {
      const xnnpack = products(c);
      expect(maxRelErr(ours.plain, xnnpack.plain)).toBeLessThan(1e-5);
    } finally {
      useLatentWasmGemm(true);
    }
    const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const tensors = tf.memory().numTensors;
    products(c);
    expect(tf.memory().numTensors).toBe(tensors);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(ids);
  });

  it('runs the GEMM it is told to, each rounding its own way, FMA or mul+add whatever the engine offers', async () => {
    const c: Case = { a: [40, 300], b: [300, 30], transposeA: false, transposeB: false };
    const by: Record<string, Float32Array> = {};
    try {
      for (const gemm of ['latent-fma', 'latent-simd128', 'xnnpack'] as const) {
        useLatentWasmGemm(gemm);
        expect((await initBackend('wasm')).gemm).toBe(gemm);
        by[gemm] = products(c).plain as Float32Array;
      }
      useLatentWasmGemm(true);
      expect((await initBackend('wasm')).gemm).toBe('latent-fma');
      expect(Array.from(products(c).plain)).toEqual(Array.from(by['latent-fma']!));
      useLatentWasmGemm(false);
      expect((await initBackend('wasm')).gemm).toBe('xnnpack');
    } finally {
      useLatentWasmGemm(true);
    }
    const [fma, simd128, xnnpack] = [by['latent-fma']!, by['latent-simd128']!, by.xnnpack!];
    expect(maxRelErr(fma, simd128)).toBeLessThan(1e-5);
    expect(maxRelErr(fma, xnnpack)).toBeLessThan(1e-5);
    expect(Array.from(fma)).not.toEqual(Array.from(simd128));
    expect(Array.from(fma)).not.toEqual(Array.from(xnnpack));
    expect(Array.from(simd128)).not.toEqual(Array.from(xnnpack));
  });

  it('leaves the products to XNNPACK, after one line, where its module fails to instantiate', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const memory = new WebAssembly.Memory({ initial: 1 });
      const backend = {
        wasm: {
          asm: { memory },
          _malloc: () => {
            throw new Error('out of memory');
          },
        },
      };
      expect(wasmGemmOf(backend)).toBe('xnnpack');
      expect(wasmGemmOf(backend)).toBe('xnnpack');
      expect(warn.mock.calls).toEqual([
        [
          "@latent/backend: matrix products use tfjs's XNNPACK kernels (latent's GEMM (latent-fma) failed to instantiate: out of memory).",
        ],
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it('builds a valid module with and without FMA, on a plain or shared (threaded) heap, and each multiplies correctly', () => {
    const [m, n, k] = [9, 13, 70];
    for (const [fma, shared] of [
      [false, false],
      [true, false],
      [true, true],
    ]) {
      const bytes = gemmModuleBytes(fma!, shared);
      expect(WebAssembly.validate(bytes as BufferSource)).toBe(true);
      const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared });
      const g = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {
        env: { memory },
      }).exports as unknown as GemmExports;
      const [pa, pb, pc, work] = [
        0,
        4 * m * k,
        4 * (m * k + k * n),
        4 * (m * k + k * n + m * n) + 16,
      ];
      expect(work + WORKSPACE_BYTES).toBeLessThan(memory.buffer.byteLength);
      const heap = new Float32Array(memory.buffer);
      heap.set(values(m * k, 6), pa / 4);
      heap.set(values(k * n, 7), pb / 4);
      gemm(g, work & ~15, m, n, k, pa, k, 1, pb, n, 1, pc);
      const want = new Float32Array(m * n);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++)
          for (let p = 0; p < k; p++)
            want[i * n + j]! += heap[pa / 4 + i * k + p]! * heap[pb / 4 + p * n + j]!;
      expect(maxRelErr(heap.subarray(pc / 4, pc / 4 + m * n), want)).toBeLessThan(1e-5);
    }
  });
});

interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  stride: number;
  pad: 'same' | 'valid';
  dilation: number;
}

/** conv2d and its gradients (whose inner convolutions go through Conv2D too) on the active backend. */
function convs(c: ConvCase) {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(tf.util.sizeFromShape(c.x), 8), c.x);
    const wShape: [number, number, number, number] = [...c.k, c.x[3], c.co];
    const w = tf.tensor4d(values(tf.util.sizeFromShape(wShape), 9), wShape);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation);
    const y = f(x, w);
    // tfjs has no gradient of a dilated conv; the filter gradient of a strided one is a dilated conv.
    if (c.dilation > 1) return { y: y.dataSync(), dx: [], dw: [] };
    const dy = tf.tensor(values(y.size, 10), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), dy)))([x, w]);
    return { y: y.dataSync(), dx: dx!.dataSync(), dw: dw!.dataSync() };
  });
}

// Deep enough (kh*kw*ci >= 64) and wide enough (co >= 16) for im2col + GEMM.
const convCases: ConvCase[] = [];
for (const stride of [1, 2])
  for (const pad of ['same', 'valid'] as const)
    convCases.push({ x: [2, 9, 11, 16], k: [4, 4], co: 24, stride, pad, dilation: 1 });
convCases.push({ x: [3, 8, 8, 32], k: [3, 3], co: 17, stride: 1, pad: 'same', dilation: 2 });
convCases.push({ x: [2, 5, 7, 64], k: [1, 1], co: 16, stride: 1, pad: 'valid', dilation: 1 });

describe("Conv2D on wasm through latent's GEMM", () => {
  it.each(convCases)(
    'matches the cpu backend: x $x, kernel $k, $co outputs, stride $stride, $pad, dilation $dilation',
    async (c) => {
      await initBackend('cpu');
      const want = convs(c);
      await initBackend('wasm');
      const got = convs(c);
      expect(maxRelErr(got.y, want.y)).toBeLessThan(1e-5);
      if (c.dilation > 1) return;
      expect(maxRelErr(got.dx, want.dx)).toBeLessThan(1e-5);
      expect(maxRelErr(got.dw, want.dw)).toBeLessThan(1e-5);
    },
  );
});

describe('Multiply broadcast over the last axis on wasm', () => {
  it('matches the cpu backend, either operand broadcast, and falls back for other shapes', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor3d(values(7 * 9 * 5, 11), [7, 9, 5]);
        const s = tf.tensor3d(values(7 * 9, 12), [7, 9, 1]);
        const r = tf.tensor1d(values(5, 13));
        return [tf.mul(x, s), tf.mul(s, x), tf.mul(x, r), tf.mul(tf.reshape(s, [7, 9]), 2)].map(
          (t) => t.dataSync(),
        );
      });
    await initBackend('cpu');
    const want = run();
    await initBackend('wasm');
    const got = run();
    for (let i = 0; i < want.length; i++) expect(maxRelErr(got[i]!, want[i]!)).toBeLessThan(1e-6);
  });
});
