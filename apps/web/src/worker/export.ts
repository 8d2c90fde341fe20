import { checkpointGraph, exportGraph } from '@latent/export';
import type { ExportFormat } from '../protocol.js';
import type { RunControl } from './control.js';
import { post } from './post.js';
import { session } from './session.js';

/**
 * The explorer's model's generator (a VAE's decoder) as `latent export` writes
 * it, from the browser-safe entry of `@latent/export`: the model's checkpoint
 * (a run's taken between two steps) through `checkpointGraph`, with the
 * moving average of G when the model draws with one, then `exportGraph`.
 */
export function exportModel(format: ExportFormat, control: RunControl | undefined): void {
  const drawable = session().drawable;
  if (!drawable) {
    post({
      type: 'export-error',
      message: 'Nothing to download yet: train a model or open a checkpoint first.',
    });
    return;
  }
  const work = async () => {
    try {
      const checkpoint = await drawable.checkpoint();
      const graph = await checkpointGraph(checkpoint, { ema: drawable.ema }, drawable.source);
      post({
        type: 'exported',
        // Copies: each file gets a buffer of its own to transfer.
        files: exportGraph(graph, format).map((f) => ({
          path: f.path,
          bytes: f.bytes.slice().buffer as ArrayBuffer,
        })),
        format,
        source: drawable.source,
        part: graph.part,
        ema: drawable.ema,
      });
    } catch (e) {
      post({ type: 'export-error', message: (e as Error).message });
    }
  };
  if (drawable.fromRun && control) control.atSafePoint(work);
  else void work();
}
