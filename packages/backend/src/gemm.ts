// latent's GEMM (gemm-kernels.ts) as the wasm backend's BatchMatMul and
// _FusedMatMul: it multiplies the tensors in place on the tfjs-wasm heap (the
// module imports the heap's WebAssembly.Memory), every transpose flag is a
// stride, and it uses f32x4.relaxed_madd (FMA) where the engine validates it.
// Where it cannot run (no SIMD, or its module fails to instantiate) the
// previously registered kernels stay in charge, after a one-line notice. On the threaded build (a shared heap) it
// runs on the calling thread.
import './wasm-kernels.js';
import {
  _FusedMatMul,
  BatchMatMul,
  type BatchMatMulAttrs,
  backend_util,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import {
  type GemmExports,
  gemm,
  gemmModuleBytes,
  WORKSPACE_BYTES,
  wasmFeatures,
} from './gemm-kernels.js';
import {
  type FusedMatMulArgs,
  fusedProduct,
  registerProductKernels,
  wasmKernel,
} from './wasm-products.js';

/**
 * Which product kernel the wasm backend runs: latent's with FMA
 * (`latent-fma`, relaxed SIMD), latent's with mul+add (`latent-simd128`), or
 * tfjs's XNNPACK (`xnnpack`). FMA rounds once per multiply-add, so the first
 * two give results that differ in the last bits: a checkpoint records which.
 */
export const WASM_GEMMS = ['latent-fma', 'latent-simd128', 'xnnpack'] as const;
export type WasmGemm = (typeof WASM_GEMMS)[number];

interface WasmModule {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
}

/** The part of tfjs-backend-wasm's BackendWasm the GEMM kernels use. */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32' | 'bool'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

/** latent's own GEMMs, FMA or mul+add. */
type LatentGemm = Exclude<WasmGemm, 'xnnpack'>;

export interface Gemm {
  name: LatentGemm;
  exports: GemmExports;
  work: number;
  memory: WebAssembly.Memory;
}

/** Per backend instance and GEMM: the instance, or null where it cannot run (then the reason was logged once). */
const instances = new WeakMap<object, Map<LatentGemm, Gemm | null>>();
/** What `useLatentWasmGemm` asked for; `latent-fma` gives mul+add where FMA does not validate. */
let wanted: WasmGemm = 'latent-fma';
let features: { simd: boolean; relaxed: boolean } | undefined;

function heapMemory(wasm: WasmModule): WebAssembly.Memory | undefined {
  return wasm.asm?.memory ?? wasm.wasmMemory;
}

function fallBack(why: string): null {
  console.warn(`@latent/backend: matrix products use tfjs's XNNPACK kernels (${why}).`);
  return null;
}

function instantiate(backend: WasmBackend, name: LatentGemm): Gemm | null {
  const memory = heapMemory(backend.wasm);
  if (!features!.simd) return fallBack('this engine has no WebAssembly SIMD');
  if (!memory) return fallBack('the wasm backend does not expose its memory');
  try {
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = gemmModuleBytes(name === 'latent-fma', shared);
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {
      env: { memory },
    });
    const raw = backend.wasm._malloc(WORKSPACE_BYTES + 16);
    return { name, exports: exports as unknown as GemmExports, work: (raw + 15) & ~15, memory };
  } catch (e) {
    return fallBack(`latent's GEMM (${name}) failed to instantiate: ${(e as Error).message}`);
  }
}

/** The backend's GEMM, or null where it cannot run or is switched off. */
export function gemmOf(backend: WasmBackend): Gemm | null {
  if (wanted === 'xnnpack') return null;
  features ??= wasmFeatures();
  return moduleOf(
    backend,
    wanted === 'latent-fma' && features.relaxed ? 'latent-fma' : 'latent-simd128',
  );
}

/**
 * latent's wasm module on the backend's heap for its elementwise functions,
 * which do not depend on the GEMM products use; null without SIMD.
 */
export function latentModuleOf(backend: WasmBackend): Gemm | null {
  features ??= wasmFeatures();
  return features.simd
    ? moduleOf(backend, features.relaxed ? 'latent-fma' : 'latent-simd128')
    : null;
}

function moduleOf(backend: WasmBackend, name: LatentGemm): Gemm | null {
  let byName = instances.get(backend);
  if (!byName) {
    byName = new Map();
    instances.set(backend, byName);
  }
  let g = byName.get(name);
  if (g === undefined) {
    g = instantiate(backend, name);
    byName.set(name, g);
  }
  return g;
}

/**
 * Which GEMM the given (active) wasm backend runs products with; see
 * `WasmGemm`. Instantiates it on first call.
 */
export function wasmGemmOf(backend: object): WasmGemm {
  return gemmOf(backend as WasmBackend)?.name ?? 'xnnpack';
}

/**
 * Chooses the wasm backend's product kernel, from the next product on:
 * latent's GEMM (`true`, the default, or `'latent-fma'`: FMA where the engine
 * validates relaxed SIMD, mul+add elsewhere), latent's GEMM with mul+add even
 * where FMA validates (`'latent-simd128'`), or tfjs's XNNPACK (`false` or
 * `'xnnpack'`). For benchmarks, bisecting, and resuming a run on the GEMM that
 * trained it; `wasmGemmOf` (and `initBackend`'s `info.gemm`) says what runs.
 */
export function useLatentWasmGemm(gemm: boolean | WasmGemm = true): void {
  wanted = gemm === true ? 'latent-fma' : gemm === false ? 'xnnpack' : gemm;
}

/**
 * out[..., m, n] = op(a) op(b) for float32 inputs whose batch dimensions are
 * equal or one of them 1; undefined where this kernel does not apply.
 */
function product(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | undefined {
  const g = gemmOf(backend);
  if (!g || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const [ra, ca] = a.shape.slice(-2) as [number, number];
  const [rb, cb] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  const [k2, n] = transposeB ? [cb, rb] : [rb, cb];
  if (k !== k2)
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${k2}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  const batchShape = backend_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const batch = util.sizeFromShape(batchShape);
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return undefined;
  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  if (m * n === 0) return out;
  if (k === 0) {
    backend.typedArrayFromHeap(out).fill(0);
    return out;
  }
  const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const [pa, pb, pc] = [offset(a), offset(b), offset(out)];
  // Element strides of op(a)[i, p] and op(b)[p, j] in their row-major storage.
  const [aRow, aCol] = transposeA ? [1, m] : [k, 1];
  const [bRow, bCol] = transposeB ? [1, k] : [n, 1];
  for (let i = 0; i < batch; i++) {
    const at = pa + (batchA === 1 ? 0 : 4 * i * m * k);
    const bt = pb + (batchB === 1 ? 0 : 4 * i * k * n);
    gemm(g.exports, g.work, m, n, k, at, aRow, aCol, bt, bRow, bCol, pc + 4 * i * m * n);
  }
  return out;
}

// The kernels in charge before these (wasm-kernels.ts's), for what latent's GEMM does not take.
const fallbackBatchMatMul = wasmKernel(BatchMatMul);
const fallbackFusedMatMul = wasmKernel(_FusedMatMul);

function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackend;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  return (
    product(backend, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB) ??
    (fallbackBatchMatMul.kernelFunc(args as never) as TensorInfo)
  );
}

function fusedMatMul(args: FusedMatMulArgs & { backend: WasmBackend }): TensorInfo {
  const { inputs, backend, attrs } = args;
  return fusedProduct(
    args,
    () => product(backend, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB),
    () => fallbackFusedMatMul.kernelFunc(args as never) as TensorInfo,
  );
}

registerProductKernels(batchMatMul, fusedMatMul);
