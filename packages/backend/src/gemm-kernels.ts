// A single-precision GEMM for WebAssembly, emitted as bytecode at run time.
//
// Why bytecode from TypeScript rather than C through a toolchain: the module is
// a few hundred bytes of straight-line SIMD code whose shape (tile size, FMA or
// mul+add) is chosen on the engine that runs it, so one source serves Node 20
// without relaxed SIMD, Node 22 and browsers with it, and setup and CI install
// nothing. The module imports the tfjs-wasm heap's memory, so it multiplies
// tensors where they lie.
//
// Layout (GotoBLAS/BLIS): C[m, n] = A[m, k] B[k, n] with A and B given by
// strides (so every transpose is a stride), cut into KC-deep slices; each B
// slice is packed into NR-wide column panels, each A block into MR-high row
// panels, both zero-padded; the micro-kernel multiplies one MR x KC panel by
// one KC x NR panel with MR * NR / 4 accumulators held in registers.

import { greaterLoop, leakyReluVector, selectLoop } from './mask-math.js';
import { softplusVector, tanhVector } from './vector-math.js';
import {
  F32,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_GT,
  F32X4_MUL,
  F32X4_NE,
  F32X4_RELAXED_MADD,
  F32X4_REPLACE_LANE,
  F32X4_SPLAT,
  F32X4_SQRT,
  F32X4_SUB,
  type Func,
  get,
  I32,
  I32X4_SPLAT,
  i32,
  inc,
  memarg,
  Op,
  set,
  shuffleFloats,
  simd,
  splat,
  uleb,
  V128,
  V128_BITSELECT,
  V128_OR,
  VOID,
  v128Load,
  v128Store,
  whileLt,
} from './wasm-emit.js';

/**
 * Rows of A and columns of B per micro-tile: 4 x 8 (8 accumulators) measured fastest on V8 x64; 6 x 8 spills (V8 keeps
 * one of the 16 xmm registers as scratch); 3 x 12 (9 accumulators) wins ~4% on the MLP products but loses ~4% on the
 * DCGAN's, so 4 x 8 stays.
 */
export const MR = 4;
export const NR = 8;

/** local[dst] = min(local[a] - local[b], w) */
const minRemaining = (dst: number, a: number, b: number, w: number) => [
  ...get(a),
  ...get(b),
  Op.i32Sub,
  Op.localTee,
  ...uleb(dst),
  ...i32(w),
  ...get(dst),
  ...i32(w),
  Op.i32LtS,
  Op.select,
  ...set(dst),
];

/**
 * The micro-kernel: kernel(pa, pb, c, ldc, kc, acc) computes the MR x NR tile
 * C = A_panel B_panel (+ C if acc), A_panel [kc][MR] and B_panel [kc][NR]
 * packed, C rows ldc bytes apart.
 */
function microKernel(fma: boolean): Func {
  const [pa, pb, c, ldc, kc, acc] = [0, 1, 2, 3, 4, 5];
  const nv = NR / 4;
  const accum = (r: number, v: number) => 6 + r * nv + v;
  const bv = (v: number) => 6 + MR * nv + v;
  const a = 6 + MR * nv + nv;
  const row = a + 1;
  const step: number[] = [];
  for (let v = 0; v < nv; v++) step.push(...get(pb), ...v128Load(16 * v), ...set(bv(v)));
  for (let r = 0; r < MR; r++) {
    step.push(...get(pa), ...splat(4 * r), ...set(a));
    for (let v = 0; v < nv; v++) {
      if (fma)
        step.push(
          ...get(a),
          ...get(bv(v)),
          ...get(accum(r, v)),
          ...simd(F32X4_RELAXED_MADD),
          ...set(accum(r, v)),
        );
      else
        step.push(
          ...get(a),
          ...get(bv(v)),
          ...simd(F32X4_MUL),
          ...get(accum(r, v)),
          ...simd(F32X4_ADD),
          ...set(accum(r, v)),
        );
    }
  }
  const loop = [
    Op.loop,
    VOID,
    ...step,
    ...inc(pa, i32(MR * 4)),
    ...inc(pb, i32(NR * 4)),
    ...get(kc),
    ...i32(1),
    Op.i32Sub,
    Op.localTee,
    ...uleb(kc),
    Op.brIf,
    0,
    Op.end,
  ];
  // Rows of C, each optionally added to the tile, then stored.
  const addC: number[] = [];
  const store: number[] = [];
  for (let r = 0; r < MR; r++) {
    const rowPtr = r === 0 ? [...get(c), ...set(row)] : inc(row, get(ldc));
    addC.push(...rowPtr);
    store.push(...rowPtr);
    for (let v = 0; v < nv; v++) {
      addC.push(
        ...get(row),
        ...v128Load(16 * v),
        ...get(accum(r, v)),
        ...simd(F32X4_ADD),
        ...set(accum(r, v)),
      );
      store.push(...get(row), ...get(accum(r, v)), ...v128Store(16 * v));
    }
  }
  return {
    params: 6,
    locals: [
      [MR * nv + nv + 1, V128],
      [1, I32],
    ],
    body: [...loop, ...get(acc), Op.if, VOID, ...addC, Op.end, ...store],
  };
}

