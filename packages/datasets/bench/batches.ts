/**
 * Benchmark: batches/s from bytes in memory to a float32 tensor on the wasm
 * backend (MNIST, shuffled, the iterator's whole `next()` plus reading the
 * tensor back, so the copy into wasm memory is counted), per pixel range and
 * batch size. Compares the time per batch with a training step's.
 *
 *   pnpm --filter @latent/datasets bench [--batches 400] [--step-ms 185]
 *
 * `--step-ms` is the time of one training step to compare with (default: the
 * paper's MNIST GAN at batch 100 on wasm, 5.4 steps/s in docs/ARCHITECTURE.md).
 */
import { initBackend } from '@latent/backend';
import { BatchIterator, type PixelRange } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const batches = Number(flag('batches', '400'));
const stepMs = Number(flag('step-ms', '185'));

const info = await initBackend('wasm');
const mnist = await loadMnist();
console.log(
  `MNIST train (${mnist.train.count} x 784 bytes) -> float32 tensor on ${info.name}; node ${process.version}`,
);
console.log(`median of ${batches} batches after 50 warm-up; step time compared: ${stepMs} ms`);
console.log('batch  range    batches/s  ms/batch  images/s   data/step');
for (const batchSize of [64, 256]) {
  for (const range of ['[0,1]', '[-1,1]', 'binary'] as PixelRange[]) {
    const it = new BatchIterator(mnist.train, { batchSize, seed: 1, range });
    const times: number[] = [];
    for (let i = 0; i < 50 + batches; i++) {
      const t0 = performance.now();
      const b = it.next();
      await b.x.data(); // the values are in the backend's memory and readable
      const t = performance.now() - t0;
      b.x.dispose();
      b.labels?.dispose();
      if (i >= 50) times.push(t);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)] as number;
    console.log(
      `${String(batchSize).padStart(5)}  ${range.padEnd(7)} ${(1000 / ms).toFixed(0).padStart(10)}  ${ms.toFixed(3).padStart(8)}  ${((1000 * batchSize) / ms).toFixed(0).padStart(8)}  ${((100 * ms) / stepMs).toFixed(2).padStart(9)}%`,
    );
  }
}
