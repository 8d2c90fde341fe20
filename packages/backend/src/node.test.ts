import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { availableBackends, initBackend } from './node.js';

describe('initBackend (Node)', () => {
  it.each(['wasm', 'cpu'] as const)('starts %s and computes gradients there', async (name) => {
    const info = await initBackend(name);
    expect(info.name).toBe(name);
    expect(tf.getBackend()).toBe(name);
    // d/dx sum(x^2 * sigmoid(x)) needs the Square, Sigmoid, Mul and Sum gradients registered.
    const x = tf.tensor1d([-1, 0.5, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.square(v), tf.sigmoid(v))))(x);
    const xs = [-1, 0.5, 2];
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const want = xs.map((v) => 2 * v * s(v) + v * v * s(v) * (1 - s(v)));
    const got = Array.from(await g.data());
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i] as number, 5);
    });
    tf.dispose([x, g]);
  });

  it('reports SIMD on wasm and no threads in Node', async () => {
    const info = await initBackend('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads).toBe(false);
  });

  it('names the valid choices when given an unknown backend', async () => {
    await expect(initBackend('webgl9')).rejects.toThrow(/Unknown backend 'webgl9'.*wasm, cpu/);
  });

  it('says that webgl needs a browser (webgpu: see node-webgpu.test.ts)', async () => {
    await expect(initBackend('webgl')).rejects.toThrow(
      'The webgl backend runs in a browser only; in Node choose one of: wasm, cpu, webgpu.',
    );
    expect(await availableBackends()).toEqual(expect.arrayContaining(['wasm', 'cpu']));
  });
});
