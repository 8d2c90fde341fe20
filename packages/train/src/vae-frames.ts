import { decodedMean } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Sampler } from './sampler.js';
import type { VaeTrainer } from './vae-trainer.js';

/** Inputs shown beside their reconstructions; side of the latent manifold grid. */
const SHOWN = 16;
const MANIFOLD = 15;
const INFERENCE = { training: false, seed: 0 };

/** A VAE's pictures at one step: inputs beside their reconstructions, and the 2-D latent manifold. */
export interface VaeFrame {
  step: number;
  shape: readonly [number, number, number];
  count: number;
  /** [count, h, w, c] in [0, 1]. */
  inputs: Float32Array;
  reconstructions: Float32Array;
  /** Decoder means on a size x size grid of z (latentDim 2 only), row 0 at the top. */
  manifold?: Float32Array;
  manifoldSize?: number;
}

/**
 * The inverse of the standard normal CDF (Acklam's rational approximation,
 * relative error below 1.2e-9): the manifold's grid is evenly spaced in
 * probability, as in Kingma & Welling's Figure 4.
 */
export function normalQuantile(p: number): number {
  const a = [
    -39.6968302866538, 220.946098424521, -275.928510446969, 138.357751867269, -30.6647980661472,
    2.50662827745924,
  ];
  const b = [
    -54.4760987982241, 161.585836858041, -155.698979859887, 66.8013118877197, -13.2806815528857,
  ];
  const c = [
    -0.00778489400243029, -0.322396458041136, -2.40075827716184, -2.54973253934373,
    4.37466414146497, 2.93816398269878,
  ];
  const d = [0.00778469570904146, 0.32246712907004, 2.445134137143, 3.75440866190742];
  const lo = 0.02425;
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < lo) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - lo) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Pictures of a VAE as it trains: the first training images beside their
 * reconstructions (the decoder's mean at the encoder's mean), and for an
 * unconditional 2-D latent the manifold of Kingma & Welling's Figure 4 — the
 * decoder's means on a grid of z evenly spaced in probability.
 */
export class VaeFrames {
  private readonly inputs: Float32Array;
  private readonly x: tf.Tensor;
  private readonly labels: tf.Tensor1D | undefined;
  private readonly zGrid: tf.Tensor2D | undefined;

  constructor(private readonly trainer: VaeTrainer) {
    const { model, data } = trainer.options;
    const pixels = data.height * data.width * data.channels;
    const count = Math.min(SHOWN, data.count);
    this.inputs = Float32Array.from(data.images.subarray(0, count * pixels), (v) => v / 255);
    this.x = tf.tensor(
      this.inputs,
      model.layout === 'flat' ? [count, pixels] : [count, ...model.imageShape],
    );
    this.labels =
      data.labels && model.numClasses
        ? tf.tensor1d(data.labels.subarray(0, count), 'int32')
        : undefined;
    this.zGrid = model.latentDim === 2 && !model.numClasses ? manifoldGrid() : undefined;
  }

  /** The pictures at the trainer's current state. */
  async frame(): Promise<VaeFrame> {
    const { model } = this.trainer.options;
    const { encoder, decoder } = this.trainer;
    const [recon, manifold] = tf.tidy(() => {
      const options = { ...INFERENCE, labels: this.labels };
      const { mean } = model.encode(encoder, this.x, options);
      return [
        decodedMean(model, model.decode(decoder, mean, options)),
        this.zGrid ? decodedMean(model, model.decode(decoder, this.zGrid, INFERENCE)) : undefined,
      ];
    });
    const reconstructions = (await recon!.data()) as Float32Array;
    const grid = manifold ? ((await manifold.data()) as Float32Array) : undefined;
    tf.dispose([recon, manifold]);
    return {
      step: this.trainer.step,
      shape: model.imageShape,
      count: this.x.shape[0]!,
      inputs: this.inputs.slice(),
      reconstructions,
      ...(grid ? { manifold: grid, manifoldSize: MANIFOLD } : {}),
    };
  }

  dispose(): void {
    tf.dispose([this.x, this.labels, this.zGrid]);
  }
}

/** z on a MANIFOLD x MANIFOLD grid evenly spaced in probability; row 0 at the top (the largest z2). */
function manifoldGrid(): tf.Tensor2D {
  const z = Array.from({ length: MANIFOLD * MANIFOLD }, (_, i) => {
    const row = Math.floor(i / MANIFOLD);
    const col = i % MANIFOLD;
    return [normalQuantile((col + 0.5) / MANIFOLD), normalQuantile(1 - (row + 0.5) / MANIFOLD)];
  }).flat();
  return tf.tensor2d(z, [MANIFOLD * MANIFOLD, 2]);
}

/**
 * The latent manifold of a 2-D VAE drawn through its sampler (e.g. one
 * `samplerFromCheckpoint` made, which has no encoder): the decoder's means on
 * the same grid of z as `VaeFrames`, row 0 at the top. Undefined unless the
 * sampler is an unconditional VAE with a 2-d latent.
 */
export async function latentManifold(
  sampler: Sampler,
): Promise<{ manifold: Float32Array; manifoldSize: number } | undefined> {
  if (sampler.kind !== 'vae' || sampler.noiseDim !== 2 || sampler.numClasses) return undefined;
  const images = tf.tidy(() => sampler.draw(manifoldGrid()));
  const manifold = (await images.data()) as Float32Array;
  images.dispose();
  return { manifold, manifoldSize: MANIFOLD };
}