/**
 * pack(src, dst, lane, step, steps, lanes): packs a `lanes` x `steps` block
 * into panels of W lanes, panel-major, [steps][W] each, zero past `lanes`.
 * `lane` and `step` are the source's byte strides along the two axes; with
 * lane == 4 and a full panel, W floats move as W/4 vectors. With step == 4
 * (the source is the transpose of the panel: a weight as B in dY W^T, or A
 * in X W) and a full panel, four steps at a time move as 4x4 blocks
 * transposed in registers, instead of float by float.
 */
function pack(w: number): Func {
  const [src, dst, lane, stepStride, steps, lanes] = [0, 1, 2, 3, 4, 5];
  const [j, width, s, p, at, fourLeft] = [6, 7, 8, 9, 10, 11];
  const v = 12; // v128 locals v .. v + 7: four source rows, then the half-transposed pairs
  // Whether the panel is full and the source's floats are adjacent along `stride`'s axis.
  const fullPanelAlong = (stride: number) => [
    ...get(stride),
    ...i32(4),
    Op.i32Eq,
    ...get(width),
    ...i32(w),
    Op.i32Eq,
    Op.i32And,
  ];
  const vectorRow: number[] = [];
  for (let v = 0; v < w / 4; v++)
    vectorRow.push(...get(dst), ...get(s), ...v128Load(16 * v), ...v128Store(16 * v));
  const scalarRow: number[] = [...get(s), ...set(at)];
  for (let l = 0; l < w; l++) {
    scalarRow.push(
      ...get(dst),
      ...get(width),
      ...i32(l),
      Op.i32GtS,
      Op.if,
      F32,
      ...get(at),
      Op.f32Load,
      ...memarg(0),
      Op.else,
      Op.f32Const,
      0,
      0,
      0,
      0,
      Op.end,
      Op.f32Store,
      ...memarg(4 * l),
      ...inc(at, get(lane)),
    );
  }
  const row =
    w % 4 === 0
      ? [...fullPanelAlong(lane), Op.if, VOID, ...vectorRow, Op.else, ...scalarRow, Op.end]
      : scalarRow;
  const transposed = [
    ...fullPanelAlong(stepStride),
    Op.if,
    VOID,
    ...whileLt(p, fourLeft, [
      ...transposeFourSteps(w, s, lane, dst, v),
      ...inc(dst, i32(16 * w)),
      ...inc(s, i32(16)),
      ...inc(p, i32(4)),
    ]),
    Op.end,
  ];
  const panel = [
    ...minRemaining(width, lanes, j, w),
    // s = src + j * lane
    ...get(src),
    ...get(j),
    ...get(lane),
    Op.i32Mul,
    Op.i32Add,
    ...set(s),
    ...i32(0),
    ...set(p),
    ...(w % 4 === 0 ? transposed : []),
    ...whileLt(p, steps, [
      ...row,
      ...inc(dst, i32(4 * w)),
      ...inc(s, get(stepStride)),
      ...inc(p, i32(1)),
    ]),
    ...inc(j, i32(w)),
  ];
  // fourLeft = steps - 3: the transposed loop runs while four steps remain.
  const body = [...get(steps), ...i32(3), Op.i32Sub, ...set(fourLeft), ...whileLt(j, lanes, panel)];
  return {
    params: 6,
    locals: [
      [6, I32],
      [8, V128],
    ],
    body,
  };
}

