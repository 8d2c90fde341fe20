import { convertImage, type DecodedImage, decodeImage, type Fit } from './decode.js';
import { fetchAll, type ProgressCallback } from './fetch.js';
import { DatasetFormatError } from './idx.js';
import type { ImageSet } from './images.js';

export interface ImageFolderOptions {
  /** Output height and width in pixels. Default: the images' own size, which must then be the same for all. */
  height?: number;
  width?: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). Default: 3 if the first image has colour, else 1. */
  channels?: 1 | 3 | 4;
  /** How images meet a different size (default `cover`: scale and centre-crop). */
  fit?: Fit;
  /** Name of the set (default `images`). */
  name?: string;
  /** Called after each image is decoded: (done, total). */
  onImage?: (done: number, total: number) => void;
}

/** One encoded image file and its path relative to the folder: `file.png` or `class/file.png`. */
export interface ImageFile {
  path: string;
  bytes: () => Promise<Uint8Array>;
  /** Names the file in errors (default: path). */
  source?: string;
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** True for names ending in .png, .jpg or .jpeg (any case). */
export function isImagePath(path: string): boolean {
  return IMAGE_EXT.test(path);
}

/**
 * Builds an ImageSet from image files laid out as a folder: either all at the
 * top (unlabelled), or one sub-folder per class (`class/file.png`; classes
 * sorted by name, label = index). Files are taken in path order, so the set is
 * the same on every machine. Other file types are skipped.
 *
 * @returns bytes [count, height, width, channels]
 */
export async function imageSetFromFiles(
  files: readonly ImageFile[],
  options: ImageFolderOptions = {},
): Promise<ImageSet> {
  const name = options.name ?? 'images';
  const images = files
    .filter((f) => isImagePath(f.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (images.length === 0) {
    throw new DatasetFormatError(`${name}: no PNG or JPEG images (looked for .png, .jpg, .jpeg)`);
  }
  const classOf = (f: ImageFile) => {
    const parts = f.path.split('/').filter((p) => p !== '');
    return parts.length >= 2 ? parts.slice(0, -1).join('/') : undefined;
  };
  const labelled = images.filter((f) => classOf(f) !== undefined);
  if (labelled.length > 0 && labelled.length < images.length) {
    const loose = images.find((f) => classOf(f) === undefined)!;
    throw new DatasetFormatError(
      `${loose.source ?? loose.path}: an image outside the class folders; put every image in a class folder, or none`,
    );
  }
  const classNames =
    labelled.length > 0 ? [...new Set(labelled.map((f) => classOf(f)!))].sort() : undefined;
  if (classNames && classNames.length > 256) {
    throw new DatasetFormatError(
      `${name}: ${classNames.length} class folders; at most 256 are supported`,
    );
  }
  let height = options.height;
  let width = options.width;
  let channels = options.channels;
  if ((height === undefined) !== (width === undefined))
    throw new RangeError(`${name}: give both height and width, or neither`);
  for (const [what, v] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 4096)) {
      throw new RangeError(`${name}: ${what} must be an integer in 1..4096, got ${v}`);
    }
  }
  if (channels !== undefined && channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(`${name}: channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  let out: Uint8Array | undefined;
  let first: { source: string; img: DecodedImage } | undefined;
  const labels = classNames ? new Uint8Array(images.length) : undefined;
  for (let i = 0; i < images.length; i++) {
    const file = images[i]!;
    const source = file.source ?? file.path;
    let bytes: Uint8Array;
    try {
      bytes = await file.bytes();
    } catch (e) {
      throw new DatasetFormatError(`${source}: cannot read (${(e as Error).message})`);
    }
    const img = decodeImage(bytes, source);
    if (!first) {
      first = { source, img };
      height ??= img.height;
      width ??= img.width;
      channels ??= img.channels >= 3 ? 3 : 1;
      // Sized from checked numbers only: width and height are <= 4096 or came from a decoded image.
      out = new Uint8Array(images.length * height * width * channels);
    } else if (
      options.height === undefined &&
      (img.width !== first.img.width || img.height !== first.img.height)
    ) {
      throw new DatasetFormatError(
        `${source}: ${img.width}x${img.height}, but ${first.source} is ${first.img.width}x${first.img.height}; ` +
          'images of mixed sizes need a height and width to be resized to',
      );
    }
    const size = height! * width! * channels!;
    out!.set(convertImage(img, width!, height!, channels!, options.fit), i * size);
    if (labels) labels[i] = classNames!.indexOf(classOf(file)!);
    options.onImage?.(i + 1, images.length);
  }
  return {
    name,
    images: out!,
    labels,
    count: images.length,
    height: height!,
    width: width!,
    channels: channels!,
    classNames,
  };
}

/**
 * An image folder the user picked in a browser (`<input type="file"
 * webkitdirectory>`, or dropped files). Paths come from `webkitRelativePath`
 * without its first segment (the picked folder itself), so `pets/cat/1.png`
 * is class `cat`; files picked one by one are unlabelled.
 */
export function imageSetFromBrowserFiles(
  files: Iterable<File> | ArrayLike<File>,
  options: ImageFolderOptions = {},
): Promise<ImageSet> {
  const list = Array.from(files as ArrayLike<File>).map((f): ImageFile => {
    const rel = f.webkitRelativePath || f.name;
    const path = rel.includes('/') ? rel.split('/').slice(1).join('/') : rel;
    return { path, source: rel, bytes: async () => new Uint8Array(await f.arrayBuffer()) };
  });
  return imageSetFromFiles(list, options);
}

/**
 * An image folder served over HTTP. A server cannot list a folder, so pass the
 * files' paths relative to `baseUrl` (`cat/1.png`, ...: sub-folders are
 * classes). `onProgress` reports bytes downloaded (see `ProgressCallback`).
 */
export async function fetchImageFolder(
  baseUrl: string,
  paths: readonly string[],
  options: ImageFolderOptions & { onProgress?: ProgressCallback } = {},
): Promise<ImageSet> {
  const wanted = paths.filter(isImagePath);
  const urls = wanted.map(
    (p) => `${baseUrl.replace(/\/$/, '')}/${p.split('/').map(encodeURIComponent).join('/')}`,
  );
  const bodies = await fetchAll(urls, options.onProgress);
  return imageSetFromFiles(
    wanted.map((path, k) => ({ path, source: urls[k], bytes: async () => bodies[k]! })),
    options,
  );
}
