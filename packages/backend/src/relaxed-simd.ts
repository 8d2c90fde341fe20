// Node 20's V8 (11.3) validates relaxed-SIMD wasm (f32x4.relaxed_madd, used by
// gemm-kernels.ts for FMA) only behind --experimental-wasm-relaxed-simd; Node 22
// and Chrome 114 have it on. Wasm feature flags are read when a module is
// validated and V8 flags are process-wide, so setting it here, before any GEMM
// module is built, turns it on for this process and every worker thread it
// starts, whatever command started it (CLI, bench, tests, a user's script).
// Node started with --no-experimental-wasm-relaxed-simd keeps it off: an engine
// without relaxed SIMD, as some browsers are (latent's GEMM then uses mul+add).
import { execArgv, versions } from 'node:process';
import { setFlagsFromString } from 'node:v8';

const off = execArgv.some((a) => a.replaceAll('_', '-') === '--no-experimental-wasm-relaxed-simd');
if (Number(versions.node.split('.')[0]) < 22 && !off)
  setFlagsFromString('--experimental-wasm-relaxed-simd');
