import { decodedMean } from '@latent/models';
import { resolveRun, VaeTrainer } from '@latent/train';
import * as tf from '@tensorflow/tfjs-core';
import type { VaeFrame, VaeSettings } from '../protocol.js';
import type { RunControl } from './control.js';
import { pageLoader } from './data.js';
import { dispatch, drawableOf } from './session.js';

/** Inputs shown beside their reconstructions; side of the latent manifold grid. */
const SHOWN = 16;
const MANIFOLD = 15;
const FRAME_MS = 1500;

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

/** A VAE of the zoo (the MLP one with any latent size) on MNIST or Fashion-MNIST. */
export async function trainVae(
  settings: VaeSettings,
  control: RunControl,
  signal: AbortSignal,
): Promise<void> {
  const request = {
    model: settings.model,
    dataset: settings.dataset,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    epochs: settings.epochs,
    seed: settings.seed,
    // A 2-d latent draws the manifold picture.
    ...(settings.latentDim ? { latentDim: settings.latentDim } : {}),
  };
  const run = await resolveRun(request, pageLoader());
  if (run.kind !== 'vae')
    throw new Error(`${run.entry.name} is a GAN: train it in the images tab.`);
  const { model, config, data } = run;
  control.post({
    type: 'config',
    mode: 'vae',
    summary: `${model.name} (${model.latentDim}-d latent) on ${data.name}: ${config.optimizer} lr ${config.learningRate}, batch ${config.batchSize}, ${config.binarize} binarization`,
  });
  const trainer = new VaeTrainer({ model, data, config });
  dispatch({ type: 'trainer', trainer, resumable: true });
  const classes = model.numClasses
    ? Array.from({ length: model.numClasses }, (_, i) => data.classNames?.[i] ?? String(i))
    : undefined;
  const inference = { training: false, seed: 0 };
  dispatch({
    type: 'drawable',
    drawable: drawableOf(trainer.sampler(), `${model.name} on ${data.name}, as it trains`, {
      fromRun: true,
      ...(classes ? { classes } : {}),
    }),
  });

  // The first SHOWN training images, in [0, 1], and their labels.
  const pixels = data.height * data.width * data.channels;
  const inputs = Float32Array.from(data.images.subarray(0, SHOWN * pixels), (v) => v / 255);
  const x = tf.tensor(
    inputs,
    model.layout === 'flat' ? [SHOWN, pixels] : [SHOWN, ...model.imageShape],
  );
  const labels =
    data.labels && model.numClasses
      ? tf.tensor1d(data.labels.subarray(0, SHOWN), 'int32')
      : undefined;
  const zGrid =
    model.latentDim === 2 && !model.numClasses
      ? tf.tensor2d(
          Array.from({ length: MANIFOLD * MANIFOLD }, (_, i) => {
            const row = Math.floor(i / MANIFOLD);
            const col = i % MANIFOLD;
            // Row 0 at the top: the largest z2.
            return [
              normalQuantile((col + 0.5) / MANIFOLD),
              normalQuantile(1 - (row + 0.5) / MANIFOLD),
            ];
          }).flat(),
          [MANIFOLD * MANIFOLD, 2],
        )
      : undefined;

  const frame = async (step: number): Promise<VaeFrame> => {
    const [recon, manifold] = tf.tidy(() => {
      const options = { ...inference, labels };
      const { mean } = model.encode(trainer.encoder, x, options);
      return [
        decodedMean(model, model.decode(trainer.decoder, mean, options)),
        zGrid ? decodedMean(model, model.decode(trainer.decoder, zGrid, inference)) : undefined,
      ];
    });
    const reconstructions = (await recon!.data()) as Float32Array;
    const grid = manifold ? ((await manifold.data()) as Float32Array) : undefined;
    tf.dispose([recon, manifold]);
    return {
      step,
      shape: model.imageShape,
      count: SHOWN,
      inputs: inputs.slice(),
      reconstructions,
      ...(grid ? { manifold: grid, manifoldSize: MANIFOLD } : {}),
    };
  };

  control.post({ type: 'vae', frame: await frame(0) });
  let shown = performance.now();
  control.running = true;
  try {
    for await (const event of trainer.run({ signal })) {
      control.post({ type: 'event', mode: 'vae', event });
      if (event.type !== 'step') continue;
      if (control.paused || performance.now() - shown > FRAME_MS) {
        control.post({ type: 'vae', frame: await frame(event.step) });
        shown = performance.now();
      }
      await control.between(event.step);
    }
    if (!signal.aborted) control.post({ type: 'vae', frame: await frame(trainer.step) });
  } finally {
    control.running = false;
    tf.dispose([x, labels, zGrid]);
  }
}
