import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { acgan, conditionalGan, dcgan, sampleLabels, sngan, wganGp } from './conv-gan.js';
import type { GanModel } from './gan.js';
import { mlpGan } from './mlp-gan.js';
import { disposeParams, flattenParams, type ParamTree, trainableVariables } from './params.js';
import { encodeParams, loadParams } from './serialize.js';
import { toyGan } from './toy-gan.js';
import { conditionalVae, convVae, mlpVae, reparameterize, type VaeModel } from './vae.js';

const BATCH = 4;

/** Deterministic data in [lo, hi], identical on every backend. */
function data(shape: number[], lo: number, hi: number, seed: number): tf.Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
  return tf.tensor(v, shape);
}

function batchShape(model: { imageShape: readonly number[]; layout: string }, b: number) {
  const [h, w, c] = model.imageShape as [number, number, number];
  return model.layout === 'flat' ? [b, h * w * c] : [b, h, w, c];
}

function realBatch(model: GanModel): tf.Tensor {
  const [lo, hi] = model.pixelRange === '[0,1]' ? [0, 1] : [-1, 1];
  return data(batchShape(model, BATCH), lo, hi, 11);
}

/** D's objective on a batch: cross-entropy (or the critic's Wasserstein estimate), plus AC-GAN's class term. */
function ganLoss(
  model: GanModel,
  g: ParamTree,
  d: ParamTree,
  x: tf.Tensor,
  seed: number,
): tf.Scalar {
  const labels = model.numClasses ? sampleLabels(BATCH, model.numClasses, seed) : undefined;
  const opts = { training: true, seed, labels };
  const z = model.sampleNoise(BATCH, seed + 1);
  const fake = model.generate(g, z, opts);
  if (model.discriminateWithClasses) {
    const real = model.discriminateWithClasses(d, x, opts);
    const faked = model.discriminateWithClasses(d, fake, opts);
    const onehot = tf.oneHot(labels!, model.numClasses!);
    const ce = (l: tf.Tensor2D) => tf.losses.softmaxCrossEntropy(onehot, l);
    return tf.addN([
      tf.mean(tf.softplus(tf.neg(real.logits))),
      tf.mean(tf.softplus(faked.logits)),
      ce(real.classLogits),
      ce(faked.classLogits),
    ]) as tf.Scalar;
  }
  const real = model.discriminate(d, x, opts);
  const faked = model.discriminate(d, fake, opts);
  if (model.loss === 'wasserstein') return tf.sub(tf.mean(faked), tf.mean(real)) as tf.Scalar;
  return tf.add(tf.mean(tf.softplus(tf.neg(real))), tf.mean(tf.softplus(faked))) as tf.Scalar;
}

/**
 * One plain-SGD step on every trainable variable the loss depends on (a
 * gradient penalty does not reach D's output bias); returns the loss before and after.
 */
function sgdStep(vars: tf.Variable[], loss: () => tf.Scalar, lr = 0.01): [number, number] {
  const { value, grads } = tf.variableGrads(loss, vars);
  const before = value.dataSync()[0]!;
  tf.tidy(() => {
    for (const v of vars) {
      const g = grads[v.name];
      if (g) v.assign(tf.sub(v, tf.mul(g, lr)));
    }
  });
  tf.dispose([value, ...Object.values(grads).filter((g) => g)]);
  const after = tf.tidy(loss);
  const a = after.dataSync()[0]!;
  after.dispose();
  return [before, a];
}

function ganStep(model: GanModel): [number, number] {
  const { generator, discriminator } = model.init(3);
  const x = realBatch(model);
  const vars = [...trainableVariables(generator), ...trainableVariables(discriminator)];
  const out = sgdStep(vars, () => ganLoss(model, generator, discriminator, x, 5));
  x.dispose();
  disposeParams(generator);
  disposeParams(discriminator);
  return out;
}

