// A replica of `latent train --workers <n>`: a worker thread with its own tfjs
// backend, rebuilding the model replica 0 trains from its zoo name and config.
import { initBackend } from '@latent/backend';
import { replicaScriptData, serveReplica } from '@latent/train/node';
import { modelFromCheckpoint, vaeFromCheckpoint } from './zoo.js';

await initBackend(replicaScriptData<{ backend: string }>().backend);
serveReplica({
  gan: (name, config) => modelFromCheckpoint(name, config, 'the main thread'),
  vae: (name, config) => vaeFromCheckpoint(name, config, 'the main thread'),
});
