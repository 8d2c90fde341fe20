import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { latentModuleOf, type WasmBackend } from './gemm.js';
import { initBackend } from './node.js';
import { useLatentMasks } from './wasm-masks.js';

/** n floats with the edges among them: signed zeros, infinities, NaN, ties at the threshold. */
function values(n: number, seed: number): Float32Array {
  const edges = [0, -0, Number.NaN, Infinity, -Infinity, 1e-40, -1e-40, 0.5, -0.5];
  return Float32Array.from({ length: n }, (_, i) =>
    i % 7 === 3 ? edges[(i + seed) % edges.length]! : Math.sin((i + seed) * 12.9898) * 4,
  );
}

type Run = () => tf.Tensor;

/** The op's values on each kernel, with `useLatentMasks` as given; the tensor count checked flat. */
function on(latent: boolean, run: Run): number[] {
  useLatentMasks(latent);
  try {
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => Array.from(run().dataSync()));
    expect(tf.memory().numTensors).toBe(before);
    return out;
  } finally {
    useLatentMasks(true);
  }
}

const sameBits = (got: number[], want: number[]) =>
  expect(Float32Array.from(got).map((_, i) => (Object.is(got[i], want[i]) ? 1 : 0))).toEqual(
    new Float32Array(want.length).fill(1),
  );

describe('LeakyRelu, Greater and Select on wasm with latent loops', () => {
  it("agree with tfjs's wasm kernels and the cpu backend bit for bit, at every tail length", async () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 4099]) {
      const [a, b] = [values(n, 0), values(n, 5)];
      const ops: [string, Run][] = [
        ['leakyRelu 0.2', () => tf.leakyRelu(tf.tensor1d(a), 0.2)],
        ['leakyRelu 0.01', () => tf.leakyRelu(tf.tensor1d(a), 0.01)],
        ['greater scalar', () => tf.greater(tf.tensor1d(a), tf.scalar(0))],
        [
          'greater scalar of rank 2',
          () => tf.greater(tf.tensor2d(a, [1, n]), tf.tensor2d([0.5], [1, 1])),
        ],
        ['greater', () => tf.greater(tf.tensor1d(a), tf.tensor1d(b))],
        ['greater, broadcast a', () => tf.greater(tf.scalar(0), tf.tensor1d(a))],
        [
          'where',
          () =>
            tf.where(tf.greater(tf.tensor1d(a), tf.tensor1d(b)), tf.tensor1d(a), tf.tensor1d(b)),
        ],
      ];
      for (const [name, run] of ops) {
        await initBackend('cpu');
        const cpu = tf.tidy(() => Array.from(run().dataSync()));
        await initBackend('wasm');
        const builtin = on(false, run);
        const latent = on(true, run);
        expect(latent.length, `${name} n=${n}`).toBe(n);
        sameBits(latent, builtin);
        // The cpu backend multiplies by alpha as a double; tfjs's wasm kernel and latent's by alpha as a float32.
        if (!name.startsWith('leakyRelu')) sameBits(latent, cpu);
      }
    }
  });

  it('compute what they say when called directly', async () => {
    await initBackend('wasm');
    const g = latentModuleOf(tf.backend() as unknown as WasmBackend)!;
    expect(g).not.toBeNull();
    const backend = tf.backend() as unknown as WasmBackend;
    const n = 11;
    const [a, b] = [values(n, 1), values(n, 4)];
    const [ta, tb] = [tf.tensor1d(a), tf.tensor1d(b)];
    const [out, mask] = [tf.zeros([n]), tf.zeros([n], 'bool')];
    const at = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const alpha = Math.fround(0.3);
    g.exports.leakyRelu(at(ta), at(out), n, new Int32Array(Float32Array.of(alpha).buffer)[0]!);
    sameBits(
      Array.from(out.dataSync()),
      Array.from(a, (v) => (v < 0 ? Math.fround(alpha * v) : v)),
    );
    g.exports.greater(at(ta), at(tb), at(mask), n, 4);
    expect(Array.from(mask.dataSync())).toEqual(Array.from(a, (v, i) => (v > b[i]! ? 1 : 0)));
    const picked = mask.dataSync();
    g.exports.select(at(mask), at(ta), at(tb), at(out), n);
    sameBits(
      Array.from(out.dataSync()),
      Array.from(a, (v, i) => (picked[i] ? v : b[i]!)),
    );
    tf.dispose([ta, tb, out, mask]);
  });

  it('keep the leaky ReLU gradient: dy where x > 0, alpha dy elsewhere', async () => {
    await initBackend('wasm');
    const x = tf.tensor1d([-2, -0, 0, 0.5, 3, -1e-3]);
    const dx = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, 0.2), 3)))(x));
    expect(Array.from(dx.dataSync())).toEqual(
      [0.2, 0.2, 0.2, 1, 1, 0.2].map((s) => expect.closeTo(3 * s, 6)),
    );
    tf.dispose([x, dx]);
  });
});
