import * as tf from '@tensorflow/tfjs-core';

/**
 * How a weight tensor starts, as plain data (so it can sit in a config and a
 * checkpoint). Fans are computed from the shape: a dense kernel [in, out] has
 * fanIn = in; a conv kernel [kh, kw, in, out] has fanIn = kh*kw*in and
 * fanOut = kh*kw*out.
 *
 * - `normal`: N(0, std^2) — DCGAN uses std 0.02 (Radford et al. 2016), the VAE
 *   paper std 0.01 (Kingma & Welling 2014, Section 5).
 * - `uniform`: U(-range, range) — the 2014 GAN paper's code (pylearn2 `irange`).
 * - `glorot`: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010).
 * - `he`: N(0, 2 / fanIn) (He et al. 2015), for ReLU layers.
 */
export type Init =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; range: number }
  | { kind: 'glorot' }
  | { kind: 'he' };

/** N(0, 0.02^2): the DCGAN paper's initializer for every conv, dense and batch-norm scale. */
export const DCGAN_INIT: Init = Object.freeze({ kind: 'normal', std: 0.02 });
/** N(0, 0.01^2): the initializer of Kingma & Welling 2014 (Section 5). */
export const VAE_INIT: Init = Object.freeze({ kind: 'normal', std: 0.01 });
export const GLOROT_INIT: Init = Object.freeze({ kind: 'glorot' });
export const HE_INIT: Init = Object.freeze({ kind: 'he' });

/** fanIn and fanOut of a dense [in, out] or conv [kh, kw, in, out] kernel. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return {
    fanIn: receptive * shape[shape.length - 2]!,
    fanOut: receptive * shape[shape.length - 1]!,
  };
}

/**
 * A fresh weight tensor drawn by `init`; the same seed gives the same values.
 *
 * @param fanShape the shape fans are read from, when it differs from `shape`
 *   (a transposed conv stores [kh, kw, out, in]).
 */
/**
 * `tf.randomNormal` with a seed that is always honoured: tfjs treats seed 0
 * as "no seed" and draws from Math.random, so a model's first layer
 * (seed * 31 + 0 for seed 0) came out different in every process — and in
 * every replica of data-parallel training.
 */
export function seededNormal(shape: number[], mean: number, std: number, seed: number): tf.Tensor {
  return tf.randomNormal(shape, mean, std, 'float32', seed === 0 ? SEED_ZERO : seed);
}

/** Stands in for seed 0 (any fixed value the zoo's seed arithmetic does not produce). */
const SEED_ZERO = 0x5eed0;

export function initTensor(
  init: Init,
  shape: number[],
  seed: number,
  fanShape: readonly number[] = shape,
): tf.Tensor {
  const { fanIn, fanOut } = fans(fanShape);
  switch (init.kind) {
    case 'normal':
      return seededNormal(shape, 0, init.std, seed);
    case 'uniform':
      return tf.randomUniform(shape, -init.range, init.range, 'float32', seed);
    case 'glorot': {
      const a = Math.sqrt(6 / (fanIn + fanOut));
      return tf.randomUniform(shape, -a, a, 'float32', seed);
    }
    case 'he':
      return seededNormal(shape, 0, Math.sqrt(2 / fanIn), seed);
  }
}
