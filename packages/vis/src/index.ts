export {
  type ImageGridOptions,
  imageGrid,
  type PixelRange,
  type Rgb,
  type RgbaImage,
} from './grid.js';
export { decodePng, encodePng } from './png.js';
