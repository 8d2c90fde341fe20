export {
  type AnsiColorMode,
  type AnsiImageOptions,
  ansiColorMode,
  ansiImage,
  xterm256,
} from './ansi.js';
export {
  emaSmooth,
  type LineChartOptions,
  type LineSeries,
  lineChart,
  type ReferenceLine,
} from './chart.js';
export {
  type ClassGridOptions,
  type CompareOptions,
  classGrid,
  compareImages,
  type InterpolationGridOptions,
  interpolationGrid,
  lerp,
  type Panel,
  slerp,
} from './compose.js';
export {
  DENSITY_COLORS,
  type GanDensityFrame,
  type GanDensityOptions,
  ganDensityPlot,
  kde,
} from './density1d.js';
export { type DrawTextOptions, drawText, FONT_HEIGHT, FONT_WIDTH, measureText } from './font.js';
export {
  type Domain2d,
  discriminatorColor,
  GAN2D_COLORS,
  type Gan2dFrame,
  type Gan2dOptions,
  gan2dPlot,
  gridPoints,
  type Heatmap2d,
  type Manifold2d,
} from './gan2d.js';
export { encodeGif, type GifOptions } from './gif.js';
export {
  type ImageGridOptions,
  imageGrid,
  neighbourGrid,
  type PixelRange,
  type Rgb,
  type RgbaImage,
} from './grid.js';
export { decodePng, encodePng, pngDataUrl } from './png.js';
export { base64, niceTicks, PALETTE } from './svg.js';
export {
  type ToyDensityFrame,
  type ToyPlaneFrame,
  toyDensitySvg,
  toyPlaneSvg,
} from './toy-figures.js';
