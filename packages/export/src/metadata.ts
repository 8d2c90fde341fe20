import type { InferenceGraph } from './graph.js';

/** What every format records beside the weights: which model and part, and how to read its images. */
export function metadataOf(graph: InferenceGraph): Record<string, string> {
  return {
    format: 'latent-export',
    model: graph.model,
    part: graph.part,
    config: JSON.stringify(graph.config),
    pixelRange: graph.pixelRange,
    imageShape: JSON.stringify(graph.imageShape),
    ...(graph.classes ? { classes: String(graph.classes) } : {}),
  };
}
