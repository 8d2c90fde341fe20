// Bundled for the browser by onnx-web.test.ts: the exporter itself runs in the
// page (no Node API in the main entry), on a DCGAN generator initialized there.
import '@tensorflow/tfjs-backend-cpu';
import { dcgan, disposeParams } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { exportGraph, inferenceGraph, readWeights } from './index.js';

async function exportInPage(): Promise<{ onnx: number[]; z: number[]; expected: number[] }> {
  await tf.setBackend('cpu');
  const model = dcgan();
  const { generator, discriminator } = model.init(3);
  disposeParams(discriminator);
  const graph = inferenceGraph(model.name, model.config, 'generator', await readWeights(generator));
  const [file] = exportGraph(graph, 'onnx');
  const z = model.sampleNoise(2, 1);
  const images = model.generate(generator, z, { training: false, seed: 0 });
  const result = {
    onnx: [...(file?.bytes ?? [])],
    z: [...((await z.data()) as Float32Array)],
    expected: [...((await images.data()) as Float32Array)],
  };
  tf.dispose([z, images]);
  disposeParams(generator);
  return result;
}

(globalThis as { exportInPage?: typeof exportInPage }).exportInPage = exportInPage;