/**
 * Steps p..p+3 of a full panel's w lanes, read as one vector per lane (the
 * steps are adjacent) and stored as four panel rows: each group of four lanes
 * is a 4x4 transpose, two rounds of shuffles.
 */
function transposeFourSteps(w: number, s: number, lane: number, dst: number, v: number): number[] {
  const out: number[] = [];
  const pairs: [number, number, number[]][] = [
    [0, 1, [0, 4, 1, 5]],
    [0, 1, [2, 6, 3, 7]],
    [2, 3, [0, 4, 1, 5]],
    [2, 3, [2, 6, 3, 7]],
  ];
  // Row q of the panel takes lanes 4g..4g+3 of step q: from pairs (0, 2) or (1, 3).
  const rows: [number, number, number[]][] = [
    [0, 2, [0, 1, 4, 5]],
    [0, 2, [2, 3, 6, 7]],
    [1, 3, [0, 1, 4, 5]],
    [1, 3, [2, 3, 6, 7]],
  ];
  for (let g = 0; g < w / 4; g++) {
    for (let l = 0; l < 4; l++)
      out.push(
        ...get(s),
        ...get(lane),
        ...i32(4 * g + l),
        Op.i32Mul,
        Op.i32Add,
        ...v128Load(0),
        ...set(v + l),
      );
    for (const [t, [a, b, lanes]] of pairs.entries())
      out.push(...get(v + a), ...get(v + b), ...shuffleFloats(...lanes), ...set(v + 4 + t));
    for (const [q, [a, b, lanes]] of rows.entries())
      out.push(
        ...get(dst),
        ...get(v + 4 + a),
        ...get(v + 4 + b),
        ...shuffleFloats(...lanes),
        ...v128Store(4 * w * q + 16 * g),
      );
  }
  return out;
}

/** tile(t, c, ldc, mr, nr, acc): C[:mr, :nr] (+)= the MR x NR tile at t (rows NR floats apart). */
function edgeTile(): Func {
  const [t, c, ldc, mr, nr, acc] = [0, 1, 2, 3, 4, 5];
  const [r, q, src, dst] = [6, 7, 8, 9];
  const value = [...get(src), Op.f32Load, ...memarg(0)];
  const body = whileLt(r, mr, [
    ...get(t),
    ...get(r),
    ...i32(NR * 4),
    Op.i32Mul,
    Op.i32Add,
    ...set(src),
    ...get(c),
    ...get(r),
    ...get(ldc),
    Op.i32Mul,
    Op.i32Add,
    ...set(dst),
    ...i32(0),
    ...set(q),
    ...whileLt(q, nr, [
      ...get(dst),
      ...get(acc),
      Op.if,
      F32,
      ...value,
      ...get(dst),
      Op.f32Load,
      ...memarg(0),
      Op.f32Add,
      Op.else,
      ...value,
      Op.end,
      Op.f32Store,
      ...memarg(0),
      ...inc(src, i32(4)),
      ...inc(dst, i32(4)),
      ...inc(q, i32(1)),
    ]),
    ...inc(r, i32(1)),
  ]);
  return { params: 6, locals: [[4, I32]], body };
}

/**
 * scaleRows(x, s, o, rows, p): o[i, j] = x[i, j] * s[i] for x, o [rows, p]:
 * a product broadcast over the last axis, which tfjs's wasm Multiply runs on
 * its slow generic path.
 */
function scaleRows(): Func {
  const [x, sp, o, rows, p] = [0, 1, 2, 3, 4];
  const [i, j, v] = [5, 6, 7];
  const body = whileLt(i, rows, [
    ...get(sp),
    Op.f32Load,
    ...memarg(0),
    ...set(v),
    ...i32(0),
    ...set(j),
    ...whileLt(j, p, [
      ...get(o),
      ...get(x),
      Op.f32Load,
      ...memarg(0),
      ...get(v),
      Op.f32Mul,
      Op.f32Store,
      ...memarg(0),
      ...inc(x, i32(4)),
      ...inc(o, i32(4)),
      ...inc(j, i32(1)),
    ]),
    ...inc(sp, i32(4)),
    ...inc(i, i32(1)),
  ]);
  return {
    params: 5,
    locals: [
      [2, I32],
      [1, F32],
    ],
    body,
  };
}

