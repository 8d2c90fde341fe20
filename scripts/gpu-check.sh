#!/usr/bin/env bash
# For a machine with a real GPU: checks that latent finds it through WebGPU
# (Dawn, the npm package `webgpu`), then runs the training bench's rows for
# webgpu, wasm and (where python3 has torch) PyTorch on the CPU, and prints
# steps/s with the ratios webgpu/wasm and webgpu/PyTorch.
#
#   bash scripts/gpu-check.sh [--models mlp-gan,dcgan,mlp-vae] [--steps 20]
#
# Extra arguments go to the bench (apps/cli/bench/train-speed.ts). Needs a
# Vulkan driver on Linux (the GPU vendor's, or Mesa's: libvulkan1
# mesa-vulkan-drivers). Without a GPU the adapter is SwiftShader (from the
# chromium package), a CPU emulation: the rows are then marked as correctness
# rows and their speed means nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm -s --filter @latent/backend build >/dev/null
node --input-type=module -e "
import { initBackend } from './packages/backend/dist/node.js';
try {
  const info = await initBackend('webgpu');
  console.log('gpu-check: webgpu adapter: ' + info.adapter);
  if (/swiftshader/i.test(info.adapter)) console.log('gpu-check: this is SwiftShader, a CPU emulation, not a GPU: the webgpu rows below check correctness only.');
} catch (e) {
  console.error('gpu-check: ' + e.message);
  process.exit(1);
}
process.exit(0);
"

exec node scripts/run-ts.mjs apps/cli/bench/train-speed.ts \
  --backends wasm,webgpu --workers 1 --threads 1,2 "$@"
