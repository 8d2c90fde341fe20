/**
 * A picture ready to show or save: RGBA, row-major, 4 bytes a pixel, so
 * `data.length === width * height * 4`. Alpha is 255 for everything this
 * package draws. The layout matches the DOM's `ImageData`, so
 * `new ImageData(image.data, image.width, image.height)` puts it on a canvas.
 */
export interface RgbaImage {
  width: number;
  height: number;
  // ArrayBuffer-backed, because that is what the DOM's ImageData constructor accepts.
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** An RGB colour, each component an integer 0..255. */
export type Rgb = readonly [number, number, number];