/**
 * accumulate(src, dst, n): dst[i] += src[i], or copy(src, dst, n): dst[i] =
 * src[i], for n floats, four at a time and the last n % 4 one by one. For
 * im2col and col2im (gemm-conv.ts), whose patch rows meet x in contiguous
 * runs of a few hundred floats: a call here costs less than a
 * Float32Array.copyWithin and runs the sum four lanes wide. Each sum is one
 * float32 addition, as JavaScript's `+=` on a Float32Array rounds it, so the
 * two agree bit for bit.
 */
function floatRun(add: boolean): Func {
  const [src, dst, n, end, quads] = [0, 1, 2, 3, 4];
  const vector = add
    ? [...get(dst), ...get(dst), ...v128Load(0), ...get(src), ...v128Load(0), ...simd(F32X4_ADD)]
    : [...get(dst), ...get(src), ...v128Load(0)];
  const scalar = add
    ? [
        ...get(dst),
        ...get(dst),
        Op.f32Load,
        ...memarg(0),
        ...get(src),
        Op.f32Load,
        ...memarg(0),
        Op.f32Add,
      ]
    : [...get(dst), ...get(src), Op.f32Load, ...memarg(0)];
  const advance = (bytes: number) => [...inc(src, i32(bytes)), ...inc(dst, i32(bytes))];
  // quads = dst + 16 * (n / 4), end = dst + 4 * n: the two loops run dst up to each.
  const body = [
    ...[
      ...get(dst),
      ...get(n),
      ...i32(-4),
      Op.i32And,
      ...i32(4),
      Op.i32Mul,
      Op.i32Add,
      ...set(quads),
    ],
    ...[...get(dst), ...get(n), ...i32(4), Op.i32Mul, Op.i32Add, ...set(end)],
    ...whileLt(dst, quads, [...vector, ...v128Store(0), ...advance(16)]),
    ...whileLt(dst, end, [...scalar, Op.f32Store, ...memarg(0), ...advance(4)]),
  ];
  return { params: 3, locals: [[2, I32]], body };
}

/**
 * maxRows(x, o, rows, p) / argMaxRows: o[i] = the largest of x[i, 0..p) (p >= 1),
 * or its index (int32), for x [rows, p]. As tfjs's own kernels on wasm and
 * cpu, so the results are theirs bit for bit: the first of equal values wins
 * (-0 before 0 gives -0); a NaN anywhere makes the maximum NaN, while the
 * index skips NaNs (one at j = 0 stays).
 */
