import type { InferenceGraph, Layer } from './graph.js';

/**
 * The shape of one output of a graph, without the batch: [h, w, c] for images
 * (latent's layout), [n] for a head's dense output.
 */
export function outputShape(graph: InferenceGraph, name: string): number[] {
  const output = graph.outputs.find((o) => o.name === name);
  if (!output) throw new Error(`${graph.model} ${graph.part} has no output '${name}'`);
  const last = [...graph.layers, ...output.layers]
    .reverse()
    .find((l): l is Extract<Layer, { op: 'dense' | 'unflatten' | 'conv2dTranspose' }> =>
      ['dense', 'unflatten', 'conv2dTranspose'].includes(l.op),
    );
  if (last?.op === 'dense') return [last.kernel.shape[1] as number];
  return [...graph.imageShape];
}
