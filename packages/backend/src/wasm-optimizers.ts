// Optimizer updates as single wasm kernels: SGD with momentum and Adam read
// each parameter, its state and its gradient once and write the new values
// once, where the same update as tfjs ops makes four (SGD) or twelve (Adam)
// passes over every variable, each allocating its result. `@latent/train`'s
// optimizers run these kernels where the active backend has them (by name;
// see `FUSED_UPDATE_KERNELS` there) and tfjs ops elsewhere; both round every
// operation to float32 in the same order, so the results are equal bit for
// bit and a run resumes on either. They are registered once the wasm backend
// runs and latent's module instantiates on it (it needs SIMD).
import {
  getKernel,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { type Gemm, latentModuleOf, type WasmBackend } from './gemm.js';
import { SCRATCH_OFFSET } from './gemm-kernels.js';

/** Kernel names, shared with `@latent/train`'s optimizers (which test that they match). */
export const SGD_MOMENTUM_KERNEL = 'LatentSgdMomentum';
export const ADAM_KERNEL = 'LatentAdam';

type Inputs = Record<string, TensorInfo>;

/**
 * Runs `update` over the named inputs into fresh outputs shaped like the
 * first, with `scalars` written to the GEMM's scratch tile (free between
 * products) for the module to read.
 */
function fused(
  backend: WasmBackend,
  inputs: TensorInfo[],
  outputs: number,
  scalars: number[],
  update: (g: Gemm, pointers: number[], n: number, scalars: number) => void,
): TensorInfo[] {
  const g = latentModuleOf(backend) as Gemm;
  const [first] = inputs as [TensorInfo];
  const n = util.sizeFromShape(first.shape);
  for (const t of inputs)
    if (t.dtype !== 'float32' || util.sizeFromShape(t.shape) !== n)
      throw new Error(`@latent/backend: a fused update takes float32 tensors of ${n} values`);
  const out = Array.from({ length: outputs }, () => backend.makeOutput(first.shape, 'float32'));
  const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const scratch = g.work + SCRATCH_OFFSET;
  new Float32Array(g.memory.buffer, scratch, scalars.length).set(scalars);
  update(g, [...inputs, ...out].map(offset), n, scratch);
  return out;
}

function sgdMomentum(args: {
  inputs: Inputs;
  backend: WasmBackend;
  attrs: { momentum: number; learningRate: number };
}): TensorInfo[] {
  const { theta, v, g } = args.inputs as Record<'theta' | 'v' | 'g', TensorInfo>;
  const { momentum, learningRate } = args.attrs;
  return fused(args.backend, [theta, v, g], 2, [momentum, learningRate], (gemm, p, n, s) =>
    gemm.exports.sgdMomentum(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, n, s),
  );
}

function adam(args: {
  inputs: Inputs;
  backend: WasmBackend;
  attrs: { beta1: number; beta2: number; stepSize: number; epsilon: number };
}): TensorInfo[] {
  const { theta, m, v, g } = args.inputs as Record<'theta' | 'm' | 'v' | 'g', TensorInfo>;
  const { beta1, beta2, stepSize, epsilon } = args.attrs;
  // The constants as tfjs ops make them: 1 - beta in double precision, then float32.
  const scalars = [beta1, 1 - beta1, beta2, 1 - beta2, stepSize, epsilon];
  return fused(args.backend, [theta, m, v, g], 3, scalars, (gemm, p, n, s) =>
    gemm.exports.adam(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!, n, s),
  );
}

/** Registers the kernels for the active wasm backend where latent's module runs on it. */
export function registerFusedOptimizers(backend: object): void {
  if (getKernel(SGD_MOMENTUM_KERNEL, 'wasm') || !latentModuleOf(backend as WasmBackend)) return;
  for (const [kernelName, kernelFunc] of [
    [SGD_MOMENTUM_KERNEL, sgdMomentum],
    [ADAM_KERNEL, adam],
  ] as const)
    registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as KernelFunc,
    });
}