function vaeLoss(model: VaeModel, enc: ParamTree, dec: ParamTree, x: tf.Tensor): tf.Scalar {
  const labels = model.numClasses ? sampleLabels(BATCH, model.numClasses, 4) : undefined;
  const opts = { training: true, seed: 0, labels };
  const { mean, logVar } = model.encode(enc, x, opts);
  const z = reparameterize(mean, logVar, 9);
  const logits = tf.reshape(model.decode(dec, z, opts), [BATCH, -1]);
  const flat = tf.reshape(x, [BATCH, -1]);
  // Bernoulli negative log-likelihood from logits: softplus(l) - x l.
  const nll = tf.sum(tf.sub(tf.softplus(logits), tf.mul(flat, logits)));
  const kl = tf.mul(
    -0.5,
    tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mean)), tf.exp(logVar))),
  );
  return tf.div(tf.add(nll, kl), BATCH) as tf.Scalar;
}

function vaeStep(model: VaeModel): [number, number] {
  const { encoder, decoder } = model.init(3);
  const x = data(batchShape(model, BATCH), 0, 1, 13);
  const vars = [...trainableVariables(encoder), ...trainableVariables(decoder)];
  const out = sgdStep(vars, () => vaeLoss(model, encoder, decoder, x), 1e-3);
  x.dispose();
  disposeParams(encoder);
  disposeParams(decoder);
  return out;
}

// The cpu backend runs these convs ~100x slower than wasm, so the cross-backend
// step uses each architecture with fewer channels; save/load runs the full size.
const few = {
  noiseDim: 8,
  generatorFilters: [16, 8],
  discriminatorConvs: [
    { kernelSize: 4, stride: 2, filters: 8, normalize: false },
    { kernelSize: 4, stride: 2, filters: 16, normalize: true },
  ],
};
const fewSn = {
  noiseDim: 8,
  generatorFilters: [16, 8, 4],
  discriminatorConvs: [
    { kernelSize: 3, stride: 1, filters: 4, normalize: false },
    { kernelSize: 4, stride: 2, filters: 4, normalize: false },
    { kernelSize: 3, stride: 1, filters: 8, normalize: false },
    { kernelSize: 4, stride: 2, filters: 8, normalize: false },
    { kernelSize: 3, stride: 1, filters: 16, normalize: false },
  ],
};

/** [name, full-size model, the same architecture with fewer channels]. */
const gans: [string, () => GanModel, () => GanModel][] = [
  [
    'mlp-gan (2014 paper)',
    () => mlpGan(),
    () => mlpGan({ generatorHidden: [64], discriminatorHidden: [32] }),
  ],
  ['dcgan 28x28x1', () => dcgan(), () => dcgan(few)],
  [
    'dcgan 32x32x3',
    () => dcgan({ imageShape: [32, 32, 3] }),
    () => dcgan({ imageShape: [32, 32, 3], ...few, generatorFilters: [16, 8, 4] }),
  ],
  [
    'dcgan 32x32x1',
    () => dcgan({ imageShape: [32, 32, 1] }),
    () => dcgan({ imageShape: [32, 32, 1], ...few, generatorFilters: [16, 8, 4] }),
  ],
  [
    'dcgan 28x28x3',
    () => dcgan({ imageShape: [28, 28, 3] }),
    () => dcgan({ imageShape: [28, 28, 3], ...few }),
  ],
  ['conditional gan', () => conditionalGan(), () => conditionalGan(few)],
  ['ac-gan', () => acgan(), () => acgan(few)],
  ['wgan-gp critic', () => wganGp(), () => wganGp(few)],
  ['sn-gan 32x32x3', () => sngan(), () => sngan(fewSn)],
  [
    'toy gan 2-D',
    () => toyGan(),
    () => toyGan({ generatorHidden: [32], discriminatorHidden: [32] }),
  ],
  [
    'toy gan 1-D',
    () => toyGan({ dataDim: 1, noiseDim: 1 }),
    () => toyGan({ dataDim: 1, noiseDim: 1 }),
  ],
];

