import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { importSafetensors } from './import.js';
import { writeSafetensors } from './safetensors.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const tensor = (name: string, shape: number[]) => ({
  name,
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
});

async function refusal(bytes: Uint8Array, model: string): Promise<string> {
  const before = tf.memory().numTensors;
  const message = await importSafetensors([{ bytes, source: 'g.safetensors' }], { model }).then(
    () => 'accepted',
    (e: Error) => e.message,
  );
  // A refused import leaves no tensors behind.
  expect(tf.memory().numTensors).toBe(before);
  return message;
}

describe('importSafetensors refuses files that do not fit', () => {
  it('names every tensor that is missing, misshapen or unknown', async () => {
    const bytes = writeSafetensors([tensor('dense0.weight', [100, 1200]), tensor('extra', [1])]);
    const message = await refusal(bytes, 'mlp-gan');
    expect(message).toContain('g.safetensors does not fit the generator of this mlp-gan');
    expect(message).toContain('dense0.weight has shape [100,1200], the model expects [1200,100]');
    expect(message).toContain('missing dense2.weight [784,1200]');
    expect(message).toContain('unexpected extra');
  });

  it('refuses a file of another model, a part the model lacks, and an implausible config', async () => {
    expect(await refusal(writeSafetensors([], { model: 'dcgan' }), 'mlp-gan')).toContain(
      'holds a dcgan model, not a mlp-gan; pass --model dcgan',
    );
    expect(await refusal(writeSafetensors([], { part: 'decoder' }), 'dcgan')).toContain(
      'holds a decoder, which a dcgan model does not have',
    );
    const huge = JSON.stringify({ noiseDim: 100, generatorHidden: [1e6, 1e6] });
    expect(
      await refusal(writeSafetensors([], { model: 'mlp-gan', config: huge }), 'mlp-gan'),
    ).toContain("the metadata's model config holds 1000000, outside the sizes of the zoo");
    const partial = JSON.stringify({ noiseDim: 100, imageShape: [28, 28, 1], init: 'normal' });
    const message = await refusal(
      writeSafetensors([], { model: 'dcgan', config: partial }),
      'dcgan',
    );
    expect(message).toContain("the metadata's model config lacks noise, generatorFilters,");
    expect(message).toContain('has init as string, not object');
    expect(message).toContain("leave it out to use the zoo's dcgan");
    expect(await refusal(writeSafetensors([]), 'gan-of-the-future')).toContain(
      'the model name is "gan-of-the-future", which latent does not know',
    );
  });
});
