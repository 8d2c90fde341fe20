import type { FromWorker } from '../protocol.js';

// The DOM lib types `self` as a Window; this is the part of a worker's scope we use.
export const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

/** Posts to the page, moving (not copying) the large typed arrays of pictures. */
export function post(message: FromWorker): void {
  const arrays: ArrayBufferView[] = [];
  switch (message.type) {
    case 'preview':
    case 'checkpoint':
      arrays.push(message.samples.images);
      break;
    case 'event':
      if (message.event.type === 'samples') arrays.push(message.event.images);
      break;
    case 'density': {
      const f = message.frame;
      arrays.push(f.grid, f.dataDensity, f.generated, f.discriminator, f.z, f.x);
      break;
    }
    case 'plane': {
      const f = message.frame;
      arrays.push(f.real, f.fake, f.gradients, f.discriminator, f.manifold);
      break;
    }
    case 'vae': {
      const f = message.frame;
      arrays.push(f.inputs, f.reconstructions);
      if (f.manifold) arrays.push(f.manifold);
      break;
    }
    case 'explored':
      arrays.push(message.dims, message.image, message.path);
      break;
    case 'pretrained-vae':
      arrays.push(message.samples.images);
      if (message.manifold) arrays.push(message.manifold);
      break;
  }
  const buffers = [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
  const transfer: Transferable[] = buffers;
  if (message.type === 'saved') transfer.push(message.weights);
  if (message.type === 'exported') transfer.push(...message.files.map((f) => f.bytes));
  scope.postMessage(message, transfer);
}
