// The few pieces of WebAssembly's binary format that latent's module is
// written with: opcodes, LEB128 immediates, locals, loads and stores, loops.
// `gemm-kernels.ts` (products, reductions, optimizer updates) and
// `vector-math.ts` (tanh, softplus) emit their functions with these.

export enum Op {
  block = 0x02,
  loop = 0x03,
  if = 0x04,
  else = 0x05,
  end = 0x0b,
  br = 0x0c,
  brIf = 0x0d,
  call = 0x10,
  localGet = 0x20,
  localSet = 0x21,
  localTee = 0x22,
  i32Load = 0x28,
  i32Load8U = 0x2d,
  f32Load = 0x2a,
  i32Store = 0x36,
  f32Store = 0x38,
  i32Store8 = 0x3a,
  i32Const = 0x41,
  f32Const = 0x43,
  i32Eqz = 0x45,
  i32Eq = 0x46,
  i32LtS = 0x48,
  i32GtS = 0x4a,
  i32GeS = 0x4e,
  f32Ne = 0x5c,
  f32Lt = 0x5d,
  f32Gt = 0x5e,
  i32Add = 0x6a,
  i32Sub = 0x6b,
  i32Mul = 0x6c,
  i32And = 0x71,
  i32Or = 0x72,
  f32Sqrt = 0x91,
  f32Add = 0x92,
  f32Sub = 0x93,
  f32Mul = 0x94,
  f32Div = 0x95,
  f32ReinterpretI32 = 0xbe,
  select = 0x1b,
  simd = 0xfd,
}
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const VOID = 0x40;

// SIMD opcodes (after the 0xfd prefix, LEB128-encoded).
export const V128_LOAD = 0x00;
export const V128_LOAD32_SPLAT = 0x09;
export const V128_STORE = 0x0b;
export const I8X16_SHUFFLE = 0x0d;
export const V128_CONST = 0x0c;
export const I32X4_SPLAT = 0x11;
export const F32X4_SPLAT = 0x13;
export const F32X4_REPLACE_LANE = 0x20;
export const F32X4_EQ = 0x41;
export const F32X4_NE = 0x42;
export const F32X4_LT = 0x43;
export const F32X4_GT = 0x44;
export const V128_LOAD32_ZERO = 0x5c;
export const I16X8_EXTEND_LOW_I8X16_U = 0x89;
export const I32X4_EXTEND_LOW_I16X8_U = 0xa9;
export const I32X4_NEG = 0xa1;
export const V128_ANDNOT = 0x4f;
export const V128_OR = 0x50;
export const V128_BITSELECT = 0x52;
export const F32X4_NEAREST = 0x6a;
export const I32X4_SHL = 0xab;
export const I32X4_ADD = 0xae;
export const F32X4_ABS = 0xe0;
export const F32X4_NEG = 0xe1;
export const F32X4_SQRT = 0xe3;
export const F32X4_ADD = 0xe4;
export const F32X4_SUB = 0xe5;
export const F32X4_MUL = 0xe6;
export const F32X4_DIV = 0xe7;
export const F32X4_MAX = 0xe9;
export const I32X4_TRUNC_SAT_F32X4_S = 0xf8;
export const F32X4_RELAXED_MADD = 0x105;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export const get = (i: number) => [Op.localGet, ...uleb(i)];
export const set = (i: number) => [Op.localSet, ...uleb(i)];
export const i32 = (n: number) => [Op.i32Const, ...sleb(n)];
export const simd = (op: number, ...imm: number[]) => [Op.simd, ...uleb(op), ...imm];
export const memarg = (offset: number) => [0, ...uleb(offset)];
export const v128Load = (offset: number) => simd(V128_LOAD, ...memarg(offset));
export const v128Store = (offset: number) => simd(V128_STORE, ...memarg(offset));
export const splat = (offset: number) => simd(V128_LOAD32_SPLAT, ...memarg(offset));
/** The four floats of a b (eight, 0-3 from a, 4-7 from b) at the given indices: i8x16.shuffle. */
export const shuffleFloats = (...floats: number[]) =>
  simd(I8X16_SHUFFLE, ...floats.flatMap((f) => [4 * f, 4 * f + 1, 4 * f + 2, 4 * f + 3]));
/** local[i] += step */
export const inc = (i: number, step: number[]) => [...get(i), ...step, Op.i32Add, ...set(i)];
/** while (local[counter] < local[limit]) { body } — body must advance the counter. */
export const whileLt = (counter: number, limit: number, body: number[]) => [
  Op.block,
  VOID,
  Op.loop,
  VOID,
  ...get(counter),
  ...get(limit),
  Op.i32GeS,
  Op.brIf,
  1,
  ...body,
  Op.br,
  0,
  Op.end,
  Op.end,
];

export interface Func {
  params: number;
  /** Extra locals, as [count, type] runs. */
  locals: [number, number][];
  body: number[];
}
