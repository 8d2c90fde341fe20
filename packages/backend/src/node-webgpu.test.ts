// webgpu in Node on Dawn. Where no GPU exists the adapter is the SwiftShader
// Vulkan driver of the chromium package (scripts/setup.sh --browser installs
// it): a CPU emulation, slow, so the shapes here are small.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { availableBackends, initBackend, replicaCount } from './node.js';

const noGpu = await initBackend('webgpu').then(
  () => undefined,
  (e: Error) => e.message,
);
if (noGpu) {
  if (process.env.CI) throw new Error(`webgpu tests cannot run in CI: ${noGpu}`);
  console.error(`\n*** SKIPPING the webgpu backend tests: ${noGpu}\n`);
}

/** Runs `body` with the built-in cpu kernels and with webgpu's; returns both results' values. */
async function onBoth(body: () => tf.Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  const run = async (name: string) => {
    await initBackend(name);
    const out = body();
    const values = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(out);
    return values;
  };
  return [await run('cpu'), await run('webgpu')];
}

function expectClose(got: Float32Array, want: Float32Array, tolerance = 1e-5): void {
  let d = 0;
  let n = 0;
  want.forEach((w, i) => {
    d += ((got[i] as number) - w) ** 2;
    n += w * w;
  });
  expect(got.length).toBe(want.length);
  expect(Math.sqrt(d / n)).toBeLessThan(tolerance);
}

describe.skipIf(noGpu !== undefined)('webgpu backend in Node', { timeout: 120_000 }, () => {
  it('starts on an adapter it names and is listed as available', async () => {
    const info = await initBackend('webgpu');
    expect(info.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(info.adapter).toMatch(/\w/);
    expect(await availableBackends()).toEqual(['wasm', 'cpu', 'webgpu']);
  });

  it('has every kernel a conv net trains with (filter and input gradients, batch norm), matching cpu', async () => {
    // A DCGAN-like layer pair: strided conv, transposed conv, batch-norm-like
    // normalization, leaky ReLU; the gradients need Conv2DBackpropFilter,
    // Conv2DBackpropInput and the transposed matMuls.
    const inputs = () => {
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
      const w1 = tf.randomNormal([4, 4, 3, 5], 0, 0.2, 'float32', 2);
      const w2 = tf.randomNormal([4, 4, 3, 5], 0, 0.2, 'float32', 3);
      const w3 = tf.randomNormal([5, 7], 0, 0.2, 'float32', 4);
      return [x, w1, w2, w3] as const;
    };
    const [cpu, gpu] = await onBoth(() => {
      const [x, w1, w2, w3] = inputs();
      const loss = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor) => {
        const h = tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same');
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        const n = tf.leakyRelu(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), 0.2);
        const up = tf.conv2dTranspose(n as tf.Tensor4D, w2 as tf.Tensor4D, [2, 8, 8, 3], 2, 'same');
        const flat = tf.reshape(n, [-1, 5]);
        return tf.add(tf.sum(tf.square(up)), tf.sum(tf.sigmoid(tf.matMul(flat, w3))));
      };
      const { value, grads } = tf.valueAndGrads(loss)([x, w1, w2, w3]);
      return [value, ...grads, x, w1, w2, w3];
    });
    for (let i = 0; i < 5; i++) expectClose(gpu[i] as Float32Array, cpu[i] as Float32Array, 1e-4);
  });

  it('frees its GPU buffers when tensors are disposed', async () => {
    await initBackend('webgpu');
    const start = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number };
    const a = tf.randomNormal([64, 64], 0, 1, 'float32', 1);
    const b = tf.matMul(a, a);
    await b.data();
    expect((tf.memory() as typeof start).numBytesInGPU).toBeGreaterThan(start.numBytesInGPU);
    // Node has no OffscreenCanvas, through which tfjs reads a GPU buffer synchronously.
    expect(() => b.dataSync()).not.toThrow(); // read above: the values are on the CPU now
    const c = tf.add(b, 1);
    expect(() => c.dataSync()).toThrow(/cannot read a GPU tensor synchronously.*await data\(\)/);
    await c.data(); // tfjs frees a buffer once the queued commands that use it were submitted
    tf.dispose([a, b, c]);
    const end = tf.memory() as typeof start;
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBytesInGPU).toBe(start.numBytesInGPU);
  });
});

describe('webgpu set-up errors', () => {
  it('with no Vulkan driver, says what to install (and does not hang)', () => {
    // A process of its own: the driver is chosen once per process.
    const pkg = fileURLToPath(new URL('..', import.meta.url));
    const script = join(pkg, `.no-adapter-${process.pid}.ts`);
    writeFileSync(
      script,
      "import { initBackend } from './src/node.ts';\n" +
        "await initBackend('webgpu').then(() => console.log('started'), (e) => console.log(e.message));\n",
    );
    try {
      const run = spawnSync(process.execPath, [join(pkg, '../../scripts/run-ts.mjs'), script], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/vk_icd.json' },
      });
      expect(run.stdout).toMatch(/^No WebGPU adapter \(tried VK_ICD_FILENAMES=\/nonexistent/);
      expect(run.stdout).toMatch(/apt install chromium/);
      expect(run.stdout).toMatch(/mesa-vulkan-drivers/);
    } finally {
      rmSync(script, { force: true });
    }
  });

  it('runs one replica on webgpu and refuses more, saying why', () => {
    expect(replicaCount('webgpu', undefined, 2)).toBe(1);
    expect(replicaCount('webgpu', 1, 2)).toBe(1);
    expect(() => replicaCount('webgpu', 2, 1)).toThrow(
      /--workers 2 does not apply to the webgpu backend.*cannot be shared between threads.*--workers 1/,
    );
    expect(replicaCount('wasm', undefined, 2)).toBe(2);
    expect(replicaCount('wasm', 3, 2)).toBe(3);
  });
});