const vaes: [string, () => VaeModel, () => VaeModel][] = [
  ['mlp vae (Kingma & Welling)', () => mlpVae(), () => mlpVae({ hidden: [64] })],
  ['conditional vae', () => conditionalVae(), () => conditionalVae({ hidden: [64] })],
  ['conv vae', () => convVae(), () => convVae({ filters: [8, 16] })],
];

function close(a: [number, number], b: [number, number]) {
  for (let i = 0; i < 2; i++) {
    expect(Number.isFinite(a[i])).toBe(true);
    expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b[i]!)));
  }
}

describe.each(gans)('%s', (_, make, makeFew) => {
  it('takes one SGD step on cpu and wasm with the same losses', async () => {
    await initBackend('cpu');
    const onCpu = ganStep(makeFew());
    await initBackend('wasm');
    const onWasm = ganStep(makeFew());
    close(onWasm, onCpu);
    expect(onWasm[1]).not.toBe(onWasm[0]); // the step changed something
  });

  it('save -> load -> apply gives identical outputs (running statistics included)', async () => {
    await initBackend('wasm');
    const model = make();
    const src = model.init(1);
    const dst = model.init(2);
    const labels = model.numClasses ? sampleLabels(BATCH, model.numClasses, 1) : undefined;
    const x = realBatch(model);
    // A training pass moves batch-norm running statistics and spectral-norm vectors.
    tf.tidy(() => {
      model.generate(src.generator, model.sampleNoise(BATCH, 2), {
        training: true,
        seed: 0,
        labels,
      });
      model.discriminate(src.discriminator, x, { training: true, seed: 0, labels });
    });
    for (const part of ['generator', 'discriminator'] as const)
      loadParams(dst[part], await encodeParams(src[part]));
    const z = model.sampleNoise(BATCH, 3);
    const opts = { training: false, seed: 0, labels };
    const outs = tf.tidy(() =>
      [src, dst].map((p) => {
        const images = model.generate(p.generator, z, opts);
        return [images, model.discriminate(p.discriminator, x, opts)].map((t) =>
          Array.from(t.dataSync()),
        );
      }),
    );
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[0]![0]!.length).toBe(batchShape(model, BATCH).reduce((a, b) => a * b, 1));
    expect(outs[0]![1]!.length).toBe(BATCH);
    tf.dispose([z, x, labels]);
    for (const p of [src, dst]) {
      disposeParams(p.generator);
      disposeParams(p.discriminator);
    }
  });
});

describe.each(vaes)('%s', (_, make, makeFew) => {
  it('takes one SGD step on cpu and wasm with the same losses', async () => {
    await initBackend('cpu');
    const onCpu = vaeStep(makeFew());
    await initBackend('wasm');
    const onWasm = vaeStep(makeFew());
    close(onWasm, onCpu);
    expect(onWasm[1]).toBeLessThan(onWasm[0]);
  });

  it('save -> load -> apply gives identical outputs', async () => {
    await initBackend('wasm');
    const model = make();
    const src = model.init(1);
    const dst = model.init(2);
    for (const part of ['encoder', 'decoder'] as const)
      loadParams(dst[part], await encodeParams(src[part]));
    const labels = model.numClasses ? sampleLabels(BATCH, model.numClasses, 1) : undefined;
    const x = data(batchShape(model, BATCH), 0, 1, 13);
    const opts = { training: false, seed: 0, labels };
    const outs = tf.tidy(() =>
      [src, dst].map((p) => {
        const { mean, logVar } = model.encode(p.encoder, x, opts);
        const logits = model.decode(p.decoder, mean, opts);
        expect(logits.shape).toEqual(batchShape(model, BATCH));
        return [mean, logVar, logits].map((t) => Array.from(t.dataSync()));
      }),
    );
    expect(outs[1]).toEqual(outs[0]);
    tf.dispose([x, labels]);
    for (const p of [src, dst]) {
      disposeParams(p.encoder);
      disposeParams(p.decoder);
    }
  });
});