function reduceRows(index: boolean): Func {
  const [x, o, rows, p] = [0, 1, 2, 3];
  const [i, j, best, wins, quads, rowBytes, at] = [4, 5, 6, 7, 8, 9, 10];
  const [m, v] = [11, 12];
  const [vm, vv, vbest, vwins] = [13, 14, 15, 16];
  const load = (ptr: number[]) => [...ptr, Op.f32Load, ...memarg(0)];
  // One row at a time, for the rows left over from the groups of four.
  const step = [
    ...load(get(x)),
    Op.localTee,
    ...uleb(v),
    ...get(m),
    Op.f32Gt,
    ...(index ? [] : [...get(v), ...get(v), Op.f32Ne, Op.i32Or]),
    ...set(wins),
    ...(index ? [...get(j), ...get(best), ...get(wins), Op.select, ...set(best)] : []),
    ...get(v),
    ...get(m),
    ...get(wins),
    Op.select,
    ...set(m),
    ...inc(x, i32(4)),
    ...inc(j, i32(1)),
  ];
  const row = [
    ...load(get(x)),
    ...set(m),
    ...i32(0),
    ...set(best),
    ...inc(x, i32(4)),
    ...i32(1),
    ...set(j),
    ...whileLt(j, p, step),
    ...get(o),
    ...(index ? [...get(best), Op.i32Store] : [...get(m), Op.f32Store]),
    ...memarg(0),
    ...inc(o, i32(4)),
    ...inc(i, i32(1)),
  ];
  // Four rows at once, one lane each: piece j of rows i..i+3 (rowBytes apart)
  // in one vector. Each lane compares in the one-row order, so the results
  // are the same; no branch depends on the data (a data-dependent branch per
  // piece made a one-row loop as slow as tfjs's, ~4 ns an element).
  const lanes = [...load(get(at)), ...simd(F32X4_SPLAT)];
  for (let lane = 1; lane < 4; lane++)
    lanes.push(
      ...load([...get(at), ...get(rowBytes), ...i32(lane), Op.i32Mul, Op.i32Add]),
      ...simd(F32X4_REPLACE_LANE, lane),
    );
  const quadStep = [
    ...lanes,
    Op.localTee,
    ...uleb(vv),
    ...get(vm),
    ...simd(F32X4_GT),
    ...(index ? [] : [...get(vv), ...get(vv), ...simd(F32X4_NE), ...simd(V128_OR)]),
    ...set(vwins),
    ...(index
      ? [
          ...get(j),
          ...simd(I32X4_SPLAT),
          ...get(vbest),
          ...get(vwins),
          ...simd(V128_BITSELECT),
          ...set(vbest),
        ]
      : []),
    ...get(vv),
    ...get(vm),
    ...get(vwins),
    ...simd(V128_BITSELECT),
    ...set(vm),
    ...inc(at, i32(4)),
    ...inc(j, i32(1)),
  ];
  const quad = [
    ...get(x),
    ...set(at),
    ...lanes,
    ...set(vm),
    ...i32(0),
    ...simd(I32X4_SPLAT),
    ...set(vbest),
    ...inc(at, i32(4)),
    ...i32(1),
    ...set(j),
    ...whileLt(j, p, quadStep),
    ...get(o),
    ...get(index ? vbest : vm),
    ...v128Store(0),
    ...inc(o, i32(16)),
    ...inc(x, [...get(rowBytes), ...i32(4), Op.i32Mul]),
    ...inc(i, i32(4)),
  ];
  return {
    params: 4,
    locals: [
      [7, I32],
      [2, F32],
      [4, V128],
    ],
    body: [
      ...get(p),
      ...i32(4),
      Op.i32Mul,
      ...set(rowBytes),
      ...get(rows),
      ...i32(-4),
      Op.i32And,
      ...set(quads),
      ...whileLt(i, quads, quad),
      ...whileLt(i, rows, row),
    ],
  };
}

/** Code for one element (f32) or four (f32x4) of an elementwise update; see `elementwise`. */
interface Lanes {
  /** Value of input k at the current position. */
  in(k: number): number[];
  /** Scalar k (a splat in the vector loop). */
  s(k: number): number[];
  /** Stores `value` to output k at the current position. */
  out(k: number, value: number[]): number[];
  /** local temp t = value; `t(t)` reads it. */
  let(t: number, value: number[]): number[];
  t(t: number): number[];
  add(a: number[], b: number[]): number[];
  sub(a: number[], b: number[]): number[];
  mul(a: number[], b: number[]): number[];
  div(a: number[], b: number[]): number[];
  sqrt(a: number[]): number[];
}

/**
 * f(in_0.., out_0.., n, scalars): an elementwise function of `inputs` arrays
 * and `scalars` floats (read from memory at `scalars`) writing `outputs`
 * arrays of n floats, four at a time, then the n % 4 left one at a time.
 * Each operation rounds to float32 as tfjs's kernels do, so an update written
 * here equals the same update as tfjs ops bit for bit.
 */
