// The replica worker script of parallel.test.ts (bundled by the test): the
// same small zoo the test trains, on the backend the test names.
import { initBackend } from '@latent/backend';
import {
  type ConvGanConfig,
  convGan,
  type MlpGanConfig,
  type MlpVaeConfig,
  mlpGan,
  mlpVae,
} from '@latent/models';
import { replicaScriptData, serveReplica } from './node.js';

await initBackend(replicaScriptData<{ backend: string }>().backend);
serveReplica({
  gan: (name, config) =>
    name === 'mlp-gan' ? mlpGan(config as MlpGanConfig) : convGan(name, config as ConvGanConfig),
  vae: (_name, config) => mlpVae(config as MlpVaeConfig),
});
