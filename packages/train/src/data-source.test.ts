import type { ImageSet } from '@latent/datasets';
import { isPointSet } from '@latent/datasets';
import { describe, expect, it } from 'vitest';
import { type DataOptions, dataLoader, parseDataSource, RunRequestError } from './data-source.js';

const set = (name: string, count: number, side = 28, channels = 1): ImageSet => ({
  name,
  count,
  height: side,
  width: side,
  channels,
  images: new Uint8Array(count * side * side * channels),
});

describe('dataLoader', () => {
  const asked: { path: string; options: DataOptions }[] = [];
  const load = dataLoader({
    named: async (name) => set(name, 50),
    folder: async (path, options) => {
      asked.push({ path, options });
      return set('photos', 30, options.imageSize ?? 40, options.channels ?? 3);
    },
  });

  it("loads a named set, a toy's points from the run's seed and a folder, each limited", async () => {
    const mnist = await load(parseDataSource('mnist'), { seed: 0, dataLimit: 20 });
    expect([mnist.name, mnist.count]).toEqual(['mnist[:20]', 20]);
    expect((await load(parseDataSource('fashion-mnist'), { seed: 0 })).count).toBe(50);

    const ring = await load(parseDataSource('ring'), { seed: 3, dataLimit: 100 });
    expect(isPointSet(ring) && [ring.dim, ring.count]).toEqual([2, 100]);
    const again = await load(parseDataSource('ring'), { seed: 3, dataLimit: 100 });
    expect(isPointSet(again) && again.points).toEqual(isPointSet(ring) && ring.points);

    const options = { seed: 0, imageSize: 32, channels: 1 as const, dataLimit: 10 };
    const photos = await load(parseDataSource('my/photos'), options);
    expect(asked).toEqual([{ path: 'my/photos', options }]);
    expect([photos.count, (photos as ImageSet).height]).toEqual([10, 32]);
  });

  it('refuses a size or colour for a named set', async () => {
    await expect(load(parseDataSource('mnist'), { seed: 0, imageSize: 32 })).rejects.toThrow(
      RunRequestError,
    );
    await expect(load(parseDataSource('mnist'), { seed: 0, channels: 3 })).rejects.toThrow(
      /mnist is 28x28 with 1 channel\(s\); image size and channels apply to image folders/,
    );
  });
});
