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
