// The replica worker script of parallel.test.ts (bundled by the test), on
// the backend the test names.
import { initBackend } from '@latent/backend';
import { replicaScriptData, serveReplica } from './node.js';

await initBackend(replicaScriptData<{ backend: string }>().backend);
serveReplica();