describe('a DCGAN training step', () => {
  it('keeps the tensor count flat on wasm', async () => {
    await initBackend('wasm');
    const model = dcgan();
    const { generator, discriminator } = model.init(0);
    const x = realBatch(model);
    const vars = [...trainableVariables(generator), ...trainableVariables(discriminator)];
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      sgdStep(vars, () => ganLoss(model, generator, discriminator, x, i));
      counts.push(tf.memory().numTensors);
    }
    expect(counts[2]).toBe(counts[0]);
    expect(counts[1]).toBe(counts[0]);
    x.dispose();
    disposeParams(generator);
    disposeParams(discriminator);
  });
});

describe("a WGAN-GP critic's gradient penalty", () => {
  // The penalty differentiates the critic's input gradient (conv input
  // gradients, leaky ReLU masks) once more: check that path on both backends.
  function penaltyStep(): [number, number] {
    const model = wganGp(few);
    const { generator, discriminator } = model.init(3);
    const opts = { training: true, seed: 0 };
    const x = realBatch(model);
    const eps = data([BATCH, 1, 1, 1], 0, 1, 7);
    const xhat = tf.tidy(() => {
      const fake = model.generate(generator, model.sampleNoise(BATCH, 1), opts);
      return tf.add(tf.mul(x, eps), tf.mul(fake, tf.sub(1, eps)));
    });
    const out = sgdStep(trainableVariables(discriminator), () => {
      const g = tf.grad((v: tf.Tensor) => tf.sum(model.discriminate(discriminator, v, opts)))(xhat);
      const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), [1, 2, 3]), 1e-12));
      return tf.mul(tf.mean(tf.square(tf.sub(norm, 1))), 10) as tf.Scalar;
    });
    tf.dispose([x, eps, xhat]);
    disposeParams(generator);
    disposeParams(discriminator);
    return out;
  }

  it('trains on cpu and wasm with the same losses', async () => {
    await initBackend('cpu');
    const onCpu = penaltyStep();
    await initBackend('wasm');
    const onWasm = penaltyStep();
    close(onWasm, onCpu);
    expect(onWasm[1]).toBeLessThan(onWasm[0]);
  });
});

describe('architectures', () => {
  it("DCGAN 28x28 has the documented layers (issue 10's reference model)", async () => {
    await initBackend('wasm');
    const model = dcgan();
    const { generator, discriminator } = model.init(0);
    const shapes = (t: ParamTree) =>
      Object.fromEntries(Object.entries(flattenParams(t)).map(([k, v]) => [k, v.shape]));
    expect(shapes(generator)).toMatchObject({
      'project.kernel': [100, 7 * 7 * 128],
      'bn0.gamma': [128],
      'deconv0.kernel': [4, 4, 64, 128],
      'bn1.mean': [64],
      'deconv1.kernel': [4, 4, 1, 64],
      'deconv1.bias': [1],
    });
    expect(shapes(discriminator)).toEqual({
      'conv0.kernel': [4, 4, 1, 64],
      'conv0.bias': [64],
      'conv1.kernel': [4, 4, 64, 128],
      'norm1.beta': [128],
      'norm1.gamma': [128],
      'norm1.mean': [128],
      'norm1.variance': [128],
      'head.kernel': [7 * 7 * 128, 1],
      'head.bias': [1],
    });
    expect(flattenParams(generator)['bn0.mean']!.trainable).toBe(false);
    for (const t of [generator, discriminator]) disposeParams(t);
  });

  it('SN-GAN has one spectral-norm vector per D layer and no batch norm in D', async () => {
    await initBackend('wasm');
    const model = sngan();
    const { generator, discriminator } = model.init(0);
    const names = Object.keys(flattenParams(discriminator));
    expect(names.filter((n) => n.endsWith('Sn.u'))).toHaveLength(8); // 7 convs + head
    expect(names.some((n) => n.startsWith('norm'))).toBe(false);
    expect(flattenParams(discriminator)['conv6.kernel']!.shape).toEqual([3, 3, 256, 512]);
    for (const t of [generator, discriminator]) disposeParams(t);
  });
});
