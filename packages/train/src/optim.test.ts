import { ADAM_KERNEL, initBackend, SGD_MOMENTUM_KERNEL } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveGanRunConfig } from './config.js';
import {
  createOptimizer,
  FUSED_UPDATE_KERNELS,
  learningRateAt,
  momentumAt,
  type OptimizerKind,
  SgdMomentum,
} from './optim.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('SgdMomentum', () => {
  it('v <- mu v - lr g; theta <- theta + v, by hand over two steps', () => {
    const theta = tf.variable(tf.tensor1d([1, -2]));
    const opt = new SgdMomentum({ w: theta });
    const g = tf.tensor1d([0.5, 1]);
    const settings = { learningRate: 0.1, momentum: 0.5, update: 1 };
    opt.apply([g], settings); // v = [-0.05, -0.1]; theta = [0.95, -2.1]
    opt.apply([g], { ...settings, update: 2 }); // v = [-0.075, -0.15]; theta = [0.875, -2.25]
    const got = Array.from(theta.dataSync());
    expect(got[0]).toBeCloseTo(0.875, 6);
    expect(got[1]).toBeCloseTo(-2.25, 6);
    expect(
      Array.from((opt.slots.velocity as Record<string, tf.Variable>).w!.dataSync()).map((v) =>
        Number(v.toFixed(6)),
      ),
    ).toEqual([-0.075, -0.15]);
    opt.dispose();
    tf.dispose([theta, g]);
  });
});

describe('Adam and RMSprop', () => {
  it('Adam: the first update moves each weight by -lr * sign(g) (bias correction), by hand after two', () => {
    const theta = tf.variable(tf.tensor1d([1, 1]));
    const opt = createOptimizer(
      'adam',
      { w: theta },
      { beta1: 0.5, beta2: 0.999, rho: 0.9, epsilon: 1e-8 },
    );
    opt.apply([tf.tensor1d([0.2, -3])], { learningRate: 0.01, momentum: 0, update: 1 });
    expect(Array.from(theta.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0.99, 1.01]);
    // Second update with g = 0.2 again for w0: m = 0.5*0.1 + 0.5*0.2 = 0.15, v = 0.999*0.00004 + 0.001*0.04
    opt.apply([tf.tensor1d([0.2, -3])], { learningRate: 0.01, momentum: 0, update: 2 });
    const m = 0.5 * (0.5 * 0.2) + 0.5 * 0.2;
    const v = 0.999 * (0.001 * 0.04) + 0.001 * 0.04;
    const step = (0.01 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.5 ** 2);
    expect(theta.dataSync()[0]).toBeCloseTo(0.99 - (step * m) / (Math.sqrt(v) + 1e-8), 6);
    opt.dispose();
  });

  it('RMSprop divides by the root of the running mean square', () => {
    const theta = tf.variable(tf.tensor1d([0]));
    const opt = createOptimizer(
      'rmsprop',
      { w: theta },
      { beta1: 0.5, beta2: 0.999, rho: 0.9, epsilon: 1e-8 },
    );
    opt.apply([tf.tensor1d([2])], { learningRate: 0.1, momentum: 0, update: 1 });
    // ms = 0.1 * 4 = 0.4; theta = -0.1 * 2 / sqrt(0.4)
    expect(theta.dataSync()[0]).toBeCloseTo((-0.1 * 2) / Math.sqrt(0.4), 5);
    opt.dispose();
  });

  it('treats a missing gradient as zero', () => {
    const theta = tf.variable(tf.tensor1d([1]));
    const opt = createOptimizer(
      'sgd',
      { w: theta },
      { beta1: 0.5, beta2: 0.999, rho: 0.9, epsilon: 1e-8 },
    );
    opt.apply([undefined], { learningRate: 0.1, momentum: 0.5, update: 1 });
    expect(theta.dataSync()[0]).toBe(1);
    opt.dispose();
  });
});

