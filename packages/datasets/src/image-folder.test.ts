import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { convertImage, decodeImage } from './decode.js';
import { DatasetFormatError } from './idx.js';
import { imageSetFromBrowserFiles, imageSetFromFiles } from './image-folder.js';
import { loadImageFolder } from './node.js';

/** A w x h PNG of `channels` whose every sample is `value` (or value(x, y, c)). */
function png(
  w: number,
  h: number,
  channels: number,
  value: number | ((x: number, y: number, c: number) => number),
) {
  const data = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < channels; c++)
        data[(y * w + x) * channels + c] = typeof value === 'number' ? value : value(x, y, c);
  return encodePng({ width: w, height: h, data, channels, depth: 8 });
}

async function folder(files: Record<string, Uint8Array | string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'latent-images-'));
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  return dir;
}

describe('image folders', () => {
  it('one sub-folder per class: sorted classes, labels, images in path order, other files skipped', async () => {
    const dir = await folder({
      'dog/b.png': png(4, 4, 1, 200),
      'cat/2.png': png(4, 4, 1, 20),
      'cat/1.png': png(4, 4, 1, 10),
      'dog/a.png': png(4, 4, 1, 100),
      'cat/notes.txt': 'not an image',
    });
    const set = await loadImageFolder(dir);
    expect(set.classNames).toEqual(['cat', 'dog']);
    expect(set.count).toBe(4);
    expect([set.height, set.width, set.channels]).toEqual([4, 4, 1]);
    expect(Array.from(set.labels!)).toEqual([0, 0, 1, 1]);
    expect([0, 1, 2, 3].map((i) => set.images[i * 16])).toEqual([10, 20, 100, 200]);
    expect(set.name).toBe(dir);
  });

  it('unlabelled when images lie at the top; RGB by default for colour images', async () => {
    const dir = await folder({ 'x.png': png(3, 2, 3, (x, y, c) => 10 * x + 100 * y + c) });
    const set = await loadImageFolder(dir, { name: 'flat' });
    expect(set.labels).toBeUndefined();
    expect([set.count, set.height, set.width, set.channels]).toEqual([1, 2, 3, 3]);
    expect(Array.from(set.images.subarray(0, 6))).toEqual([0, 1, 2, 10, 11, 12]);
  });

  it('resizes (centre crop, anti-aliased) and converts channels to the requested shape', async () => {
    // 8x4 RGBA: left half red, right half blue, fully opaque; a 4x4 cover crop keeps columns 2..5.
    const dir = await folder({
      'a.png': png(8, 4, 4, (x, _y, c) =>
        c === 3 ? 255 : x < 4 ? [255, 0, 0][c]! : [0, 0, 255][c]!,
      ),
      'b.jpg': new Uint8Array(
        encodeJpeg({ width: 6, height: 6, data: new Uint8Array(6 * 6 * 4).fill(128) }, 95).data,
      ),
    });
    const set = await loadImageFolder(dir, { height: 4, width: 4, channels: 1 });
    expect([set.count, set.height, set.width, set.channels]).toEqual([2, 4, 4, 1]);
    const red = Math.round(0.299 * 255);
    const blue = Math.round(0.114 * 255);
    expect(Array.from(set.images.subarray(0, 8))).toEqual([
      red,
      red,
      blue,
      blue,
      red,
      red,
      blue,
      blue,
    ]);
    for (const v of set.images.subarray(16)) expect(Math.abs(v - 128)).toBeLessThanOrEqual(2); // JPEG is lossy
    const rgba = await loadImageFolder(dir, { height: 3, width: 3, channels: 4, fit: 'fill' });
    expect(rgba.channels).toBe(4);
    expect(rgba.images[3]).toBe(255); // alpha kept
  });

  it('keeps exact pixels when no resize is needed, and averages when shrinking', () => {
    const img = {
      width: 4,
      height: 1,
      channels: 1 as const,
      data: Uint8Array.from([0, 100, 200, 40]),
    };
    expect(Array.from(convertImage(img, 4, 1, 1))).toEqual([0, 100, 200, 40]);
    const half = convertImage(img, 2, 1, 1, 'fill');
    expect(half[0]).toBeGreaterThan(0);
    expect(half[0]).toBeLessThan(100);
    const grey = { width: 1, height: 1, channels: 2 as const, data: Uint8Array.from([200, 128]) };
    expect(Array.from(convertImage(grey, 1, 1, 3))).toEqual([100, 100, 100]); // alpha onto black
  });

  it('decodes 16-bit, palette and 1-bit PNGs to bytes', () => {
    const d16 = decodeImage(
      encodePng({
        width: 2,
        height: 1,
        data: Uint16Array.from([65535, 256]),
        channels: 1,
        depth: 16,
      }),
      's',
    );
    expect(Array.from(d16.data)).toEqual([255, 1]);
    const pal = decodeImage(
      encodePng({
        width: 2,
        height: 1,
        data: Uint8Array.from([1, 0]),
        channels: 1,
        depth: 8,
        palette: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      }),
      'p',
    );
    expect([pal.channels, ...pal.data]).toEqual([3, 4, 5, 6, 1, 2, 3]);
    const bits = decodeImage(
      encodePng({
        width: 3,
        height: 1,
        data: Uint8Array.from([0b10100000]),
        channels: 1,
        depth: 1,
      }),
      'b',
    );
    expect(Array.from(bits.data)).toEqual([255, 0, 255]);
  });

  it.each([
    ['no images', { 'readme.txt': 'x' }, /no PNG or JPEG images/],
    [
      'mixed sizes',
      { 'a.png': png(4, 4, 1, 0), 'b.png': png(5, 4, 1, 0) },
      /b\.png: 5x4, but .*a\.png is 4x4; images of mixed sizes need a height and width/,
    ],
    [
      'an unreadable image',
      { 'a.png': png(4, 4, 1, 0), 'b.png': png(4, 4, 1, 0).subarray(0, 40) },
      /b\.png: unreadable PNG/,
    ],
    [
      'a non-image with an image name',
      { 'a.jpg': 'hello' },
      /a\.jpg: not a PNG or JPEG file \(first bytes 68 65 6c 6c\)/,
    ],
    [
      'an empty file',
      { 'a.png': new Uint8Array(0) },
      /a\.png: not a PNG or JPEG file \(first bytes none: the file is empty\)/,
    ],
    [
      'a corrupt JPEG',
      { 'a.jpg': Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2]) },
      /a\.jpg: unreadable JPEG/,
    ],
    [
      'loose images beside class folders',
      { 'a.png': png(2, 2, 1, 0), 'c/b.png': png(2, 2, 1, 0) },
      /a\.png: an image outside the class folders/,
    ],
  ])('rejects %s, naming the file', async (_what, files, message) => {
    const dir = await folder(files);
    await expect(loadImageFolder(dir)).rejects.toThrow(DatasetFormatError);
    await expect(loadImageFolder(dir)).rejects.toThrow(message);
  });

  it('refuses a PNG header declaring a huge size before allocating', () => {
    const bytes = png(2, 2, 1, 0);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(16, 100_000);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(20, 100_000);
    expect(() => decodeImage(bytes, 'huge.png')).toThrow(
      /huge\.png: PNG declares 100000x100000 pixels, more than the limit/,
    );
  });

  it('a missing folder is an error naming it', async () => {
    await expect(loadImageFolder('/nonexistent/latent-images')).rejects.toThrow(
      /Cannot read image folder \/nonexistent\/latent-images/,
    );
  });

  it('works from in-memory files, as in a browser, with per-image progress', async () => {
    const seen: number[] = [];
    const set = await imageSetFromFiles(
      [
        { path: 'b/1.png', bytes: async () => png(2, 2, 1, 7) },
        { path: 'a/1.png', bytes: async () => png(2, 2, 1, 9) },
      ],
      { onImage: (done) => seen.push(done) },
    );
    expect(set.classNames).toEqual(['a', 'b']);
    expect(Array.from(set.images)).toEqual([9, 9, 9, 9, 7, 7, 7, 7]);
    expect(seen).toEqual([1, 2]);
    await expect(
      imageSetFromFiles([
        { path: 'x.png', source: 'picked/x.png', bytes: () => Promise.reject(new Error('gone')) },
      ]),
    ).rejects.toThrow('picked/x.png: cannot read (gone)');
  });

  it('takes browser File objects: sub-folders of the picked folder are the classes', async () => {
    const picked = (path: string, bytes: Uint8Array) => {
      const file = new File([bytes as Uint8Array<ArrayBuffer>], path.split('/').at(-1)!);
      Object.defineProperty(file, 'webkitRelativePath', { value: path });
      return file;
    };
    const set = await imageSetFromBrowserFiles(
      [picked('pets/dog/a.png', png(2, 2, 1, 5)), picked('pets/cat/a.png', png(2, 2, 1, 6))],
      { height: 1, width: 1 },
    );
    expect(set.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(set.images)).toEqual([6, 5]);
    const loose = await imageSetFromBrowserFiles([
      new File([png(2, 2, 1, 1) as Uint8Array<ArrayBuffer>], 'one.png'),
    ]);
    expect(loose.labels).toBeUndefined();
  });
});
