// Convolution kernels for the wasm backend, built from its fast Conv2D
// (XNNPACK, ~24 GFLOP/s here) and a little JavaScript on the wasm heap.
//
// - `Conv2DBackpropFilter` does not exist in tfjs-backend-wasm 4.22.0
//   (tensorflow/tfjs#8474), so no conv net could train there.
// - Its `Conv2DBackpropInput` (conv2dTranspose, and the input gradient of every
//   conv) runs ~2.8 GFLOP/s, ~9x slower than Conv2D.
//
// Both are registered as *kernels* (not gradients), so tfjs's own gradients of
// Conv2D and Conv2DBackpropInput run unchanged, `tf.conv2dTranspose` is fast in
// a forward pass too, and nothing outside this file knows.
import '@tensorflow/tfjs-backend-wasm';
import {
  _FusedMatMul,
  BatchMatMul,
  type BatchMatMulAttrs,
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  Identity,
  type KernelFunc,
  registerKernel,
  Slice,
  type TensorInfo,
  Transpose,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import {
  type FusedMatMulArgs,
  fusedProduct,
  registerProductKernels,
  runWasmKernel,
  wasmKernel,
} from './wasm-products.js';

/** The part of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackend {
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
  readSync(dataId: object): Float32Array;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

const run = runWasmKernel;

function dispose(backend: WasmBackend, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/**
 * dW[i, j, c, o] = sum_{n,p,q} x[n, p*sh + i - top, q*sw + j - left, c] dy[n, p, q, o]
 * is itself a convolution: of x with channels and batch swapped ([ci, h, w, b])
 * by dy as a filter ([oh, ow, b, co]) dilated by the forward stride. One
 * XNNPACK Conv2D with the forward pass's FLOPs, two transposes and at most
 * one small slice. (An im2col formulation from slices lost 11x to this.)
 */
function conv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (info.dataFormat !== 'channelsLast')
    throw new Error('@latent/backend: wasm Conv2DBackpropFilter supports only NHWC');
  const { inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw } = info;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const [ci, co] = [info.inChannels, info.outChannels];
  const xt = run(backend, Transpose, { x }, { perm: [3, 1, 2, 0] }); // [ci, h, w, b]
  const dyt = run(backend, Transpose, { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, b, co]
  // Pad so that output index 0 is filter tap 0; rows the forward pass never
  // read (valid padding, odd sizes) only add output rows, sliced off below.
  const bottom = Math.max(0, kh + (oh - 1) * sh - h - top);
  const right = Math.max(0, kw + (ow - 1) * sw - w - left);
  const pads: Pad4 = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  const full = run(
    backend,
    Conv2D,
    { x: xt, filter: dyt },
    { strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations: [sh, sw] },
  ); // [ci, >= kh, >= kw, co]
  dispose(backend, xt, dyt);
  let taps = full;
  if (full.shape[1] !== kh || full.shape[2] !== kw) {
    taps = run(backend, Slice, { x: full }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
    dispose(backend, full);
  }
  const out = run(backend, Transpose, { x: taps }, { perm: [1, 2, 0, 3] }); // [kh, kw, ci, co]
  dispose(backend, taps);
  return out;
}

/**
 * One output phase of a strided transposed convolution along one axis.
 * Output rows t = s*u + a (u < count) receive dy[u + q - m] W[r + s*m] for
 * m < taps: a stride-1 correlation of dy with the reversed sub-filter
 * W[r + s*(taps-1-m')], reading dy rows from `start` on.
 */
interface Phase {
  /** Output offset a and how many rows/columns of the output it fills. */
  offset: number;
  count: number;
  /** First filter tap r and the number of taps of this phase. */
  tap: number;
  taps: number;
  /** First dy row read (may be negative: zero padding). */
  start: number;
}

function phases(size: number, k: number, s: number, padBefore: number): Phase[] {
  const out: Phase[] = [];
  for (let a = 0; a < s; a++) {
    const count = Math.ceil((size - a) / s);
    if (count <= 0) continue;
    const tap = (a + padBefore) % s;
    const q = Math.floor((a + padBefore) / s);
    const taps = Math.max(0, Math.ceil((k - tap) / s));
    out.push({ offset: a, count, tap, taps, start: q - taps + 1 });
  }
  return out;
}

/** The forward convolution whose input gradient a `Conv2DBackpropInput` computes. */
export function backpropInputInfo(
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

/**
 * dx = conv2dTranspose(dy, W) without the slow kernel: per output phase
 * (s*s of them for stride s, one for stride 1), a stride-1 Conv2D of dy with a
 * sub-filter, then the phases interleaved (sub-pixel / depth-to-space). A
 * 4x4 stride-2 transposed conv becomes four 2x2 convolutions with exactly
 * the transposed conv's FLOPs, all on XNNPACK.
 */
function conv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const info = backpropInputInfo(filter, attrs);
  if (info.dataFormat !== 'channelsLast')
    throw new Error('@latent/backend: wasm Conv2DBackpropInput supports only NHWC');
  const { batchSize: b, inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw } = info;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const [ci, co] = [info.inChannels, info.outChannels];
  const wv = backend.readSync(filter.dataId); // [kh, kw, ci, co], small
  const results: { ph: Phase; pw: Phase; t: TensorInfo | null }[] = [];
  for (const ph of phases(h, kh, sh, info.padInfo.top)) {
    for (const pw of phases(w, kw, sw, info.padInfo.left)) {
      const endH = ph.start + ph.count + ph.taps - 2;
      const endW = pw.start + pw.count + pw.taps - 2;
      const [loH, hiH] = [Math.max(0, ph.start), Math.min(oh - 1, endH)];
      const [loW, hiW] = [Math.max(0, pw.start), Math.min(ow - 1, endW)];
      if (ph.taps === 0 || pw.taps === 0 || loH > hiH || loW > hiW) {
        results.push({ ph, pw, t: null }); // no tap reaches these outputs: zeros
        continue;
      }
      // Reversed sub-filter, [taps_h, taps_w, co, ci].
      const sub = new Float32Array(ph.taps * pw.taps * co * ci);
      for (let m = 0; m < ph.taps; m++) {
        const i = ph.tap + sh * (ph.taps - 1 - m);
        for (let n = 0; n < pw.taps; n++) {
          const j = pw.tap + sw * (pw.taps - 1 - n);
          const src = (i * kw + j) * ci * co;
          const dst = (m * pw.taps + n) * co * ci;
          for (let c = 0; c < ci; c++)
            for (let o = 0; o < co; o++) sub[dst + o * ci + c] = wv[src + c * co + o]!;
        }
      }
      const subDataId = backend.write(sub, [ph.taps, pw.taps, co, ci], 'float32');
      const subT: TensorInfo = {
        dataId: subDataId,
        shape: [ph.taps, pw.taps, co, ci],
        dtype: 'float32',
      };
      let input = dy;
      if (loH > 0 || loW > 0 || hiH < oh - 1 || hiW < ow - 1) {
        input = run(
          backend,
          Slice,
          { x: dy },
          { begin: [0, loH, loW, 0], size: [b, hiH - loH + 1, hiW - loW + 1, co] },
        );
      }
      const pads: Pad4 = [
        [0, 0],
        [loH - ph.start, endH - hiH],
        [loW - pw.start, endW - hiW],
        [0, 0],
      ];
      const t = run(
        backend,
        Conv2D,
        { x: input, filter: subT },
        { strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations: [1, 1] },
      ); // [b, ph.count, pw.count, ci]
      if (input !== dy) dispose(backend, input);
      dispose(backend, subT);
      results.push({ ph, pw, t });
    }
  }
  const out = backend.makeOutput([b, h, w, ci], 'float32');
  // Heap views are taken after the last allocation (growing the heap detaches them).
  const dst = backend.typedArrayFromHeap(out);
  if (results.length === 1 && results[0]!.t) {
    dst.set(backend.typedArrayFromHeap(results[0]!.t));
  } else {
    for (const { ph, pw, t } of results) {
      const src = t ? backend.typedArrayFromHeap(t) : null;
      for (let n = 0; n < b; n++)
        for (let u = 0; u < ph.count; u++)
          for (let v = 0; v < pw.count; v++) {
            const at = ((n * h + ph.offset + u * sh) * w + pw.offset + v * sw) * ci;
            if (src) {
              const from = ((n * ph.count + u) * pw.count + v) * ci;
              dst.set(src.subarray(from, from + ci), at);
            } else dst.fill(0, at, at + ci);
          }
    }
  }
  for (const { t } of results) if (t) dispose(backend, t);
  return out;
}

registerKernel({
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
});

const builtinInput = wasmKernel(Conv2DBackpropInput);
let fastInput = true;

/**
 * Switches the wasm backend's `Conv2DBackpropInput` between latent's kernels
 * (default: GEMM + col2im where gemm-conv.ts takes it, else sub-pixel) and
 * tfjs's built-in one, for benchmarks and bisecting.
 */
export function useFastWasmConv2DBackpropInput(enabled: boolean): void {
  fastInput = enabled;
}

/** Whether latent's `Conv2DBackpropInput` kernels are on (`useFastWasmConv2DBackpropInput`). */
export function fastWasmConv2DBackpropInput(): boolean {
  return fastInput;
}

// Replaces the slow built-in kernel; unregistering first is how tfjs allows
// this without a "kernel already registered" warning. The built-in kernel's
// setup still runs at backend start, so it stays callable.
unregisterKernel(Conv2DBackpropInput, 'wasm');
registerKernel({
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  setupFunc: builtinInput.setupFunc,
  kernelFunc: ((args: Parameters<typeof conv2dBackpropInput>[0]) =>
    fastInput
      ? conv2dBackpropInput(args)
      : builtinInput.kernelFunc(args as never)) as unknown as KernelFunc,
});

/**
 * Identity (tf.clone) without a copy: the new tensor shares the input's
 * memory, counted by reference, as the wasm backend's own Reshape and the cpu
 * backend's Identity do; no wasm kernel writes into an existing tensor. The
 * engine clones every tensor a gradient saves, so the built-in copying kernel
 * copied each weight matrix once per product per training step (~5 MB for a
 * 1200x1200 layer).
 */
function identity(args: { inputs: { x: TensorInfo }; backend: WasmBackend }): TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

unregisterKernel(Identity, 'wasm');
registerKernel({
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelFunc,
});

/**
 * XNNPACK multiplies with its second operand repacked into its own layout,
 * and tfjs-backend-wasm caches that packing per tensor — but a weight matrix
 * is a new tensor after every update, so each training product with a weight
 * as second operand repacked it: ~7 ms for 1200x1200, as long as the product
 * itself at batch 100 (and longer at the half batch of a data-parallel
 * replica). For a short first operand and a large second one, the same
 * product as (B^T A^T)^T packs only the short operand; the three transposes
 * cost far less than the packing (a 1200x1200 transpose: ~1.5 ms).
 */
function flipsProduct(a: TensorInfo, b: TensorInfo): boolean {
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.shape[0] !== 1 || b.shape[0] !== 1)
    return false;
  const [, m, k] = a.shape as [number, number, number];
  const n = b.shape[2] as number;
  return m <= k && m <= n && k * n >= 1 << 16;
}

const builtinFusedMatMul = wasmKernel(_FusedMatMul);
const plainProduct = wasmKernel(BatchMatMul).kernelFunc;

/** a [1, m, k] x b [1, k, n] as (b^T a^T)^T. */
function flippedProduct(backend: WasmBackend, a: TensorInfo, b: TensorInfo): TensorInfo {
  const perm = { perm: [0, 2, 1] };
  const at = run(backend, Transpose, { x: a }, perm);
  const bt = run(backend, Transpose, { x: b }, perm);
  const ct = plainProduct({
    inputs: { a: bt, b: at },
    attrs: { transposeA: false, transposeB: false },
    backend,
  } as never) as TensorInfo;
  dispose(backend, at, bt);
  const c = run(backend, Transpose, { x: ct }, perm);
  dispose(backend, ct);
  return c;
}

/** a b as they lie, flipped where that pays. */
function untransposedProduct(backend: WasmBackend, a: TensorInfo, b: TensorInfo): TensorInfo {
  return flipsProduct(a, b)
    ? flippedProduct(backend, a, b)
    : (plainProduct({
        inputs: { a, b },
        attrs: { transposeA: false, transposeB: false },
        backend,
      } as never) as TensorInfo);
}

/**
 * op(a) op(b) from untransposed products and explicit transposes: XNNPACK
 * runs a product with a transpose flag ~10x slower than a plain one, and a
 * transpose costs little next to a product. a b^T is taken as (b a^T)^T, so
 * that b (a weight, in the gradients that ask for it) is not repacked; a^T b
 * as (a^T) b; a^T b^T as (b a)^T. Every gradient of a product asks for these.
 */
function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackend;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  if (!transposeA && !transposeB) return untransposedProduct(backend, a, b);
  if (a.shape.length !== 3 || b.shape.length !== 3)
    return plainProduct(args as never) as TensorInfo;
  const t = (x: TensorInfo) => run(backend, Transpose, { x }, { perm: [0, 2, 1] });
  const withTransposed = (x: TensorInfo, use: (xt: TensorInfo) => TensorInfo) => {
    const xt = t(x);
    const out = use(xt);
    dispose(backend, xt);
    return out;
  };
  if (!transposeB) return withTransposed(a, (at) => untransposedProduct(backend, at, b));
  const c = transposeA
    ? untransposedProduct(backend, b, a)
    : withTransposed(a, (at) => untransposedProduct(backend, b, at));
  const out = t(c);
  dispose(backend, c);
  return out;
}

/** The fused product with bias and activation, flipped like `batchMatMul` where that pays. */
function fusedMatMul(args: FusedMatMulArgs & { backend: WasmBackend }): TensorInfo {
  const { inputs, backend, attrs } = args;
  return fusedProduct(
    args,
    () =>
      !attrs.transposeA && !attrs.transposeB && flipsProduct(inputs.a, inputs.b)
        ? flippedProduct(backend, inputs.a, inputs.b)
        : undefined,
    () => builtinFusedMatMul.kernelFunc(args as never) as TensorInfo,
  );
}

registerProductKernels(batchMatMul, fusedMatMul);
