/**
 * Check run: do a WGAN-GP and a hinge GAN cover all 8 modes of GAN Lab's ring
 * of Gaussians? Trains the toy MLP GAN with each objective, then measures
 * 2,000 generated points with `@latent/metrics`: modes captured (at least 10%
 * of a mode's fair share within 3 sigma), the share of points within 3 sigma
 * of some mode, and GAN Lab's grid KL and JS divergences.
 *
 *   node scripts/run-ts.mjs apps/cli/checks/ring-modes.ts [--steps 2000] [--seed 0] [--lr 1e-3] [--objectives hinge]
 */
import { initBackend } from '@latent/backend';
import { deriveSeed, toyDistribution } from '@latent/datasets';
import { gridDivergence, modeCoverage } from '@latent/metrics';
import { toyGan } from '@latent/models';
import { type GanRunConfigInput, GanTrainer, resolveGanRunConfig } from '@latent/train';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const steps = Number(flag('steps', '2000'));
const seed = Number(flag('seed', '0'));
const only = flag('objectives', 'wgan-gp,hinge').split(',');
/** Overrides the learning rate of both networks (default: each objective's paper setting). */
const lr = args.includes('--lr') ? Number(flag('lr', '')) : undefined;

await initBackend('wasm');
const ring = toyDistribution('ring');
const data = ring.sample(50_000, deriveSeed(seed, 'ring'));

const objectives: Record<string, GanRunConfigInput> = {
  // Gulrajani et al.'s settings: 5 critic steps, Adam(1e-4, 0.5, 0.9), lambda 10.
  'wgan-gp': {
    loss: 'wgan-gp',
    k: 5,
    optimizer: 'adam',
    learningRate: 1e-4,
    beta1: 0.5,
    beta2: 0.9,
  },
  hinge: { loss: 'hinge', k: 1, optimizer: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.9 },
};

console.log(
  `ring of 8 Gaussians (radius 0.8, sigma 0.05); toy MLP GAN, batch 256, ${steps} steps, seed ${seed}`,
);
console.log(
  'objective  steps  seconds  modes captured  within 3 sigma  grid KL  grid JS  points per mode',
);
for (const [name, settings] of Object.entries(objectives)) {
  if (!only.includes(name)) continue;
  const config = resolveGanRunConfig({
    ...settings,
    ...(lr ? { learningRate: lr } : {}),
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
  const points = trainer.generate(2000, deriveSeed(seed, 'eval'));
  const xy = await points.data();
  points.dispose();
  trainer.dispose();
  const coverage = modeCoverage(ring.components ?? [], xy);
  const grid = gridDivergence(ring, xy);
  console.log(
    [
      name.padEnd(9),
      String(steps).padStart(5),
      seconds.toFixed(0).padStart(7),
      `${coverage.captured}/${coverage.modes}`.padStart(14),
      `${(100 * coverage.highQuality).toFixed(1)}%`.padStart(14),
      grid.kl.toFixed(3).padStart(7),
      grid.js.toFixed(3).padStart(7),
      ` ${coverage.counts.join(' ')}`,
    ].join('  '),
  );
}
