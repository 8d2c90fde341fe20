// Times the 2014 paper's Parzen-window protocol at full size on wasm: 10,000
// kernel centres (here: MNIST training images standing in for samples), sigma
// chosen on the first 1,000 validation images, then 10,000 test images.
//   node scripts/run-ts.mjs packages/metrics/bench/parzen.ts [--test 10000] [--backend wasm]
import { initBackend } from '@latent/backend';
import { loadMnist } from '@latent/datasets/node';
import { imagePoints } from '../src/images.js';
import { parzenLogLikelihood } from '../src/parzen.js';

const args = process.argv.slice(2);
const flag = (f: string, d: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1]! : d;
};
const backend = flag('--backend', 'wasm');
const testCount = Number(flag('--test', '10000'));
const sampleCount = Number(flag('--samples', '10000'));
await initBackend(backend);
const mnist = await loadMnist();
const samples = imagePoints(mnist.train, 0, sampleCount);
const validation = imagePoints(mnist.validation, 0, 1000);
const test = imagePoints(mnist.test, 0, testCount);
const t0 = performance.now();
let last = 0;
const r = await parzenLogLikelihood(samples, validation, test, {
  onProgress: (done, total) => {
    const now = performance.now();
    if (now - last > 5000 || done === total) {
      last = now;
      process.stderr.write(`${done}/${total} points, ${((now - t0) / 1000).toFixed(1)} s\n`);
    }
  },
});
const seconds = (performance.now() - t0) / 1000;
console.log(
  `Parzen on ${backend}: ${sampleCount} centres, 1000 validation x 10 sigmas, ${testCount} test: ${seconds.toFixed(1)} s`,
);
console.log(
  `  training images as samples: ${r.mean.toFixed(1)} ± ${r.stdErr.toFixed(1)} nats (sigma ${r.sigma.toFixed(4)})`,
);
