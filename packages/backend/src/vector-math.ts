// tanh and softplus four lanes at a time, for latent's wasm module. tfjs's
// wasm kernels make scalar libm calls per element: ~17 and
// ~13 ns an element, 2.7 ms of the MLP VAE's 17 ms step (its two tanh layers
// and the Bernoulli likelihood's softplus). Both are built here from one
// vector expm1 (Cody-Waite reduction, a degree-7 polynomial, 2^n from the
// exponent bits) and, for softplus, one vector log; all mul+add, so the FMA
// and mul+add modules agree bit for bit. Accurate to a few units in the last
// place (the tests hold them to the double-precision functions).
import {
  F32X4_ABS,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_EQ,
  F32X4_GT,
  F32X4_LT,
  F32X4_MAX,
  F32X4_MUL,
  F32X4_NEAREST,
  F32X4_NEG,
  F32X4_SUB,
  type Func,
  get,
  I32,
  I32X4_ADD,
  I32X4_SHL,
  I32X4_TRUNC_SAT_F32X4_S,
  i32,
  inc,
  set,
  simd,
  V128,
  V128_ANDNOT,
  V128_BITSELECT,
  V128_CONST,
  v128Load,
  v128Store,
  whileLt,
} from './wasm-emit.js';

type Code = number[];

/** A v128 constant: four copies of a float32 (or of an int32 with `int`). */
function splatConst(value: number, int = false): Code {
  const lane = new DataView(new ArrayBuffer(4));
  if (int) lane.setInt32(0, value, true);
  else lane.setFloat32(0, value, true);
  const bytes = Array.from(new Uint8Array(lane.buffer));
  return simd(V128_CONST, ...bytes, ...bytes, ...bytes, ...bytes);
}

const binary =
  (op: number) =>
  (a: Code, b: Code): Code => [...a, ...b, ...simd(op)];
const add = binary(F32X4_ADD);
const sub = binary(F32X4_SUB);
const mul = binary(F32X4_MUL);
const div = binary(F32X4_DIV);
const max = binary(F32X4_MAX);
const k = (value: number) => splatConst(value);
/** bitselect(a, b, mask): a's bits where mask is set, b's elsewhere. */
const select = (a: Code, b: Code, mask: Code): Code => [
  ...a,
  ...b,
  ...mask,
  ...simd(V128_BITSELECT),
];

// Cody-Waite split of ln 2: LN2_HI has 9 significant bits, so n * LN2_HI is
// exact for the |n| <= 126 reached here (-87.3 / ln 2 rounds to -126).
const LOG2E = Math.LOG2E;
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
const LN2 = Math.LN2;

/** Locals of a vector function (x, out, n): three i32 params, a counter, then v128s. */
const [X_PTR, OUT_PTR, N, I] = [0, 1, 2, 3];
const [XV, NV, RV, PV, SV, T0, T1, T2, T3, T4] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
const V128_LOCALS = 10;

/**
 * Leaves expm1(r) in PV and 2^n in SV for y = n ln 2 + r (y in local `y`,
 * finite and >= -126 ln 2, or NaN): exp(y) = SV (PV + 1) and
 * expm1(y) = SV PV + (SV - 1). The polynomial is expm1's Taylor series to
 * r^7, whose remainder is under 2^-26 relative for |r| <= ln 2 / 2.
 */
function expm1Parts(y: number): Code {
  const r = get(RV);
  const poly = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2].reduce<Code>(
    (acc, c) => add(mul(acc, r), k(c)),
    k(0),
  );
  return [
    ...mul(get(y), k(LOG2E)),
    ...simd(F32X4_NEAREST),
    ...set(NV),
    ...sub(sub(get(y), mul(get(NV), k(LN2_HI))), mul(get(NV), k(LN2_LO))),
    ...set(RV),
    ...add(r, mul(mul(r, r), poly)),
    ...set(PV),
    // 2^n: n + 127 in the exponent field (NaN's n truncates to 0, and PV carries the NaN).
    ...get(NV),
    ...simd(I32X4_TRUNC_SAT_F32X4_S),
    ...splatConst(127, true),
    ...simd(I32X4_ADD),
    ...i32(23),
    ...simd(I32X4_SHL),
    ...set(SV),
  ];
}

