import * as tf from '@tensorflow/tfjs-core';

/**
 * A model's parameters: a plain nested object whose leaves are `tf.Variable`s.
 * Non-trainable state (e.g. running statistics) lives in the same tree as
 * variables created with `trainable = false`.
 */
export interface ParamTree {
  [name: string]: tf.Variable | ParamTree;
}

/**
 * Flattens a tree to `{"dense0.kernel": Variable, ...}` in a stable key order
 * (sorted; `sorted = false` keeps the tree's creation order, which the zoo
 * keeps equal to forward order, for display). The one walker behind saving,
 * loading, optimizer state, counting and `summary`.
 */
export function flattenParams(
  tree: ParamTree,
  prefix = '',
  sorted = true,
): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  const keys = sorted ? Object.keys(tree).sort() : Object.keys(tree);
  for (const key of keys) {
    const node = tree[key] as tf.Variable | ParamTree;
    const name = prefix ? `${prefix}.${key}` : key;
    if (node instanceof tf.Variable) out[name] = node;
    else Object.assign(out, flattenParams(node, name, sorted));
  }
  return out;
}

/** The trainable variables of a tree, in `flattenParams` order. */
export function trainableVariables(tree: ParamTree): tf.Variable[] {
  return Object.values(flattenParams(tree)).filter((v) => v.trainable);
}

/** Total number of scalar parameters. */
export function countParams(tree: ParamTree): number {
  return Object.values(flattenParams(tree)).reduce((n, v) => n + v.size, 0);
}

export function disposeParams(tree: ParamTree): void {
  for (const v of Object.values(flattenParams(tree))) v.dispose();
}
