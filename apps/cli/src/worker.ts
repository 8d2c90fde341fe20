// A replica of `latent train --workers <n>`: a worker thread with its own tfjs
// backend, rebuilding the model replica 0 trains from the registry.
import { initBackend, useLatentWasmGemm, type WasmGemm } from '@latent/backend';
import { replicaScriptData, serveReplica } from '@latent/train/node';

/** What the main thread hands each replica: its backend and, on wasm, the GEMM it runs. */
export interface ReplicaData {
  backend: string;
  gemm?: WasmGemm;
}

const { backend, gemm } = replicaScriptData<ReplicaData>();
useLatentWasmGemm(gemm ?? true);
const info = await initBackend(backend);
// One engine, so this differs only where latent's GEMM failed to start here.
if (gemm && info.gemm !== gemm)
  process.stderr.write(
    `latent: warning: a replica runs ${info.gemm} where the main thread runs ${gemm} (what the checkpoints record), so its rows round differently\n`,
  );
serveReplica();
