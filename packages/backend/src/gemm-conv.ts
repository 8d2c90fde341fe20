// Conv2D on wasm as im2col + latent's GEMM, for the layers where that beats
// XNNPACK's convolution. The filter [kh, kw, ci, co] is already the GEMM's B
// [kh*kw*ci, co] and the NHWC output its C [b*oh*ow, co], so only the input is
// rearranged: each output pixel's receptive field, ci floats per tap, into one
// row of A. latent's other conv kernels (wasm-kernels.ts) call Conv2D through
// the registry, so their inner convolutions take this path too.
import './gemm.js';
import {
  backend_util,
  Conv2D,
  type Conv2DAttrs,
  getKernel,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { type Gemm, gemmOf, type WasmBackend } from './gemm.js';
import { gemm } from './gemm-kernels.js';

/** The im2col buffer of each backend, grown as needed and kept (first touches of fresh memory are slow). */
const columns = new WeakMap<object, { ptr: number; bytes: number }>();

function columnBuffer(backend: WasmBackend, bytes: number): number {
  const have = columns.get(backend);
  if (have && have.bytes >= bytes) return have.ptr;
  if (have) backend.wasm._free(have.ptr);
  const ptr = backend.wasm._malloc(bytes);
  columns.set(backend, { ptr, bytes });
  return ptr;
}

/**
 * Where im2col + GEMM wins over XNNPACK: deep enough products (the GEMM's
 * packing and the copy amortize) with enough output channels to fill its
 * 8-wide tiles, and a column matrix of modest size.
 */
function gemmWins(k: number, n: number, m: number): boolean {
  return k >= 64 && n >= 16 && m * k <= 1 << 23;
}

/**
 * rows [b*oh*ow, kh*kw*ci] of x's receptive fields, zero where they reach
 * into padding. Without dilation a filter row's kw taps are kw*ci
 * consecutive floats of x, copied at once where they lie inside it.
 */
function im2col(heap: Float32Array, x: number, col: number, info: backend_util.Conv2DInfo): void {
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: ci } = info;
  const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const run = kw * ci;
  let dst = col;
  for (let n = 0; n < b; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - left;
        const wholeRow = dw === 1 && ix0 >= 0 && ix0 + kw <= w;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky * dh - top;
          if (iy < 0 || iy >= h) {
            heap.fill(0, dst, dst + run);
            dst += run;
            continue;
          }
          const rowStart = x + (n * h + iy) * w * ci;
          if (wholeRow) {
            const src = rowStart + ix0 * ci;
            heap.copyWithin(dst, src, src + run);
            dst += run;
            continue;
          }
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            if (ix < 0 || ix >= w) heap.fill(0, dst, dst + ci);
            else heap.copyWithin(dst, rowStart + ix * ci, rowStart + (ix + 1) * ci);
            dst += ci;
          }
        }
      }
}

function conv2dByGemm(
  backend: WasmBackend,
  g: Gemm,
  x: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: b, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const [m, k, n] = [b * oh * ow, kh * kw * info.inChannels, info.outChannels];
  const out = backend.makeOutput([b, oh, ow, n], 'float32');
  const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const pointwise =
    kh === 1 &&
    kw === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0;
  let a = offset(x);
  if (!pointwise) {
    const col = columnBuffer(backend, 4 * m * k);
    // The heap view after the last allocation (growing the heap detaches views).
    im2col(new Float32Array(g.memory.buffer), a / 4, col / 4, info);
    a = col;
  }
  gemm(g.exports, g.work, m, n, k, a, k, 1, offset(filter), n, 1, offset(out));
  return out;
}

const fallback = getKernel(Conv2D, 'wasm');
if (!fallback) throw new Error('@latent/backend: wasm Conv2D kernel missing');

function conv2d(args: {
  inputs: { x: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs;
  const g = gemmOf(backend);
  if (g && x.dtype === 'float32' && filter.dtype === 'float32') {
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(attrs.dataFormat),
    );
    const [m, k, n] = [
      info.batchSize * info.outHeight * info.outWidth,
      info.filterHeight * info.filterWidth * info.inChannels,
      info.outChannels,
    ];
    if (info.dataFormat === 'channelsLast' && m > 0 && gemmWins(k, n, m))
      return conv2dByGemm(backend, g, x, filter, info);
  }
  return fallback!.kernelFunc(args as never) as TensorInfo;
}

unregisterKernel(Conv2D, 'wasm');
registerKernel({
  kernelName: Conv2D,
  backendName: 'wasm',
  setupFunc: fallback.setupFunc,
  kernelFunc: conv2d as unknown as KernelFunc,
});
