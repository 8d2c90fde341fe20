// Each format against its real consumer: onnxruntime-node runs the ONNX
// files, tfjs-layers loads the LayersModels; both must give latent's outputs.
import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCases, type Case, MODELS, maxAbsDiff } from './cases.test-util.js';
import { exportGraph } from './export.js';
import { ONNX_OPSET, toOnnx } from './onnx.js';
import { toTfjsLayers } from './tfjs-layers.js';

const TOLERANCE = 1e-4;

beforeAll(async () => {
  await initBackend('cpu');
});

async function onnxOutputs(c: Case): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(toOnnx(c.graph));
  const feeds: Record<string, ort.Tensor> = {
    [c.graph.input.kind === 'noise' ? 'z' : 'images']: new ort.Tensor(
      'float32',
      c.input.data,
      c.input.shape,
    ),
  };
  if (c.labels)
    feeds.label = new ort.Tensor('int64', BigInt64Array.from(c.labels, BigInt), [c.labels.length]);
  const results = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(results).map(([k, t]) => [k, t.data as Float32Array]));
}

async function tfjsOutputs(c: Case): Promise<Float32Array[]> {
  const { modelJson, weights } = toTfjsLayers(c.graph);
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0]?.weights,
      weightData: weights.buffer as ArrayBuffer,
    }),
  );
  const x = tf.tensor(c.input.data, c.input.shape);
  const inputs = c.labels ? [x, tf.tensor2d(Float32Array.from(c.labels), [c.labels.length, 1])] : x;
  const out = model.predict(inputs) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, ...(Array.isArray(inputs) ? inputs : []), ...list]);
  model.dispose();
  return data;
}

describe.each(MODELS.map((m) => m.label))('%s', (label) => {
  let cases: Case[];
  beforeAll(async () => {
    cases = await buildCases((l) => l === label);
  });

  it('onnxruntime-node gives latent outputs for the same inputs (opset 17)', async () => {
    expect(ONNX_OPSET).toBe(17);
    for (const c of cases) {
      const got = await onnxOutputs(c);
      expect(Object.keys(got).sort(), c.label).toEqual(Object.keys(c.expected).sort());
      for (const [name, want] of Object.entries(c.expected))
        expect(
          maxAbsDiff(got[name] as Float32Array, want),
          `${c.label} ${name}`,
        ).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('tfjs-layers loadLayersModel gives latent outputs for the same inputs', async () => {
    const before = tf.memory().numTensors;
    for (const c of cases) {
      const got = await tfjsOutputs(c);
      const want = c.graph.outputs.map((o) => c.expected[o.name] as Float32Array);
      expect(got.length, c.label).toBe(want.length);
      for (const [i, g] of got.entries()) {
        const name = `${c.label} ${c.graph.outputs[i]?.name}`;
        expect(maxAbsDiff(g, want[i] as Float32Array), name).toBeLessThanOrEqual(TOLERANCE);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('writes the files each format consists of', () => {
    for (const c of cases) {
      expect(exportGraph(c.graph, 'onnx').map((f) => f.path)).toEqual([`${c.graph.part}.onnx`]);
      expect(exportGraph(c.graph, 'tfjs').map((f) => f.path)).toEqual([
        'model.json',
        'weights.bin',
      ]);
      expect(exportGraph(c.graph, 'safetensors').map((f) => f.path)).toEqual([
        `${c.graph.part}.safetensors`,
      ]);
    }
  });
});