function elementwise(
  inputs: number,
  outputs: number,
  scalars: number,
  temps: number,
  rule: (l: Lanes) => number[],
): Func {
  const pointers = inputs + outputs;
  const [n, sp] = [pointers, pointers + 1];
  const [i, end] = [pointers + 2, pointers + 3];
  const vector = pointers + 4;
  const scalar = vector + scalars + temps;
  const lanes = (base: number, load: number[], store: number[]): Lanes => {
    const binary = (code: number[]) => (a: number[], b: number[]) => [...a, ...b, ...code];
    const wide = base === vector;
    return {
      in: (k) => [...get(k), ...load],
      s: (k) => get(base + k),
      out: (k, value) => [...get(inputs + k), ...value, ...store],
      let: (t, value) => [...value, ...set(base + scalars + t)],
      t: (t) => get(base + scalars + t),
      add: binary(wide ? simd(F32X4_ADD) : [Op.f32Add]),
      sub: binary(wide ? simd(F32X4_SUB) : [Op.f32Sub]),
      mul: binary(wide ? simd(F32X4_MUL) : [Op.f32Mul]),
      div: binary(wide ? simd(F32X4_DIV) : [Op.f32Div]),
      sqrt: (a) => [...a, ...(wide ? simd(F32X4_SQRT) : [Op.f32Sqrt])],
    };
  };
  const advance = (bytes: number) => {
    const code: number[] = [];
    for (let k = 0; k < pointers; k++) code.push(...inc(k, i32(bytes)));
    return code;
  };
  const loadScalars: number[] = [];
  for (let k = 0; k < scalars; k++)
    loadScalars.push(
      ...get(sp),
      ...splat(4 * k),
      ...set(vector + k),
      ...get(sp),
      Op.f32Load,
      ...memarg(4 * k),
      ...set(scalar + k),
    );
  const four = lanes(vector, v128Load(0), v128Store(0));
  const one = lanes(scalar, [Op.f32Load, ...memarg(0)], [Op.f32Store, ...memarg(0)]);
  return {
    params: pointers + 2,
    locals: [
      [2, I32],
      [scalars + temps, V128],
      [scalars + temps, F32],
    ],
    body: [
      ...loadScalars,
      ...get(n),
      ...i32(-4),
      Op.i32And,
      ...set(end),
      ...whileLt(i, end, [...rule(four), ...advance(16), ...inc(i, i32(4))]),
      ...whileLt(i, n, [...rule(one), ...advance(4), ...inc(i, i32(1))]),
    ],
  };
}

/**
 * sgdMomentum(theta, v, g, theta2, v2, n, s): v2 = s[0] * v - s[1] * g,
 * theta2 = theta + v2 (momentum s[0], learning rate s[1]): the optimizer's
 * four tfjs ops in one pass.
 */
const sgdMomentum = () =>
  elementwise(3, 2, 2, 1, (l) => [
    ...l.let(0, l.sub(l.mul(l.s(0), l.in(1)), l.mul(l.s(1), l.in(2)))),
    ...l.out(1, l.t(0)),
    ...l.out(0, l.add(l.in(0), l.t(0))),
  ]);

/**
 * adam(theta, m, v, g, theta2, m2, v2, n, s): m2 = s[0] m + s[1] g,
 * v2 = s[2] v + s[3] g g, theta2 = theta - s[4] m2 / (sqrt(v2) + s[5])
 * (beta1, 1 - beta1, beta2, 1 - beta2, the bias-corrected step, epsilon):
 * Adam's twelve tfjs ops in one pass.
 */
const adam = () =>
  elementwise(4, 3, 6, 2, (l) => [
    ...l.let(0, l.add(l.mul(l.s(0), l.in(1)), l.mul(l.s(1), l.in(3)))),
    ...l.let(1, l.add(l.mul(l.s(2), l.in(2)), l.mul(l.s(3), l.mul(l.in(3), l.in(3))))),
    ...l.out(1, l.t(0)),
    ...l.out(2, l.t(1)),
    ...l.out(0, l.sub(l.in(0), l.mul(l.s(4), l.div(l.t(0), l.add(l.sqrt(l.t(1)), l.s(5)))))),
  ]);

const KERNEL = 0;
const TILE = 1;

/**
 * macro(pa, pb, c, ldc, mc, nc, kc, acc, scratch): C[mc, nc] (+)= packed A
 * block [mc x kc] times packed B slice [kc x nc], tile by tile; edge tiles go
 * through `scratch` (MR x NR floats).
 */
