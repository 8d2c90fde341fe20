import { initBackend } from '@latent/backend';
import { disposeParams } from '@latent/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { ganRunFields, vaeRunConfigSchema } from './config.js';
import {
  GAN_NAMES,
  ganEntry,
  ganFromCheckpoint,
  MODELS,
  modelEntry,
  UnknownModelError,
  VAE_NAMES,
  vaeFromCheckpoint,
} from './registry.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('the model registry', () => {
  it('is the one list behind the run configs: every schema model name has an entry, and back', () => {
    expect(MODELS.map((m) => m.name).sort()).toEqual([...GAN_NAMES, ...VAE_NAMES].sort());
    expect(ganRunFields.shape.model.unwrap().options).toEqual([...GAN_NAMES]);
    expect(vaeRunConfigSchema.shape.model.unwrap().options).toEqual([...VAE_NAMES]);
    for (const m of MODELS) expect(modelEntry(m.name)).toBe(m);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'dcgan ', 'DCGAN', ''])(
    'refuses the name %j, listing the models it knows',
    (name) => {
      expect(() => modelEntry(name)).toThrow(UnknownModelError);
      expect(() => modelEntry(name)).toThrow(/the models are mlp-gan, dcgan,/);
      expect(() => ganFromCheckpoint(name, {}, 'runs/x')).toThrow(
        /runs\/x holds a model whose name is/,
      );
    },
  );

  it('refuses a VAE where a GAN is wanted, and the other way round', () => {
    expect(() => ganEntry('mlp-vae')).toThrow(/mlp-vae is a VAE, not a GAN/);
    expect(() => vaeFromCheckpoint('dcgan', {}, 'here')).toThrow(/dcgan is a GAN, not a VAE/);
  });

  it('builds each image model for 28, 32 and 64 px with 1 or 3 channels, and rebuilds it from its config', () => {
    for (const entry of MODELS.filter((m) => m.data === 'images')) {
      for (const imageShape of [
        [28, 28, 1],
        [32, 32, 3],
        [64, 64, 3],
      ] as [number, number, number][]) {
        if (entry.name === 'sngan' && imageShape[0] === 28) continue; // its D needs a side dividing by 8
        const model = entry.build({ imageShape, classes: entry.conditional ? 3 : 0 });
        expect(model.imageShape).toEqual(imageShape);
        expect(model.name).toBe(entry.name);
        if (entry.conditional) expect(model.numClasses).toBe(3);
        const again = entry.fromManifest(JSON.parse(JSON.stringify(model.config)));
        expect(again.config).toEqual(model.config);
      }
    }
  });

  it("gives a 64x64 DCGAN the paper's four stride-2 layers in each network", () => {
    const model = ganEntry('dcgan').build({ imageShape: [64, 64, 3], classes: 0 });
    const params = model.init(0);
    const shapes = Object.fromEntries(
      Object.entries(params.generator).map(([k, v]) => [
        k,
        (v as { kernel?: { shape: number[] } }).kernel?.shape,
      ]),
    );
    expect(shapes.project).toEqual([100, 4 * 4 * 512]);
    expect((model.config as { discriminatorConvs: unknown[] }).discriminatorConvs).toHaveLength(4);
    disposeParams(params.generator);
    disposeParams(params.discriminator);
  });
});
