/**
 * Benchmark: seconds per epoch of the 2014 paper's MNIST GAN (batch 100, k=1,
 * SGD with momentum) on each backend, from timed training steps after warm-up.
 *
 *   pnpm bench [--steps 20] [--backends wasm,cpu]
 */
import { initBackend } from '@latent/backend';
import { loadMnist } from '@latent/datasets/node';
import { mlpGan } from '@latent/models';
import { GanTrainer, resolveGanRunConfig } from '@latent/train';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const backends = flag('backends', 'wasm,cpu').split(',');
const steps = Number(flag('steps', '20'));
const warmup = 3;

const mnist = await loadMnist();
const config = resolveGanRunConfig({ batchSize: 100, k: 1 });
const stepsPerEpoch = Math.floor(mnist.train.count / config.batchSize);
console.log(
  `paper MNIST GAN (G 100-1200-1200-784, D maxout 240x5-240x5-1), batch ${config.batchSize}, k ${config.k}, ${stepsPerEpoch} steps/epoch`,
);
console.log(
  `node ${process.version}, ${process.platform}-${process.arch}; ${warmup} warm-up steps, then median of ${steps} timed steps`,
);
console.log('backend  steps/s  s/step   s/epoch  images/s  peak RSS MB');
for (const name of backends) {
  const info = await initBackend(name);
  const n = name === 'cpu' ? Math.max(3, Math.round(steps / 4)) : steps;
  const trainer = new GanTrainer({ model: mlpGan(), data: mnist.train, config });
  const times: number[] = [];
  let peak = process.memoryUsage().rss;
  for (let i = 0; i < warmup + n; i++) {
    const t0 = performance.now();
    const { stats } = trainer.trainStep();
    await stats.data(); // wait for the step to finish
    stats.dispose();
    if (i >= warmup) times.push((performance.now() - t0) / 1000);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  trainer.dispose();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  console.log(
    `${info.name.padEnd(8)} ${(1 / median).toFixed(2).padStart(7)}  ${median.toFixed(3).padStart(6)}  ${(median * stepsPerEpoch).toFixed(0).padStart(8)}  ${(config.batchSize / median).toFixed(0).padStart(8)}  ${(peak / 2 ** 20).toFixed(0).padStart(11)}`,
  );
}
