import { imageGrid, type PixelRange } from '@latent/vis';

/** The element `selector` finds; index.html and this code are kept in step, so a miss is a bug. */
export function $<T extends Element = HTMLElement>(
  selector: string,
  root: ParentNode = document,
): T {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`index.html has no ${selector}`);
  return el;
}

export interface GridOptions {
  count: number;
  shape: readonly [number, number, number];
  pixelRange: PixelRange;
  columns?: number;
  scale?: number;
  padding?: number;
}

/** Draws images [count, h, w, c] as a grid on a canvas (sized to the grid; CSS scales it). */
export function drawGrid(canvas: HTMLCanvasElement, images: Float32Array, o: GridOptions): void {
  const [height, width, channels] = o.shape;
  const grid = imageGrid(images, {
    count: o.count,
    height,
    width,
    channels: channels as 1 | 3,
    columns: o.columns ?? Math.ceil(Math.sqrt(o.count)),
    padding: o.padding ?? 2,
    range: o.pixelRange,
    scale: o.scale ?? 2,
  });
  canvas.width = grid.width;
  canvas.height = grid.height;
  canvas.getContext('2d')?.putImageData(new ImageData(grid.data, grid.width, grid.height), 0, 0);
}

/**
 * A run form as a run request: every named control is a run-config field of
 * `latent train`, by the schema's name, except those marked `data-page` (the
 * page's own settings, such as the quality cadence). Empty and disabled
 * controls are left out, so the model's paper settings, then the schema's
 * defaults, fill them; the worker checks the request with that schema, so
 * its errors read as the CLI's.
 */
export function formRequest(form: HTMLFormElement): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  for (const control of form.elements) {
    if (!(control instanceof HTMLInputElement || control instanceof HTMLSelectElement)) continue;
    if (!control.name || control.disabled || control.hasAttribute('data-page')) continue;
    const value = control.value.trim();
    if (value === '') continue;
    const numeric = control.type === 'number' || control.hasAttribute('data-number');
    request[control.name] = numeric ? Number(value) : value;
  }
  return request;
}
