import { flattenParams, type ParamTree } from './params.js';

export interface SummaryRow {
  /** Layer path, e.g. `conv1` or `head.dense0`. */
  layer: string;
  /** Each parameter of the layer: name, shape, whether an optimizer trains it. */
  params: { name: string; shape: number[]; trainable: boolean }[];
  count: number;
}

/**
 * The rows `summary` prints: one per layer (a parameter's path without its
 * last segment), in the order the layers were created.
 */
export function summaryRows(tree: ParamTree): SummaryRow[] {
  const rows = new Map<string, SummaryRow>();
  for (const [path, v] of Object.entries(flattenParams(tree, '', false))) {
    const cut = path.lastIndexOf('.');
    const layer = cut < 0 ? '(root)' : path.slice(0, cut);
    const row = rows.get(layer) ?? { layer, params: [], count: 0 };
    row.params.push({ name: path.slice(cut + 1), shape: v.shape, trainable: v.trainable });
    row.count += v.size;
    rows.set(layer, row);
  }
  return [...rows.values()];
}

/**
 * A table of a parameter tree: each layer's parameters with their shapes
 * (non-trainable ones marked `*`), its parameter count, and the totals.
 *
 *   summary(generator, 'G')  // print with console.log
 */
export function summary(tree: ParamTree, title?: string): string {
  const rows = summaryRows(tree);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const cells = rows.map((r) => [
    r.layer,
    r.params.map((p) => `${p.name}${p.trainable ? '' : '*'} [${p.shape.join(',')}]`).join('  '),
    fmt(r.count),
  ]);
  const header = ['layer', 'parameters (* = not trained)', 'count'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    `${c[0]!.padEnd(widths[0]!)}  ${c[1]!.padEnd(widths[1]!)}  ${c[2]!.padStart(widths[2]!)}`;
  let trainable = 0;
  let frozen = 0;
  for (const v of Object.values(flattenParams(tree))) {
    if (v.trainable) trainable += v.size;
    else frozen += v.size;
  }
  return [
    ...(title ? [title] : []),
    line(header),
    '-'.repeat(widths.reduce((a, b) => a + b + 2, -2)),
    ...cells.map(line),
    `total ${fmt(trainable + frozen)} parameters: ${fmt(trainable)} trained, ${fmt(frozen)} not`,
  ].join('\n');
}
