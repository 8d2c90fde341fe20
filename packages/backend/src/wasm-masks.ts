// LeakyRelu, Greater and Select on wasm with latent's loops (`mask-math.ts`):
// the leaky ReLU and its gradient's mask and selection. Float32 operands only;
// Greater where b is a scalar or of a's shape, Select where all three are of
// one shape. Every other case, and engines without latent's module, keep
// tfjs's kernels.
import './gemm.js';
import {
  backend_util,
  Greater,
  LeakyRelu,
  type LeakyReluAttrs,
  Select,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { type Gemm, latentModuleOf, type WasmBackend } from './gemm.js';
import { replaceWasmKernel, wasmKernel } from './wasm-products.js';

let enabled = true;

/** Switches between latent's loops (default) and tfjs's kernels; for tests that compare the two. */
export function useLatentMasks(on: boolean): void {
  enabled = on;
}

const offset = (backend: WasmBackend, t: TensorInfo) =>
  backend.dataIdMap.get(t.dataId)!.memoryOffset;

/** Replaces kernel `name` with `run` where it returns an output, tfjs's kernel where it returns undefined. */
function maskKernel<I, A>(
  name: string,
  run: (g: Gemm, backend: WasmBackend, inputs: I, attrs: A) => TensorInfo | undefined,
): void {
  const builtin = wasmKernel(name);
  const kernelFunc = (args: { inputs: I; backend: WasmBackend; attrs: A }): TensorInfo => {
    const g = enabled ? latentModuleOf(args.backend) : null;
    const out = g ? run(g, args.backend, args.inputs, args.attrs) : undefined;
    return out ?? (builtin.kernelFunc(args as never) as TensorInfo);
  };
  replaceWasmKernel(name, kernelFunc);
}

const bitsOf = (value: number) => new Int32Array(Float32Array.of(value).buffer)[0] as number;

maskKernel<{ x: TensorInfo }, LeakyReluAttrs>(LeakyRelu, (g, backend, { x }, { alpha }) => {
  const n = util.sizeFromShape(x.shape);
  if (x.dtype !== 'float32' || n === 0) return undefined;
  const out = backend.makeOutput(x.shape as number[], 'float32');
  g.exports.leakyRelu(offset(backend, x), offset(backend, out), n, bitsOf(alpha));
  return out;
});

maskKernel<{ a: TensorInfo; b: TensorInfo }, unknown>(Greater, (g, backend, { a, b }) => {
  const n = util.sizeFromShape(a.shape);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || n === 0) return undefined;
  const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const same = util.arraysEqual(a.shape, b.shape);
  if (!same && (util.sizeFromShape(b.shape) !== 1 || util.sizeFromShape(shape) !== n))
    return undefined;
  const out = backend.makeOutput(shape, 'bool');
  g.exports.greater(offset(backend, a), offset(backend, b), offset(backend, out), n, same ? 4 : 0);
  return out;
});

maskKernel<{ condition: TensorInfo; t: TensorInfo; e: TensorInfo }, unknown>(
  Select,
  (g, backend, { condition, t, e }) => {
    const n = util.sizeFromShape(t.shape);
    const sameShapes =
      util.arraysEqual(condition.shape, t.shape) && util.arraysEqual(t.shape, e.shape);
    const types = condition.dtype === 'bool' && t.dtype === 'float32' && e.dtype === 'float32';
    if (!sameShapes || !types || n === 0) return undefined;
    const out = backend.makeOutput(t.shape as number[], 'float32');
    const at = (x: TensorInfo) => offset(backend, x);
    g.exports.select(at(condition), at(t), at(e), at(out), n);
    return out;
  },
);
