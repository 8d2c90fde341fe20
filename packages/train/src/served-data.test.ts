import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MNIST_FILES } from '@latent/datasets';
import { mnistDataDir } from '@latent/datasets/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataSource } from './data-source.js';
import { ServedData } from './served-data.js';

/** Serves MNIST's files at /data/mnist/ as the web app does; `down` answers 503 instead. */
let server: Server;
let base = '';
let down = true;
const requests: string[] = [];

beforeAll(async () => {
  const files = new Set<string>(Object.values(MNIST_FILES));
  server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/data\/mnist\//, '');
    requests.push(req.url ?? '');
    if (down || !files.has(name)) {
      res.writeHead(down ? 503 : 404).end();
      return;
    }
    createReadStream(join(mnistDataDir(), name)).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('ServedData', () => {
  it('fetches a served set once per page, and again after a failure', async () => {
    const progress: string[] = [];
    const served = new ServedData(base, (what) => progress.push(what));
    const load = served.loader(undefined, 28, 'image folder');
    const mnist = parseDataSource('mnist');
    await expect(load(mnist, { seed: 0 })).rejects.toThrow(/503/);
    down = false;
    const first = await load(mnist, { seed: 0, dataLimit: 100 });
    expect(first.count).toBe(100);
    const fetched = requests.length;
    // The evaluation splits come from the same download: nothing is fetched again.
    const splits = await served.evalData('mnist');
    expect([splits.train.count, splits.validation.count, splits.test.count]).toEqual([
      50_000, 10_000, 10_000,
    ]);
    expect(requests.length).toBe(fetched);
    expect(progress).toContain('MNIST');
  });

  it('says what is wrong with a folder run before a folder is picked, and with an unserved set', async () => {
    const served = new ServedData(base);
    const load = served.loader([], 28, 'image folder');
    await expect(load(parseDataSource('photos/'), { seed: 0 })).rejects.toThrow(
      /Choose a folder of images first/,
    );
    await expect(load(parseDataSource('fashion-mnist'), { seed: 0 })).rejects.toThrow(
      /Fashion-MNIST is not served with this build .*dataset-fashion-mnist/,
    );
    await expect(served.evalData('ring')).rejects.toThrow(/measures mnist and fashion-mnist runs/);
  });
});
