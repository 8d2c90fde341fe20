import * as tf from '@tensorflow/tfjs-core';
import { flattenParams, type ParamTree } from './params.js';

/** Weights in tfjs's own format: a manifest of specs plus one binary buffer. */
export interface EncodedParams {
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

/** Encodes a parameter tree with `tf.io.encodeWeights`, one entry per flattened name. */
export async function encodeParams(tree: ParamTree, prefix = ''): Promise<EncodedParams> {
  const flat = flattenParams(tree, prefix);
  return tf.io.encodeWeights(flat) as Promise<EncodedParams>;
}

/**
 * Loads encoded weights into an existing tree in place. Every variable of the
 * tree must be present with the same shape; otherwise nothing is assigned and
 * the error lists each mismatch (so weights of another model are refused whole).
 * Entries the tree lacks are ignored, so one network loads from a file that
 * holds several (pass its `prefix`, e.g. `generator`).
 */
export function loadParams(tree: ParamTree, encoded: EncodedParams, prefix = ''): void {
  const flat = flattenParams(tree, prefix);
  const bySpec = new Map(encoded.specs.map((s) => [s.name, s]));
  const problems: string[] = [];
  for (const [name, v] of Object.entries(flat)) {
    const spec = bySpec.get(name);
    if (!spec) problems.push(`missing ${name}`);
    else if (spec.shape.join('x') !== v.shape.join('x')) {
      problems.push(`${name} has shape [${spec.shape}], the model expects [${v.shape}]`);
    }
  }
  if (problems.length > 0) throw new Error(`weights do not fit this model: ${problems.join('; ')}`);
  // Decode every entry: offsets into the buffer follow the full spec list, so
  // a filtered list would read the wrong bytes. Entries not in the tree are ignored.
  const named = tf.io.decodeWeights(encoded.data, encoded.specs);
  for (const [name, v] of Object.entries(flat)) v.assign(named[name] as tf.Tensor);
  tf.dispose(Object.values(named));
}

/** float32 -> IEEE half precision bits, rounding to nearest even (for shipping weights). */
export function toFloat16Bits(x: number): number {
  const f32 = new Float32Array([x]);
  const u = new Uint32Array(f32.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to inf
  if (e <= 0) {
    // Subnormal half: shift the implicit bit in, round to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1) === 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1) === 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}