/**
 * tanh(x) = -q / (2 + q) with q = expm1(-2|x|), the sign of x copied back.
 * -2|x| is clamped at -20, past which tanh rounds to 1; NaN stays NaN, -0
 * stays -0.
 */
function tanhLanes(): Code {
  const q = add(mul(get(SV), get(PV)), sub(get(SV), k(1)));
  return [
    ...max([...get(XV), ...simd(F32X4_ABS), ...k(-2), ...simd(F32X4_MUL)], k(-20)),
    ...set(T0),
    ...expm1Parts(T0),
    ...q,
    ...set(T1),
    ...div([...get(T1), ...simd(F32X4_NEG)], add(get(T1), k(2))),
    ...set(T2),
    // copysign(t, x): the sign bit from x, the rest from t.
    ...select(get(XV), get(T2), splatConst(-0x80000000, true)),
  ];
}

/**
 * log(z) for z in [1, 2]: halved above sqrt 2, then log(m) = 2 atanh(s),
 * s = (m - 1) / (m + 1), |s| <= 0.172, as the odd series to s^9.
 */
function logOneToTwo(z: number): Code {
  const big = [...get(z), ...k(Math.SQRT2), ...simd(F32X4_GT)];
  const m = select(mul(get(z), k(0.5)), get(z), big);
  const s2 = mul(get(T2), get(T2));
  const series = [2 / 9, 2 / 7, 2 / 5, 2 / 3, 2].reduce<Code>(
    (acc, c) => add(mul(acc, s2), k(c)),
    k(0),
  );
  return [
    ...sub(m, k(1)),
    ...set(T2),
    ...div(get(T2), add(get(T2), k(2))),
    ...set(T2),
    // k ln 2 + log(m), k = 1 where z was halved.
    ...add(select(k(LN2), k(0), big), mul(get(T2), series)),
  ];
}

/**
 * softplus(x) = max(x, 0) + log1p(e), e = exp(-|x|) in (0, 1]; log1p(e) as
 * log(z) e / (z - 1) with z = 1 + e rounded (exact where z - 1 is 0: e
 * itself). Below x = -87.3, where softplus is under 2^-126 (subnormal), 0.
 */
function softplusLanes(): Code {
  const [e, z, tiny, d] = [T1, T0, T3, T4];
  return [
    ...[...get(XV), ...k(-87.3), ...simd(F32X4_LT)],
    ...set(tiny),
    ...max([...get(XV), ...simd(F32X4_ABS), ...simd(F32X4_NEG)], k(-87.3)),
    ...set(T0),
    ...expm1Parts(T0),
    ...add(mul(get(SV), get(PV)), get(SV)),
    ...set(e),
    ...add(get(e), k(1)),
    ...set(z),
    ...sub(get(z), k(1)),
    ...set(d),
    ...add(
      max(get(XV), k(0)),
      select(get(e), mul(logOneToTwo(z), div(get(e), get(d))), [
        ...get(d),
        ...k(0),
        ...simd(F32X4_EQ),
      ]),
    ),
    ...get(tiny),
    ...simd(V128_ANDNOT),
  ];
}

/** f(x, out, n): out[i] = lanes(x[i]) for n floats, n a multiple of 4 (the caller does the tail). */
function vectorFunction(lanes: () => Code): Func {
  return {
    params: 3,
    locals: [
      [1, I32],
      [V128_LOCALS, V128],
    ],
    body: whileLt(I, N, [
      ...get(X_PTR),
      ...v128Load(0),
      ...set(XV),
      ...get(OUT_PTR),
      ...lanes(),
      ...v128Store(0),
      ...inc(X_PTR, i32(16)),
      ...inc(OUT_PTR, i32(16)),
      ...inc(I, i32(4)),
    ]),
  };
}

export const tanhVector = () => vectorFunction(tanhLanes);
export const softplusVector = () => vectorFunction(softplusLanes);
