import {
  decodedMean,
  disposeParams,
  type GanModel,
  loadParams,
  type ParamTree,
  samplePrior,
  type VaeModel,
} from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { type Checkpoint, CheckpointError } from './checkpoint.js';
import { modelFromManifest } from './registry.js';

/**
 * A trained model as something to draw images from: a GAN's generator (or its
 * moving average) or a VAE's decoder. Every surface that draws — `latent
 * sample`, `latent eval`, `latent train --eval`, the page's explorer and its
 * opened checkpoints — goes through one, so all follow the same three rules:
 *
 * - pixels: `draw` returns images in [0, 1] whatever the model's own range
 *   (a toy GAN's points come as G draws them: its pixel range is nominal);
 * - a VAE draws its decoder's mean E[x|z] (`decodedMean`: the sigmoid of
 *   Bernoulli logits, a Gaussian decoder's mean), never a bare sigmoid;
 * - the prior's range (`priorRange`) follows from the model's prior alone, so
 *   it is the same while the model trains and from its checkpoint.
 */
export interface Sampler {
  /** Zoo name of the model. */
  readonly name: string;
  readonly kind: 'gan' | 'vae';
  /** Size of z. */
  readonly noiseDim: number;
  /** [height, width, channels] of a drawn image. */
  readonly imageShape: readonly [number, number, number];
  /** The range `draw` returns: always [0, 1] (for images). */
  readonly pixelRange: '[0,1]';
  /** Conditional models: the number of classes `draw` needs labels in. */
  readonly numClasses?: number;
  /** Where most of the prior's mass lies per dimension, e.g. for sliders over z. */
  readonly priorRange: readonly [number, number];
  /** True when a GAN draws through the moving average of G's weights. */
  readonly ema: boolean;
  /** z [count, noiseDim] from the prior, drawn from `seed`. */
  noise(count: number, seed: number): tf.Tensor2D;
  /**
   * z [b, noiseDim] (and int32 labels [b] for a conditional model) -> images
   * [b, h, w, c] or [b, h*w*c] (the model's layout) in [0, 1].
   */
  draw(z: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor;
  /** Frees the weights the sampler holds alone (none when it draws with a trainer's). */
  dispose(): void;
}

/** Which weights of a GAN to draw with: its moving average, G itself, or the average when one was kept. */
export type EmaChoice = boolean | 'if-kept';

/**
 * The prior's range: [-1, 1] for uniform noise (DCGAN's z ~ U(-1, 1)), three
 * standard deviations [-3, 3] for N(0, I) (the VAEs, the 2014 GAN, WGAN-GP).
 */
export function priorRange(model: GanModel | VaeModel): readonly [number, number] {
  return (model.config as { noise?: string } | undefined)?.noise === 'uniform' ? [-1, 1] : [-3, 3];
}

/** A GAN's sampler over given weights of G. */
export function ganSampler(
  model: GanModel,
  generator: ParamTree,
  options: { ema: boolean; owned: boolean },
): Sampler {
  // Toy data is used unscaled, so a toy GAN's points are not mapped.
  const mapped = model.pixelRange === '[-1,1]' && model.name !== 'toy-gan';
  return {
    name: model.name,
    kind: 'gan',
    noiseDim: model.noiseDim,
    imageShape: model.imageShape,
    pixelRange: '[0,1]',
    ...(model.numClasses ? { numClasses: model.numClasses } : {}),
    priorRange: priorRange(model),
    ema: options.ema,
    noise: (count, seed) => model.sampleNoise(count, seed),
    draw: (z, labels) =>
      tf.tidy(() => {
        const x = model.generate(generator, z, { training: false, seed: 0, labels });
        return mapped ? tf.div(tf.add(x, 1), 2) : x;
      }),
    dispose: () => {
      if (options.owned) disposeParams(generator);
    },
  };
}

/** A VAE's sampler over given decoder weights: the decoder's mean image. */
export function vaeSampler(model: VaeModel, decoder: ParamTree, owned: boolean): Sampler {
  return {
    name: model.name,
    kind: 'vae',
    noiseDim: model.latentDim,
    imageShape: model.imageShape,
    pixelRange: '[0,1]',
    ...(model.numClasses ? { numClasses: model.numClasses } : {}),
    priorRange: priorRange(model),
    ema: false,
    noise: (count, seed) => samplePrior(model, count, seed),
    draw: (z, labels) =>
      tf.tidy(() =>
        decodedMean(model, model.decode(decoder, z, { training: false, seed: 0, labels })),
      ),
    dispose: () => {
      if (owned) disposeParams(decoder);
    },
  };
}

/**
 * Rebuilds a checkpoint's generator (GAN) or decoder (VAE) and loads its
 * weights. Throws a CheckpointError naming `where` when the checkpoint names
 * an unknown model, its weights do not fit, or `ema: true` asks for a moving
 * average it did not keep (or for one of a VAE).
 *
 * @param options.ema GANs: `true` the moving average of G (runs trained with
 *   --ema), `false` (default) G itself, `'if-kept'` the average when there is one
 */
export function samplerFromCheckpoint(
  checkpoint: Checkpoint,
  options: { ema?: EmaChoice; where?: string } = {},
): Sampler {
  const { manifest, weights } = checkpoint;
  const where = options.where ?? 'the checkpoint';
  const fail = (message: string): never => {
    throw new CheckpointError(message.startsWith(where) ? message : `${where}: ${message}`);
  };
  const encoded = { specs: manifest.weights.specs, data: weights };
  const ema = options.ema ?? false;
  let built: ReturnType<typeof modelFromManifest>;
  try {
    built = modelFromManifest(manifest, where);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (built.kind === 'vae') {
    if (ema === true)
      throw new CheckpointError(
        `${where} is a VAE checkpoint; --ema applies to GANs trained with --ema.`,
      );
    const { encoder, decoder } = built.model.init(0);
    disposeParams(encoder);
    try {
      loadParams(decoder, encoded, 'decoder');
    } catch (e) {
      disposeParams(decoder);
      fail((e as Error).message);
    }
    return vaeSampler(built.model, decoder, true);
  }
  const kept = manifest.weights.specs.some((s) => s.name.startsWith('ema.'));
  // An inference checkpoint that kept only the moving average draws with it.
  const onlyEma = manifest.inference?.weights === 'ema';
  if (ema === true && !kept)
    throw new CheckpointError(
      `${where} holds no moving average of G; train with --ema 0.999 to keep one, or drop --ema.`,
    );
  const useEma = ema === true || (ema === 'if-kept' && kept) || onlyEma;
  const { generator, discriminator } = built.model.init(0);
  disposeParams(discriminator);
  try {
    loadParams(generator, encoded, useEma ? 'ema' : 'generator');
  } catch (e) {
    disposeParams(generator);
    fail((e as Error).message);
  }
  return ganSampler(built.model, generator, { ema: useEma, owned: true });
}

/**
 * A VAE checkpoint's model with its encoder and decoder loaded (what
 * `@latent/metrics`' likelihood estimates take); free both trees when done.
 * Throws a CheckpointError naming `where` for a GAN checkpoint, an unknown
 * model or weights that do not fit.
 */
export function trainedVaeFromCheckpoint(
  checkpoint: Checkpoint,
  where = 'the checkpoint',
): { model: VaeModel; encoder: ParamTree; decoder: ParamTree } {
  const { manifest, weights } = checkpoint;
  let built: ReturnType<typeof modelFromManifest>;
  try {
    built = modelFromManifest(manifest, where);
  } catch (e) {
    throw new CheckpointError((e as Error).message);
  }
  if (built.kind !== 'vae') throw new CheckpointError(`${where} is not a VAE checkpoint`);
  const { encoder, decoder } = built.model.init(0);
  try {
    const encoded = { specs: manifest.weights.specs, data: weights };
    loadParams(encoder, encoded, 'encoder');
    loadParams(decoder, encoded, 'decoder');
  } catch (e) {
    disposeParams(encoder);
    disposeParams(decoder);
    throw new CheckpointError(`${where}: ${(e as Error).message}`);
  }
  return { model: built.model, encoder, decoder };
}
