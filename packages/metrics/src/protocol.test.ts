import { initBackend } from '@latent/backend';
import { disposeParams, mlpVae } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRunEvaluator, protocolSamples, type SamplerLike } from './protocol.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** A conditional "model" whose image is its label and z's first value, to read what the protocol asked for. */
const echo: SamplerLike = {
  numClasses: 3,
  noise: (count, seed) => tf.randomUniform([count, 2], 0, 1, 'float32', seed),
  draw: (z, labels) =>
    tf.concat([tf.reshape(tf.cast(labels!, 'float32'), [-1, 1]), tf.slice(z, [0, 0], [-1, 1])], 1),
};

describe('the evaluation protocol', () => {
  it('asks for classes in turn across batches, and the same seed draws the same z', async () => {
    const read = async (seed: number, counts: number[]) => {
      const generate = protocolSamples(echo, seed);
      const rows: number[][] = [];
      for (const c of counts) {
        const t = await generate(c);
        rows.push(...(t.arraySync() as number[][]));
        t.dispose();
      }
      return rows;
    };
    const a = await read(4, [2, 3]);
    expect(a.map((r) => r[0])).toEqual([0, 1, 2, 0, 1]);
    expect(await read(4, [2, 3])).toEqual(a);
    expect((await read(5, [2, 3]))[0]![1]).not.toBe(a[0]![1]);
  });

  it('scores a VAE on its test data, and says what is missing', async () => {
    const model = mlpVae({ latentDim: 2, hidden: [8], imageShape: [2, 2, 1] });
    const { encoder, decoder } = model.init(0);
    const vaeData = { images: new Float32Array(3 * 4).fill(1), count: 3, binarized: true };
    const run = await createRunEvaluator({ metrics: ['elbo', 'iwae'], vaeData, k: 4 });
    const before = tf.memory().numTensors;
    const report = await run.measure({ vae: { model, encoder, decoder }, seed: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(report.metrics)).toEqual(['elbo', 'iwae']);
    expect(report.metrics.iwae).toMatchObject({ k: 4, images: 3, likelihood: 'bernoulli' });
    await expect(run.measure({ seed: 0 })).rejects.toThrow(/need a VAE/);
    run.dispose();
    await expect(createRunEvaluator({ metrics: ['elbo'] })).rejects.toThrow(/vaeData/);
    disposeParams(encoder);
    disposeParams(decoder);
  });
});
