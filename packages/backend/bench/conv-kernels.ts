/**
 * The wasm convolution kernels one by one, on DCGAN's layer shapes (batch 64,
 * 4x4 kernels, stride 2, 'same'): the forward Conv2D, latent's
 * Conv2DBackpropFilter (one dilated conv) and Conv2DBackpropInput (GEMM +
 * col2im with latent's GEMM, sub-pixel with XNNPACK), and tfjs's built-in
 * Conv2DBackpropInput, each with latent's GEMM (im2col,
 * where it applies) and with XNNPACK's conv. GFLOP/s count the layer's
 * 2*k*k*ci*co multiply-adds per output pixel of the forward conv; CPU ms is
 * this process's CPU time per call (less swayed by other work than wall ms).
 *
 *   pnpm --filter @latent/backend bench
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, useFastWasmConv2DBackpropInput, useLatentWasmGemm } from '../src/node.js';

await initBackend('wasm');

function time(name: string, flops: number, f: () => tf.Tensor): void {
  for (let i = 0; i < 2; i++) f().dispose();
  const n = 10;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const y = f();
    y.dataSync();
    y.dispose();
  }
  const ms = (performance.now() - t0) / n;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000 / n;
  console.log(
    `  ${name.padEnd(44)} ${ms.toFixed(2).padStart(8)} ms ${cpuMs.toFixed(2).padStart(8)} CPU ms ${(flops / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`,
  );
}

type Shape4 = [number, number, number, number];
const layers: [Shape4, number][] = [
  [[64, 28, 28, 1], 64],
  [[64, 14, 14, 64], 128],
  [[64, 16, 16, 3], 64],
  [[64, 8, 8, 64], 128],
  [[64, 4, 4, 128], 256],
];
console.log(`wasm, node ${process.version}; mean of 10 calls after 2 warm-up calls`);
for (const [xs, co] of layers) {
  const x = tf.randomNormal(xs) as tf.Tensor4D;
  const w = tf.randomNormal([4, 4, xs[3], co]) as tf.Tensor4D;
  const y = tf.conv2d(x, w, 2, 'same');
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const flops = 2 * y.size * 16 * xs[3];
  console.log(`x [${xs}] -> ${co} channels`);
  for (const gemm of [true, false]) {
    useLatentWasmGemm(gemm);
    const on = gemm ? 'latent GEMM' : 'XNNPACK';
    time(`Conv2D (forward, ${on})`, flops, () => tf.conv2d(x, w, 2, 'same'));
    time(`Conv2DBackpropFilter (dilated, ${on})`, flops, () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: [2, 2],
        pad: 'same',
        dataFormat: 'NHWC',
        filterShape: w.shape,
      } as never),
    );
    time(`Conv2DBackpropInput (${gemm ? 'col2im' : 'sub-pixel'}, ${on})`, flops, () =>
      tf.conv2dTranspose(dy, w, xs, 2, 'same'),
    );
  }
  useFastWasmConv2DBackpropInput(false);
  time('Conv2DBackpropInput (tfjs built-in)', flops, () =>
    tf.conv2dTranspose(dy, w, xs, 2, 'same'),
  );
  useFastWasmConv2DBackpropInput(true);
  tf.dispose([x, w, y, dy]);
}
