// Convolutions on wasm through latent's GEMM, for the layers where that beats
// XNNPACK's convolution.
//
// - Conv2D as im2col + GEMM. The filter [kh, kw, ci, co] is already the GEMM's
//   B [kh*kw*ci, co] and the NHWC output its C [b*oh*ow, co], so only the
//   input is rearranged: each output pixel's receptive field, ci floats per
//   tap, into one row of A. latent's other conv kernels (wasm-kernels.ts) call
//   Conv2D through the registry, so their inner convolutions take this path too.
// - A strided Conv2DBackpropInput (conv2dTranspose; the input gradient of a
//   strided conv) as GEMM + col2im: dy [b*oh*ow, co] times the filter's
//   transpose gives each dy pixel's contribution to a kh x kw patch of dx,
//   added where the patch lies inside it. One wide product instead of the
//   s*s narrow ones of the sub-pixel kernel (wasm-kernels.ts).
import './gemm.js';
import {
  backend_util,
  Conv2D,
  type Conv2DAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  getKernel,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { type Gemm, gemmOf, type WasmBackend } from './gemm.js';
import { type GemmExports, gemm } from './gemm-kernels.js';
import { backpropInputInfo, fastWasmConv2DBackpropInput } from './wasm-kernels.js';

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
 * into padding; byte pointers. Without dilation a filter row's taps that lie
 * inside x are consecutive floats of it, copied at once.
 */
function im2col(
  g: GemmExports,
  heap: Float32Array,
  x: number,
  col: number,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: ci } = info;
  const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const run = kw * ci;
  let dst = col;
  const zero = (floats: number) => heap.fill(0, dst / 4, dst / 4 + floats);
  for (let n = 0; n < b; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - left;
        const [first, last] = dw === 1 ? [Math.max(0, -ix0), Math.min(kw, w - ix0)] : [0, 0];
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky * dh - top;
          const rowStart = x + 4 * (n * h + iy) * w * ci;
          if (iy < 0 || iy >= h) zero(run);
          else if (dw === 1) {
            if (first > 0) zero(first * ci);
            if (last > first)
              g.copy(rowStart + 4 * (ix0 + first) * ci, dst + 4 * first * ci, (last - first) * ci);
            if (last < kw) heap.fill(0, dst / 4 + Math.max(first, last) * ci, dst / 4 + run);
          } else
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              const at = dst + 4 * kx * ci;
              if (ix < 0 || ix >= w) heap.fill(0, at / 4, at / 4 + ci);
              else g.copy(rowStart + 4 * ix * ci, at, ci);
            }
          dst += 4 * run;
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
    im2col(g.exports, new Float32Array(g.memory.buffer), a, col, info);
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

/**
 * Floats of the col2im buffer at most: larger inputs go through it a few
 * images at a time. (The DCGAN's 7x7x128 -> 14x14x64 layer at batch 64 takes
 * 3.2 M, so two passes.)
 */
const COL2IM_FLOATS = 1 << 21;

/**
 * Where GEMM + col2im wins over the sub-pixel kernel: a stride above 1 (at
 * stride 1 the sub-pixel kernel is one Conv2D, with no scatter), and a
 * product deep (dy's channels) and wide (a patch's floats) enough for the
 * GEMM's tiles. Measured on the DCGAN's two layers at batch 64, per call
 * after warm-up: ~36 ms against ~26 ms, ~16 ms against 2-4 ms.
 */
function col2imWins(info: backend_util.Conv2DInfo): boolean {
  const stride = info.strideHeight > 1 || info.strideWidth > 1;
  const deep = info.outChannels >= 16;
  const wide = info.filterHeight * info.filterWidth * info.inChannels >= 16;
  return stride && deep && wide && info.dilationHeight === 1 && info.dilationWidth === 1;
}

/**
 * dx[images, :, :, :] += the patches of col (rows of [kh, kw, ci]), one per
 * dy pixel of those images; byte pointers. A patch row's taps that lie
 * inside dx are consecutive pixels there, so each row is one contiguous add.
 */
function col2im(
  g: GemmExports,
  col: number,
  dx: number,
  info: backend_util.Conv2DInfo,
  images: number,
) {
  const { inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const rowBytes = 4 * kw * ci;
  let src = col;
  for (let n = 0; n < images; n++)
    for (let p = 0; p < oh; p++)
      for (let q = 0; q < ow; q++) {
        const x0 = q * sw - left;
        const [first, last] = [Math.max(0, -x0), Math.min(kw, w - x0)];
        for (let i = 0; i < kh; i++, src += rowBytes) {
          const y = p * sh + i - top;
          if (y < 0 || y >= h || first >= last) continue;
          const at = dx + 4 * ((n * h + y) * w + x0 + first) * ci;
          g.accumulate(src + 4 * first * ci, at, (last - first) * ci);
        }
      }
}

function conv2dBackpropInputByGemm(
  backend: WasmBackend,
  g: Gemm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: ci } = info;
  const { outHeight: oh, outWidth: ow, outChannels: co } = info;
  const patch = info.filterHeight * info.filterWidth * ci;
  const pixels = oh * ow;
  const perPass = Math.max(1, Math.min(b, Math.floor(COL2IM_FLOATS / (pixels * patch))));
  const col = columnBuffer(backend, 4 * perPass * pixels * patch);
  const out = backend.makeOutput([b, h, w, ci], 'float32');
  const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const [pdy, pw, pdx] = [offset(dy), offset(filter), offset(out)];
  // The heap view after the last allocation (growing the heap detaches views).
  new Float32Array(g.memory.buffer).fill(0, pdx / 4, pdx / 4 + b * h * w * ci);
  for (let n0 = 0; n0 < b; n0 += perPass) {
    const images = Math.min(perPass, b - n0);
    // col [images*oh*ow, patch] = dy rows [.., co] times W^T, W = the filter as [patch, co].
    gemm(
      g.exports,
      g.work,
      images * pixels,
      patch,
      co,
      pdy + 4 * n0 * pixels * co,
      co,
      1,
      pw,
      1,
      co,
      col,
    );
    col2im(g.exports, col, pdx + 4 * n0 * h * w * ci, info, images);
  }
  return out;
}

const subPixelInput = getKernel(Conv2DBackpropInput, 'wasm');
if (!subPixelInput) throw new Error('@latent/backend: wasm Conv2DBackpropInput kernel missing');

function conv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const g = fastWasmConv2DBackpropInput() ? gemmOf(backend) : null;
  if (g && dy.dtype === 'float32' && filter.dtype === 'float32') {
    const info = backpropInputInfo(filter, attrs);
    if (info.dataFormat === 'channelsLast' && info.batchSize > 0 && col2imWins(info))
      return conv2dBackpropInputByGemm(backend, g, dy, filter, info);
  }
  return subPixelInput!.kernelFunc(args as never) as TensorInfo;
}

unregisterKernel(Conv2DBackpropInput, 'wasm');
registerKernel({
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  setupFunc: subPixelInput.setupFunc,
  kernelFunc: conv2dBackpropInput as unknown as KernelFunc,
});