describe('fused updates on wasm', () => {
  const OPTIONS = { beta1: 0.5, beta2: 0.999, rho: 0.9, epsilon: 1e-8 };

  /** Three updates of a [37, 5] weight and a [3] bias (lengths off the four-lane loop) on the active backend. */
  function train(kind: OptimizerKind): Float32Array[] {
    const params = tf.tidy(() => ({
      w: tf.variable(tf.randomUniform([37, 5], -1, 1, 'float32', 1)),
      b: tf.variable(tf.randomUniform([3], -1, 1, 'float32', 2)),
    }));
    const opt = createOptimizer(kind, params, OPTIONS);
    for (let update = 1; update <= 3; update++) {
      const grads = [params.w, params.b].map((p, i) =>
        tf.randomUniform(p.shape, -1, 1, 'float32', 10 * update + i),
      );
      opt.apply(grads, { learningRate: 0.1, momentum: 0.6, update });
      tf.dispose(grads);
    }
    const slots = Object.values(opt.slots).flatMap((group) => Object.values(group));
    const out = [params.w, params.b, ...slots].map((v) => v.dataSync() as Float32Array);
    opt.dispose();
    tf.dispose(Object.values(params));
    return out;
  }

  it("uses @latent/backend's kernel names", () => {
    expect(FUSED_UPDATE_KERNELS).toEqual({ sgd: SGD_MOMENTUM_KERNEL, adam: ADAM_KERNEL });
  });

  it('equal the tfjs ops bit for bit (SGD, Adam), without leaking', async () => {
    await initBackend('wasm');
    try {
      for (const kind of ['sgd', 'adam'] as const) {
        const kernel = tf.getKernel(FUSED_UPDATE_KERNELS[kind], 'wasm');
        expect(kernel).toBeDefined();
        const before = tf.memory().numTensors;
        let fused: Float32Array[] = [];
        const profile = await tf.profile(() => {
          fused = train(kind);
        });
        expect(profile.kernelNames).toContain(FUSED_UPDATE_KERNELS[kind]);
        expect(tf.memory().numTensors).toBe(before);
        tf.unregisterKernel(FUSED_UPDATE_KERNELS[kind], 'wasm');
        const ops = train(kind);
        tf.registerKernel(kernel!);
        expect(fused.length).toBe(kind === 'sgd' ? 4 : 6); // w, b and their slots
        for (const [i, values] of fused.entries()) expect(values).toEqual(ops[i]);
      }
    } finally {
      await initBackend('cpu');
    }
  });
});

describe('the paper schedules', () => {
  const paper = resolveGanRunConfig({});
  it('decays the rate by 1.000004 per update down to 1e-6', () => {
    expect(learningRateAt(paper, 0)).toBe(0.1);
    expect(learningRateAt(paper, 500)).toBeCloseTo(0.1 / 1.000004 ** 500, 12);
    expect(learningRateAt(paper, 1e8)).toBe(1e-6);
  });
  it('raises momentum linearly from 0.5 (epochs 0 and 1) to 0.7 at epoch 250', () => {
    expect(momentumAt(paper, 0)).toBe(0.5);
    expect(momentumAt(paper, 1)).toBe(0.5);
    expect(momentumAt(paper, 125.5)).toBeCloseTo(0.6, 10);
    expect(momentumAt(paper, 250)).toBeCloseTo(0.7, 10);
    expect(momentumAt(paper, 400)).toBeCloseTo(0.7, 10);
  });
});

describe('run config', () => {
  it('defaults to the paper: batch 100, k 1, lr 0.1, momentum 0.5, non-saturating G loss', () => {
    const c = resolveGanRunConfig({});
    expect([c.batchSize, c.k, c.learningRate, c.momentum, c.generatorLoss]).toEqual([
      100,
      1,
      0.1,
      0.5,
      'non-saturating',
    ]);
  });
  it('lists every bad field', () => {
    expect(() => resolveGanRunConfig({ k: 0, learningRate: -1, bogus: 1 })).toThrow(
      /Invalid run config:\n.*k: .*\n.*learningRate: .*\n.*bogus/s,
    );
  });
});
