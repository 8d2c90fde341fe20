import { initBackend } from '@latent/backend';
import { conditionalVae, convVae, disposeParams, mlpVae, type ParamTree } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iwaeLogLikelihood, type TrainedVae, type VaeData, vaeElbo } from './vae.js';

// A VAE with a 1-D latent and 6 pixels, weights N(0, 1): p(x) = ∫ p(x|z) N(z) dz is
// non-trivial, and a quadrature over z gives it exactly.
const model = mlpVae({
  latentDim: 1,
  hidden: [8],
  imageShape: [2, 3, 1],
  init: { kind: 'normal', std: 1 },
});
let encoder: ParamTree;
let decoder: ParamTree;
let vae: TrainedVae;
const count = 40;
const data: VaeData = {
  count,
  images: Float32Array.from({ length: count * 6 }, (_, i) => ((i * 7919) % 13) % 2),
};

beforeAll(async () => {
  await initBackend('wasm');
  ({ encoder, decoder } = model.init(3));
  vae = { model, encoder, decoder };
});

afterAll(() => {
  disposeParams(encoder);
  disposeParams(decoder);
});

/** log p(x) per image by the midpoint rule over z in [-10, 10]. */
function exactLogLikelihood(): Float64Array {
  const nodes = 8001;
  const h = 20 / nodes;
  const out = tf.tidy(() => {
    const z = tf.reshape(tf.linspace(-10 + h / 2, 10 - h / 2, nodes), [nodes, 1]) as tf.Tensor2D;
    const logits = model.decode(decoder, z, { training: false, seed: 0 }); // [G, 6]
    const x = tf.tensor2d(data.images, [count, 6]);
    // log p(x|z) [count, G] = x l - softplus(l), summed over pixels.
    const lp = tf.sub(tf.matMul(x, logits, false, true), tf.sum(tf.softplus(logits), 1));
    const prior = tf.sub(
      tf.mul(tf.square(tf.reshape(z, [1, nodes])), -0.5),
      0.5 * Math.log(2 * Math.PI),
    );
    return tf.add(tf.logSumExp(tf.add(lp, prior), 1), Math.log(h));
  });
  const values = Float64Array.from(out.dataSync());
  out.dispose();
  return values;
}

