import { disposeParams, flattenParams, loadParams, type ParamTree } from '@latent/models';
import type { Checkpoint } from '@latent/train';
import {
  type InferenceGraph,
  inferenceGraph,
  PARTS,
  type Part,
  partsOf,
  type WeightMap,
} from './graph.js';
import { metadataOf } from './metadata.js';
import { toOnnx } from './onnx.js';
import { writeSafetensors } from './safetensors.js';
import { toTfjsLayers } from './tfjs-layers.js';
import { torchTensors } from './torch-layout.js';
import { initNetworks, zooModel } from './zoo.js';

/** The formats a network exports to. */
export const FORMATS = ['onnx', 'tfjs', 'safetensors'] as const;
export type Format = (typeof FORMATS)[number];

/** One file of an export: a path relative to the export's folder, and its bytes. */
export interface ExportedFile {
  path: string;
  bytes: Uint8Array;
}

/** A network's tensors by latent name, read from its variables. */
export async function readWeights(tree: ParamTree): Promise<WeightMap> {
  const out: WeightMap = {};
  for (const [name, v] of Object.entries(flattenParams(tree)))
    out[name] = { shape: [...v.shape], data: (await v.data()) as Float32Array };
  return out;
}

export interface ExportOptions {
  /** Default: the generator of a GAN, the decoder of a VAE. */
  part?: Part;
  /** Export the moving average of G's weights (runs trained with --ema). */
  ema?: boolean;
}

/** Checks a part name from a user, e.g. a flag. */
export function checkPart(part: string, model?: string): Part {
  if (!(PARTS as readonly string[]).includes(part))
    throw new Error(`unknown part '${part}'; choose ${PARTS.join(', ')}`);
  if (model && !partsOf(model).includes(part as Part))
    throw new Error(`a ${model} model has a ${partsOf(model).join(' and a ')}, not a ${part}`);
  return part as Part;
}

/** Checks a format name from a user. */
export function checkFormat(format: string): Format {
  if (!(FORMATS as readonly string[]).includes(format))
    throw new Error(`unknown format '${format}'; choose ${FORMATS.join(', ')}`);
  return format as Format;
}

/**
 * The inference graph of one part of a checkpoint's model: the model is
 * rebuilt from the checkpoint's zoo name and config and the part's weights
 * loaded into it (so weights of another shape are refused), then read back.
 * Needs a tfjs backend.
 *
 * @param where names the checkpoint in error messages
 */
export async function checkpointGraph(
  { manifest, weights }: Checkpoint,
  { part, ema = false }: ExportOptions,
  where: string,
): Promise<InferenceGraph> {
  const { name, config } = manifest.model;
  const zoo = zooModel(name, config, where);
  const chosen = part ?? (zoo.kind === 'gan' ? 'generator' : 'decoder');
  checkPart(chosen, name);
  if (ema && chosen !== 'generator')
    throw new Error(`--ema applies to a GAN's generator, not to ${name}'s ${chosen}`);
  const prefix = ema ? 'ema' : chosen;
  if (!manifest.weights.specs.some((s) => s.name.startsWith(`${prefix}.`)))
    throw new Error(
      ema
        ? `${where} holds no moving average of G; train with --ema 0.999 to keep one, or drop --ema.`
        : `${where} holds no ${chosen} weights`,
    );
  const trees = initNetworks(zoo, 0);
  const tree = trees[chosen] as ParamTree;
  try {
    loadParams(tree, { specs: manifest.weights.specs, data: weights }, prefix);
    return inferenceGraph(name, config, chosen, await readWeights(tree));
  } finally {
    for (const t of Object.values(trees)) disposeParams(t);
  }
}

/**
 * The files of a graph in a format:
 * - `onnx`: `<part>.onnx`;
 * - `tfjs`: `model.json` and `weights.bin` (a tfjs-layers LayersModel);
 * - `safetensors`: `<part>.safetensors`, in PyTorch's layout and names, with
 *   the model's name, part and config in its metadata.
 */
export function exportGraph(graph: InferenceGraph, format: Format): ExportedFile[] {
  if (format === 'onnx') return [{ path: `${graph.part}.onnx`, bytes: toOnnx(graph) }];
  if (format === 'tfjs') {
    const { modelJson, weights } = toTfjsLayers(graph);
    return [
      { path: 'model.json', bytes: new TextEncoder().encode(`${JSON.stringify(modelJson)}\n`) },
      { path: 'weights.bin', bytes: weights },
    ];
  }
  return [
    {
      path: `${graph.part}.safetensors`,
      bytes: writeSafetensors(
        torchTensors(graph).map((t) => ({ name: t.name, shape: t.shape, data: t.data })),
        metadataOf(graph),
      ),
    },
  ];
}
