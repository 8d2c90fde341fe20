import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADAM_KERNEL, initBackend, SGD_MOMENTUM_KERNEL } from './node.js';

const f = Math.fround;

function values(n: number, seed: number, positive = false): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    const u = s / 2 ** 31 - 1;
    return positive ? u * u : u;
  });
}

function run(kernel: string, inputs: Record<string, Float32Array>, attrs: Record<string, number>) {
  return tf.tidy(() => {
    const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v)]));
    const out = tf.engine().runKernel(kernel, tensors, attrs) as unknown as tf.Tensor[];
    return out.map((t) => t.dataSync() as Float32Array);
  });
}

// Lengths around the four-lane loop and its tail, and a layer's worth.
const LENGTHS = [1, 3, 4, 5, 8, 1203];

describe('fused optimizer kernels on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('are registered once the wasm backend runs', () => {
    expect(tf.getKernel(SGD_MOMENTUM_KERNEL, 'wasm')).toBeDefined();
    expect(tf.getKernel(ADAM_KERNEL, 'wasm')).toBeDefined();
  });

  it('SGD with momentum equals its float32 formula bit for bit, tail included', () => {
    const momentum = 0.7;
    const learningRate = 0.1;
    for (const n of LENGTHS) {
      const [theta, v, g] = [values(n, 1), values(n, 2), values(n, 3)];
      const [theta2, v2] = run(SGD_MOMENTUM_KERNEL, { theta, v, g }, { momentum, learningRate });
      for (let i = 0; i < n; i++) {
        const next = f(f(f(momentum) * v[i]!) - f(f(learningRate) * g[i]!));
        expect(v2![i]).toBe(next);
        expect(theta2![i]).toBe(f(theta[i]! + next));
      }
    }
  });

  it('Adam equals its float32 formula bit for bit, tail included', () => {
    const [beta1, beta2, stepSize, epsilon] = [0.5, 0.999, 2e-4 * 0.0447, 1e-8];
    for (const n of LENGTHS) {
      const [theta, m, v, g] = [values(n, 4), values(n, 5), values(n, 6, true), values(n, 7)];
      const [theta2, m2, v2] = run(
        ADAM_KERNEL,
        { theta, m, v, g },
        { beta1, beta2, stepSize, epsilon },
      );
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const nm = f(f(f(beta1) * m[i]!) + f(f(1 - beta1) * gi));
        const nv = f(f(f(beta2) * v[i]!) + f(f(1 - beta2) * f(gi * gi)));
        const step = f(f(stepSize) * f(nm / f(f(Math.sqrt(nv)) + f(epsilon))));
        expect(m2![i]).toBe(nm);
        expect(v2![i]).toBe(nv);
        expect(theta2![i]).toBe(f(theta[i]! - step));
      }
    }
  });

  it('leaves its input tensors unchanged and leaks no tensor', () => {
    const inputs = {
      theta: tf.tensor(values(9, 8)),
      v: tf.tensor(values(9, 9)),
      g: tf.tensor(values(9, 10)),
    };
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.engine().runKernel(SGD_MOMENTUM_KERNEL, inputs, { momentum: 0.5, learningRate: 0.1 });
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(inputs.theta.dataSync()).toEqual(values(9, 8));
    expect(inputs.v.dataSync()).toEqual(values(9, 9));
    tf.dispose(Object.values(inputs));
  });
});
