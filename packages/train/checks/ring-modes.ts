/**
 * Check run: do a WGAN-GP and a hinge GAN cover all 8 modes of GAN Lab's ring
 * of Gaussians? Trains the toy MLP GAN on each objective and counts, among
 * 2,000 generated points, those within 3 sigma of each mode.
 *
 *   node scripts/run-ts.mjs packages/train/checks/ring-modes.ts [--steps 3000] [--seed 0]
 */
import { initBackend } from '@latent/backend';
import { deriveSeed, toyDistribution } from '@latent/datasets';
import { toyGan } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { GanTrainer, type GanRunConfigInput, resolveGanRunConfig } from '../src/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const steps = Number(flag('steps', '3000'));
const seed = Number(flag('seed', '0'));

await initBackend('wasm');
const ring = toyDistribution('ring');
const data = ring.sample(50_000, deriveSeed(seed, 'ring'));
const modes = Array.from({ length: 8 }, (_, k) => [
  0.8 * Math.cos((2 * Math.PI * k) / 8),
  0.8 * Math.sin((2 * Math.PI * k) / 8),
]);
const SIGMA = 0.05;

const objectives: Record<string, GanRunConfigInput> = {
  // Gulrajani et al.'s settings: 5 critic steps, Adam(1e-4, 0.5, 0.9), lambda 10.
  'wgan-gp': { loss: 'wgan-gp', k: 5, optimizer: 'adam', learningRate: 1e-4, beta1: 0.5, beta2: 0.9 },
  hinge: { loss: 'hinge', k: 1, optimizer: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.9 },
};

console.log(`ring of 8 Gaussians (radius 0.8, sigma ${SIGMA}); toy MLP GAN, batch 256, ${steps} steps, seed ${seed}`);
console.log('objective  steps  seconds  modes covered  share within 3 sigma  points per mode');
for (const [name, settings] of Object.entries(objectives)) {
  const config = resolveGanRunConfig({
    ...settings,
    dataset: 'toy',
    model: 'toy-gan',
    batchSize: 256,
    epochs: 10_000,
    maxSteps: steps,
    seed,
    sampleCount: 16,
  });
  const model = toyGan();
  const trainer = new GanTrainer({ model, data, config });
  const t0 = performance.now();
  for await (const _ of trainer.run()) {
    // Events are not needed here; the loop drives training.
  }
  const seconds = (performance.now() - t0) / 1000;
  const points = tf.tidy(() =>
    model.generate(trainer.generator, model.sampleNoise(2000, deriveSeed(seed, 'eval')), {
      training: false,
      seed: 0,
    }),
  );
  const xy = (await points.data()) as Float32Array;
  points.dispose();
  trainer.dispose();
  const counts = new Array<number>(8).fill(0);
  let near = 0;
  for (let i = 0; i < 2000; i++) {
    const x = xy[2 * i] as number;
    const y = xy[2 * i + 1] as number;
    modes.forEach(([mx, my], k) => {
      if (Math.hypot(x - (mx as number), y - (my as number)) < 3 * SIGMA) {
        counts[k] = (counts[k] as number) + 1;
        near++;
      }
    });
  }
  // A mode counts as covered when it holds at least a quarter of its fair share (2000 / 8 / 4).
  const covered = counts.filter((c) => c >= 2000 / 8 / 4).length;
  console.log(
    `${name.padEnd(9)}  ${String(steps).padStart(5)}  ${seconds.toFixed(0).padStart(7)}  ${`${covered}/8`.padStart(13)}  ${`${((100 * near) / 2000).toFixed(1)}%`.padStart(20)}  ${counts.join(' ')}`,
  );
}
