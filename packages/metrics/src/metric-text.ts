import type { MetricReport } from './evaluator.js';

const f = (x: unknown, digits = 2) => (typeof x === 'number' ? x.toFixed(digits) : String(x));

/**
 * A metric's value as people read it, and the same metric on real data
 * beside it: what `latent eval` prints and the web app shows of eval.json,
 * e.g. `fid` → `82.86` with `floor 1.19 (train vs test)`, `parzen` →
 * `80.0 ± 1.5` with `sigma 0.200`.
 */
export function metricText(name: string, r: MetricReport): { value: string; reference: string } {
  switch (name) {
    case 'parzen':
      return { value: `${f(r.value, 1)} ± ${f(r.stdErr, 1)}`, reference: `sigma ${f(r.sigma, 3)}` };
    case 'fid':
      return { value: f(r.value), reference: `floor ${f(r.floor)} (train vs test)` };
    case 'is':
      return { value: f(r.value), reference: `${f(r.real)} (test images)` };
    case 'coverage':
      return {
        value: `${r.value}/${r.classes} (KL ${f(r.klToUniform, 3)})`,
        reference: `${r.real}/${r.classes} (KL ${f(r.realKlToUniform, 3)})`,
      };
    case 'kid':
      return {
        value: `${f(r.value, 3)} ± ${f(r.std, 3)}`,
        reference: r.floor === undefined ? '' : `floor ${f(r.floor, 3)} (train vs test)`,
      };
    case 'precision':
    case 'recall':
      return { value: f(r.value, 3), reference: `k = ${r.k}, ${r.realImages} test images` };
    case 'memorization':
      return {
        value: `${f(r.value)} (copies ${f(100 * (r.copies as number), 1)}%)`,
        reference:
          r.reference === 'leave-one-out'
            ? `${f(r.real)} (training images to each other)`
            : `${f(r.real)} (test images)`,
      };
    case 'elbo':
    case 'iwae':
      return {
        value: `${f(r.value)} ± ${f(r.stdErr)}`,
        reference: `${r.images} test images${name === 'iwae' ? `, k = ${r.k}` : ''}`,
      };
    default:
      return { value: f(r.value), reference: '' };
  }
}