function macroKernel(): Func {
  const [pa, pb, c, ldc, mc, nc, kc, acc, scratch] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [i, j, mr, nr, pai, cij, pbj] = [9, 10, 11, 12, 13, 14, 15];
  const full = [...get(pai), ...get(pbj), ...get(cij), ...get(ldc), ...get(kc), ...get(acc)];
  const edge = [
    ...get(pai),
    ...get(pbj),
    ...get(scratch),
    ...i32(NR * 4),
    ...get(kc),
    ...i32(0),
    Op.call,
    KERNEL,
    ...get(scratch),
    ...get(cij),
    ...get(ldc),
    ...get(mr),
    ...get(nr),
    ...get(acc),
    Op.call,
    TILE,
  ];
  const rowPanel = [
    ...minRemaining(mr, mc, i, MR),
    ...get(mr),
    ...i32(MR),
    Op.i32Eq,
    ...get(nr),
    ...i32(NR),
    Op.i32Eq,
    Op.i32And,
    Op.if,
    VOID,
    ...full,
    Op.call,
    KERNEL,
    Op.else,
    ...edge,
    Op.end,
    ...inc(pai, [...get(kc), ...i32(MR * 4), Op.i32Mul]),
    ...inc(cij, [...get(ldc), ...i32(MR), Op.i32Mul]),
    ...inc(i, i32(MR)),
  ];
  const colPanel = [
    ...minRemaining(nr, nc, j, NR),
    ...i32(0),
    ...set(i),
    ...get(pa),
    ...set(pai),
    ...get(c),
    ...get(j),
    ...i32(4),
    Op.i32Mul,
    Op.i32Add,
    ...set(cij),
    ...whileLt(i, mc, rowPanel),
    ...inc(pbj, [...get(kc), ...i32(NR * 4), Op.i32Mul]),
    ...inc(j, i32(NR)),
  ];
  return {
    params: 9,
    locals: [[7, I32]],
    body: [...get(pb), ...set(pbj), ...whileLt(j, nc, colPanel)],
  };
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const str = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

/**
 * The module's bytes: imports `env.memory` (any size; `shared` for a
 * threaded heap, whose import must declare a maximum: 4 GiB admits any),
 * exports `kernel`, `tile`, `packA`, `packB`, `macro`, `scaleRows`,
 * `accumulate`, `copy`, `maxRows`, `argMaxRows`,
 * `sgdMomentum`, `adam`, `tanh`, `softplus`, `leakyRelu`, `greater` and
 * `select`.
 */
export function gemmModuleBytes(fma: boolean, shared = false): Uint8Array {
  const funcs: [string, Func][] = [
    ['kernel', microKernel(fma)],
    ['tile', edgeTile()],
    ['packA', pack(MR)],
    ['packB', pack(NR)],
    ['macro', macroKernel()],
    ['scaleRows', scaleRows()],
    ['accumulate', floatRun(true)],
    ['copy', floatRun(false)],
    ['maxRows', reduceRows(false)],
    ['argMaxRows', reduceRows(true)],
    ['sgdMomentum', sgdMomentum()],
    ['adam', adam()],
    ['tanh', tanhVector()],
    ['softplus', softplusVector()],
    ['leakyRelu', leakyReluVector()],
    ['greater', greaterLoop()],
    ['select', selectLoop()],
  ];
  const arities = [...new Set(funcs.map(([, f]) => f.params))];
  const types = arities.map((n) => [0x60, ...uleb(n), ...Array(n).fill(I32), 0]);
  const limits = shared ? [0x03, 1, ...uleb(65536)] : [0x00, 1];
  const imports = [[...str('env'), ...str('memory'), 0x02, ...limits]];
  const code = funcs.map(([, f]) => {
    const body = [...vector(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.body, Op.end];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(funcs.map(([, f]) => uleb(arities.indexOf(f.params))))),
    ...section(7, vector(funcs.map(([name], i) => [...str(name), 0x00, ...uleb(i)]))),
    ...section(10, vector(code)),
  ]);
}

/** Whether this engine validates SIMD128 and relaxed-SIMD modules (Node 20 needs --experimental-wasm-relaxed-simd for the latter). */
export function wasmFeatures(): { simd: boolean; relaxed: boolean } {
  const probe = (op: number[]) =>
    WebAssembly.validate(
      Uint8Array.from([
        0,
        0x61,
        0x73,
        0x6d,
        1,
        0,
        0,
        0,
        ...section(1, vector([[0x60, 1, V128, 1, V128]])),
        ...section(3, vector([[0]])),
        ...section(10, vector([[...uleb(op.length + 2), 0, ...op, Op.end]])),
      ]),
    );
  return {
    simd: probe([...get(0), ...get(0), ...simd(F32X4_ADD)]),
    relaxed: probe([...get(0), ...get(0), ...get(0), ...simd(F32X4_RELAXED_MADD)]),
  };
}

/** The exports of an instantiated GEMM module; every pointer and stride is in bytes. */
export interface GemmExports {
  scaleRows(x: number, s: number, o: number, rows: number, p: number): void;
  /** dst[i] += src[i] for n floats. */
  accumulate(src: number, dst: number, n: number): void;
  /** dst[i] = src[i] for n floats (not overlapping). */
  copy(src: number, dst: number, n: number): void;
  maxRows(x: number, o: number, rows: number, p: number): void;
  /** o[i] = tanh(x[i]) for n floats, n a multiple of 4. */
  tanh(x: number, o: number, n: number): void;
  /** o[i] = softplus(x[i]) = log(1 + exp(x[i])) for n floats, n a multiple of 4. */
  softplus(x: number, o: number, n: number): void;
  argMaxRows(x: number, o: number, rows: number, p: number): void;
  /** o[i] = x[i] < 0 ? alpha x[i] : x[i] for n floats; alpha as its float32 bits. */
  leakyRelu(x: number, o: number, n: number, alphaBits: number): void;
  /** o[i] = a[i] > b[i] (one byte each) for n floats of a; b steps bStep bytes (0: a scalar). */
  greater(a: number, b: number, o: number, n: number, bStep: number): void;
  /** o[i] = c[i] ? t[i] : e[i] for n floats, c one byte each. */
  select(c: number, t: number, e: number, o: number, n: number): void;
  sgdMomentum(
    theta: number,
    v: number,
    g: number,
    theta2: number,
    v2: number,
    n: number,
    s: number,
  ): void;
  adam(
    theta: number,
    m: number,
    v: number,
    g: number,
    theta2: number,
    m2: number,
    v2: number,
    n: number,
    s: number,
  ): void;
  packA(src: number, dst: number, lane: number, step: number, steps: number, lanes: number): void;
  packB(src: number, dst: number, lane: number, step: number, steps: number, lanes: number): void;
  macro(
    pa: number,
    pb: number,
    c: number,
    ldc: number,
    mc: number,
    nc: number,
    kc: number,
    acc: number,
    scratch: number,
  ): void;
}

/** Depth of a packed slice and height / width of the blocks (floats): A block 8 KB rows of KC, B slice KC x NC in L2. */
export const KC = 256;
export const MC = 72;
export const NC = 512;
// The packers fill whole panels: a block that is not a whole number of panels writes past its workspace.
if (MC % MR !== 0 || NC % NR !== 0)
  throw new Error(`GEMM blocks ${MC} x ${NC} must be whole ${MR} x ${NR} panels`);

/** Where the workspace's scratch tile starts: after the packed A block and B slice. */
export const SCRATCH_OFFSET = 4 * (MC * KC + KC * NC);
/** Bytes of workspace `gemm` needs: packed A block, packed B slice, one scratch tile (MR x NR floats). */
export const WORKSPACE_BYTES = SCRATCH_OFFSET + 4 * MR * NR;

/**
 * C[m, n] = A B on the heap: a(i, p) at a + i * aRow + p * aCol, b(p, j) at
 * b + p * bRow + j * bCol (element strides, so transposes are strides), C
 * dense row-major. `work` is WORKSPACE_BYTES of scratch, 16-byte aligned.
 */
export function gemm(
  g: GemmExports,
  work: number,
  m: number,
  n: number,
  k: number,
  a: number,
  aRow: number,
  aCol: number,
  b: number,
  bRow: number,
  bCol: number,
  c: number,
): void {
  const packedA = work;
  const packedB = work + 4 * MC * KC;
  const scratch = work + SCRATCH_OFFSET;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      g.packB(b + 4 * (pc * bRow + jc * bCol), packedB, 4 * bCol, 4 * bRow, kc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        g.packA(a + 4 * (ic * aRow + pc * aCol), packedA, 4 * aRow, 4 * aCol, kc, mc);
        g.macro(
          packedA,
          packedB,
          c + 4 * (ic * n + jc),
          4 * n,
          mc,
          nc,
          kc,
          pc > 0 ? 1 : 0,
          scratch,
        );
      }
    }
  }
}
