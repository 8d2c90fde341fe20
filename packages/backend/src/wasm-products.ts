// What the wasm backend's product kernels share, whichever GEMM multiplies:
// running another kernel directly, the bias-and-activation tail of
// _FusedMatMul, and putting a kernel (the BatchMatMul / _FusedMatMul pair, Max,
// Multiply) in charge in place of tfjs's.
// wasm-kernels.ts (XNNPACK with flipped operands) and gemm.ts (latent's GEMM)
// each supply only their product.
import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  Add,
  BatchMatMul,
  Elu,
  getKernel,
  type KernelFunc,
  LeakyRelu,
  Relu,
  Relu6,
  registerKernel,
  Sigmoid,
  type TensorInfo,
  unregisterKernel,
} from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-wasm's BackendWasm these helpers use. */
interface Backend {
  disposeData(dataId: object): boolean;
}

/** The wasm kernel registered now for `name`; throws where there is none. */
export function wasmKernel(name: string) {
  const kernel = getKernel(name, 'wasm');
  if (!kernel) throw new Error(`@latent/backend: wasm kernel ${name} is missing`);
  return kernel;
}

/** Runs another wasm kernel directly, as the backend's own kernels compose (no tape, no engine). */
export function runWasmKernel(
  backend: object,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown>,
): TensorInfo {
  return wasmKernel(name).kernelFunc({ inputs, attrs, backend } as never) as TensorInfo;
}

/** `kernel` on inputs that include `out`, which is then freed. */
function andThen(
  backend: Backend,
  out: TensorInfo,
  kernel: string,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown>,
): TensorInfo {
  const next = runWasmKernel(backend, kernel, inputs, attrs);
  backend.disposeData(out.dataId);
  return next;
}

/** _FusedMatMul's activations that have a wasm kernel of their own. */
const ACTIVATIONS: Record<string, string | undefined> = {
  relu: Relu,
  relu6: Relu6,
  sigmoid: Sigmoid,
  elu: Elu,
  leakyrelu: LeakyRelu,
};

export interface FusedMatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: Backend;
  attrs: _FusedMatMulAttrs;
}

/**
 * _FusedMatMul as `product` then the bias and activation kernels (each a pass
 * over the small output); `fallback` where that cannot be done: a PReLU, an
 * activation without a kernel, or a product that does not apply (undefined).
 */
export function fusedProduct(
  args: FusedMatMulArgs,
  product: () => TensorInfo | undefined,
  fallback: () => TensorInfo,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const activation = ACTIVATIONS[attrs.activation];
  if (inputs.preluActivationWeights || (attrs.activation !== 'linear' && !activation))
    return fallback();
  let out = product();
  if (!out) return fallback();
  if (inputs.bias) out = andThen(backend, out, Add, { a: out, b: inputs.bias }, {});
  if (activation)
    out = andThen(backend, out, activation, { x: out }, { alpha: attrs.leakyreluAlpha });
  return out;
}

/**
 * Puts `kernelFunc` in charge of the wasm kernel `name`, keeping the set-up of
 * the kernel it replaces (which stays callable); unregistering first is how
 * tfjs allows this without a "kernel already registered" warning.
 */
export function replaceWasmKernel(name: string, kernelFunc: unknown): void {
  const replaced = wasmKernel(name);
  unregisterKernel(name, 'wasm');
  registerKernel({
    kernelName: name,
    backendName: 'wasm',
    setupFunc: replaced.setupFunc,
    kernelFunc: kernelFunc as KernelFunc,
  });
}

/** Puts `batchMatMul` and `fusedMatMul` in charge of the wasm backend's products. */
export function registerProductKernels(batchMatMul: unknown, fusedMatMul: unknown): void {
  replaceWasmKernel(BatchMatMul, batchMatMul);
  replaceWasmKernel(_FusedMatMul, fusedMatMul);
}
