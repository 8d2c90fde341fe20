// The leaky ReLU and the masks of its gradient (where(x > 0, dy, alpha dy)),
// for latent's wasm module. tfjs's wasm LeakyRelu, Greater and Select run
// scalar loops with broadcasting index arithmetic, ~4-6 ns an element: on the
// DCGAN's [64, 14, 14, 64] and [64, 7, 7, 128] activations they were ~45 ms of
// a ~390 ms step. Comparisons and selections are exact, and the leaky ReLU's
// product is one float32 multiplication by alpha as a float32 (as tfjs's
// wasm kernel), so these agree with tfjs's kernels bit for bit.
import {
  F32,
  F32X4_LT,
  F32X4_MUL,
  F32X4_SPLAT,
  type Func,
  get,
  I16X8_EXTEND_LOW_I8X16_U,
  I32,
  I32X4_EXTEND_LOW_I16X8_U,
  I32X4_NEG,
  i32,
  inc,
  memarg,
  Op,
  set,
  simd,
  uleb,
  V128,
  V128_BITSELECT,
  V128_CONST,
  V128_LOAD32_ZERO,
  v128Load,
  v128Store,
  whileLt,
} from './wasm-emit.js';

/** local[dst] = local[from] + local[n] * bytes */
const endOf = (dst: number, from: number, n: number, bytes: number) => [
  ...get(from),
  ...get(n),
  ...i32(bytes),
  Op.i32Mul,
  Op.i32Add,
  ...set(dst),
];

/**
 * leakyRelu(x, o, n, alpha): o[i] = x[i] < 0 ? alpha x[i] : x[i] for n floats,
 * alpha passed as its float32 bits; four lanes at a time, the last n % 4 one
 * by one.
 */
export function leakyReluVector(): Func {
  const [x, o, n, alphaBits, quads, end] = [0, 1, 2, 3, 4, 5];
  const alpha = 6;
  const [va, v, zero] = [7, 8, 9];
  const vector = [
    ...get(o),
    ...[...get(x), ...v128Load(0), ...set(v)],
    ...[...get(v), ...get(va), ...simd(F32X4_MUL), ...get(v)],
    ...[...get(v), ...get(zero), ...simd(F32X4_LT), ...simd(V128_BITSELECT)],
    ...v128Store(0),
    ...inc(x, i32(16)),
    ...inc(o, i32(16)),
  ];
  const scalar = [
    ...get(o),
    ...[...get(x), Op.f32Load, ...memarg(0), ...get(alpha), Op.f32Mul],
    ...[...get(x), Op.f32Load, ...memarg(0)],
    ...[...get(x), Op.f32Load, ...memarg(0), Op.f32Const, 0, 0, 0, 0, Op.f32Lt, Op.select],
    Op.f32Store,
    ...memarg(0),
    ...inc(x, i32(4)),
    ...inc(o, i32(4)),
  ];
  const body = [
    ...[...get(alphaBits), Op.f32ReinterpretI32, Op.localTee, ...uleb(alpha)],
    ...[...simd(F32X4_SPLAT), ...set(va)],
    ...[...simd(V128_CONST, ...Array(16).fill(0)), ...set(zero)],
    ...[...get(n), ...i32(-4), Op.i32And, ...set(quads)],
    ...endOf(quads, x, quads, 4),
    ...endOf(end, x, n, 4),
    ...whileLt(x, quads, vector),
    ...whileLt(x, end, scalar),
  ];
  return {
    params: 4,
    locals: [
      [2, I32],
      [1, F32],
      [3, V128],
    ],
    body,
  };
}

/**
 * greater(a, b, o, n, bStep): o[i] = a[i] > b[i] as one byte (tfjs's bool),
 * b advancing bStep bytes an element (4, or 0 for a scalar b).
 */
export function greaterLoop(): Func {
  const [a, b, o, n, bStep, end] = [0, 1, 2, 3, 4, 5];
  const body = [
    ...endOf(end, o, n, 1),
    ...whileLt(o, end, [
      ...get(o),
      ...[...get(a), Op.f32Load, ...memarg(0), ...get(b), Op.f32Load, ...memarg(0), Op.f32Gt],
      ...[Op.i32Store8, 0, 0],
      ...inc(a, i32(4)),
      ...inc(b, get(bStep)),
      ...inc(o, i32(1)),
    ]),
  ];
  return { params: 5, locals: [[1, I32]], body };
}

/**
 * select(c, t, e, o, n): o[i] = c[i] ? t[i] : e[i], c one byte an element
 * (tfjs's bool, 0 or 1), the others floats; four lanes at a time (the four
 * bytes widened to 0 / -1 masks), the last n % 4 one by one.
 */
export function selectLoop(): Func {
  const [c, t, e, o, n, quads, end] = [0, 1, 2, 3, 4, 5, 6];
  const advance = (floats: number) => [
    ...inc(c, i32(floats)),
    ...inc(t, i32(4 * floats)),
    ...inc(e, i32(4 * floats)),
    ...inc(o, i32(4 * floats)),
  ];
  const vector = [
    ...get(o),
    ...[...get(t), ...v128Load(0), ...get(e), ...v128Load(0)],
    ...[...get(c), ...simd(V128_LOAD32_ZERO, ...memarg(0))],
    ...simd(I16X8_EXTEND_LOW_I8X16_U),
    ...simd(I32X4_EXTEND_LOW_I16X8_U),
    ...simd(I32X4_NEG),
    ...simd(V128_BITSELECT),
    ...v128Store(0),
    ...advance(4),
  ];
  // The floats' bits as integers: V8 selects integers without a branch
  // (cmov) but floats with one, mispredicted on masks as random as a ReLU's.
  const scalar = [
    ...get(o),
    ...[...get(t), Op.i32Load, ...memarg(0), ...get(e), Op.i32Load, ...memarg(0)],
    ...[...get(c), Op.i32Load8U, 0, 0, Op.select],
    Op.i32Store,
    ...memarg(0),
    ...advance(1),
  ];
  const body = [
    ...[...get(n), ...i32(-4), Op.i32And, ...set(quads)],
    ...endOf(quads, o, quads, 4),
    ...endOf(end, o, n, 4),
    ...whileLt(o, quads, vector),
    ...whileLt(o, end, scalar),
  ];
  return { params: 5, locals: [[2, I32]], body };
}