describe('VAE likelihood estimates', () => {
  it('IWAE tightens as k grows and reaches the exact log p(x) at k = 5000', async () => {
    const exact = exactLogLikelihood();
    const exactMean = exact.reduce((a, b) => a + b) / count;
    const means: number[] = [];
    for (const k of [1, 3, 10, 100])
      means.push((await iwaeLogLikelihood(vae, data, k, { seed: 1 })).mean);
    for (let i = 1; i < means.length; i++) expect(means[i]!).toBeGreaterThanOrEqual(means[i - 1]!);
    expect(means[0]!).toBeLessThan(exactMean - 0.1); // the ELBO is visibly loose here
    const k5000 = await iwaeLogLikelihood(vae, data, 5000, { seed: 2, chunkRows: 700 });
    for (let i = 0; i < count; i++)
      expect(Math.abs(k5000.perImage[i]! - exact[i]!)).toBeLessThan(0.15);
    expect(Math.abs(k5000.mean - exactMean)).toBeLessThan(0.02);
  });

  it('the ELBO (closed-form KL) agrees with IWAE at k = 1 on average and bounds log p(x)', async () => {
    const exact = exactLogLikelihood().reduce((a, b) => a + b) / count;
    const elbo = await vaeElbo(vae, data, { samples: 200, seed: 3 });
    const k1 = await iwaeLogLikelihood(vae, data, 1, { seed: 4 });
    expect(elbo.mean).toBeLessThan(exact);
    expect(Math.abs(elbo.mean - k1.mean)).toBeLessThan(3 * k1.stdErr + 0.05);
    expect(elbo.perImage).toHaveLength(count);
  });

  it('leaves no tensors behind and gives the same estimate for the same seed', async () => {
    await iwaeLogLikelihood(vae, data, 30);
    const before = tf.memory().numTensors;
    const a = await iwaeLogLikelihood(vae, data, 300, { seed: 5, chunkRows: 128 });
    await vaeElbo(vae, data);
    const b = await iwaeLogLikelihood(vae, data, 300, { seed: 5, chunkRows: 128 });
    expect(tf.memory().numTensors).toBe(before);
    expect(b.mean).toBe(a.mean);
  });

  it('handles conv VAEs (image layout) and conditional VAEs (labels), and refuses wrong data', async () => {
    const conv = convVae({ imageShape: [8, 8, 1], filters: [4, 8], latentDim: 3 });
    const cp = conv.init(0);
    const images = Float32Array.from({ length: 3 * 64 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const convVaeParts = { model: conv, ...cp };
    const e = await vaeElbo(convVaeParts, { images, count: 3 });
    const w = await iwaeLogLikelihood(convVaeParts, { images, count: 3 }, 50);
    expect(w.mean).toBeGreaterThan(e.mean - 1);
    expect(Number.isFinite(w.mean)).toBe(true);
    await expect(vaeElbo(convVaeParts, { images, count: 2 })).rejects.toThrow(
      /not 2 images of 8x8x1/,
    );
    disposeParams(cp.encoder);
    disposeParams(cp.decoder);

    const cvae = conditionalVae({ imageShape: [8, 8, 1], hidden: [16], latentDim: 2 });
    const p = cvae.init(0);
    await expect(iwaeLogLikelihood({ model: cvae, ...p }, { images, count: 3 }, 5)).rejects.toThrow(
      /labels/,
    );
    const labelled = await iwaeLogLikelihood(
      { model: cvae, ...p },
      { images, count: 3, labels: Uint8Array.from([0, 4, 9]) },
      5,
    );
    expect(Number.isFinite(labelled.mean)).toBe(true);
    disposeParams(p.encoder);
    disposeParams(p.decoder);
  });

  it('scores a Gaussian decoder (grey pixels): IWAE at k = 5000 reaches the exact log p(x)', async () => {
    // Weights N(0, 0.5): the decoder's log-variances stay moderate, so p(x|z) is smooth in z.
    const g = mlpVae({
      latentDim: 1,
      hidden: [8],
      imageShape: [2, 3, 1],
      init: { kind: 'normal', std: 0.5 },
      likelihood: 'gaussian',
    });
    const p = g.init(5);
    const grey: VaeData = {
      count: 10,
      images: Float32Array.from({ length: 60 }, (_, i) => ((i * 37) % 11) / 10),
    };
    const nodes = 8001;
    const h = 20 / nodes;
    const exactT = tf.tidy(() => {
      const z = tf.reshape(tf.linspace(-10 + h / 2, 10 - h / 2, nodes), [nodes, 1]) as tf.Tensor2D;
      const out = g.decode(p.decoder, z, { training: false, seed: 0 }); // [G, 12]: mean, logVar
      const [mean, logVar] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const x = tf.reshape(tf.tensor2d(grey.images, [10, 6]), [10, 1, 6]);
      const lp = tf.mul(
        tf.sum(
          tf.add(
            tf.add(logVar, Math.log(2 * Math.PI)),
            tf.div(tf.square(tf.sub(x, mean)), tf.exp(logVar)),
          ),
          2,
        ),
        -0.5,
      ); // [count, G]
      const prior = tf.sub(
        tf.mul(tf.square(tf.reshape(z, [1, nodes])), -0.5),
        0.5 * Math.log(2 * Math.PI),
      );
      return tf.add(tf.logSumExp(tf.add(lp, prior), 1), Math.log(h));
    });
    const exact = Float64Array.from(exactT.dataSync());
    exactT.dispose();
    const vaeG = { model: g, ...p };
    const k5000 = await iwaeLogLikelihood(vaeG, grey, 5000, { seed: 2, chunkRows: 1000 });
    for (let i = 0; i < grey.count; i++)
      expect(Math.abs(k5000.perImage[i]! - exact[i]!)).toBeLessThan(0.15);
    const elbo = await vaeElbo(vaeG, grey, { samples: 50, seed: 1 });
    expect(elbo.mean).toBeLessThan(k5000.mean);
    disposeParams(p.encoder);
    disposeParams(p.decoder);
  });
});
