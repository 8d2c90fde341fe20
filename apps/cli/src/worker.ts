// A replica of `latent train --workers <n>`: a worker thread with its own tfjs
// backend, rebuilding the model replica 0 trains from the registry.
import { initBackend } from '@latent/backend';
import { replicaScriptData, serveReplica } from '@latent/train/node';

await initBackend(replicaScriptData<{ backend: string }>().backend);
serveReplica();
