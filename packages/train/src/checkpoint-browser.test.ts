import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCheckpointFiles, readPickedCheckpoint } from './checkpoint-browser.js';

const FILES: Record<string, Uint8Array> = {
  '/ok/checkpoint.json': new TextEncoder().encode('{"format":"latent-checkpoint"}'),
  '/ok/weights.bin': new Uint8Array([1, 2, 3, 4]),
  '/half/checkpoint.json': new TextEncoder().encode('{}'),
};
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = FILES[req.url ?? ''];
    if (body) res.end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('checkpoint files in a page', () => {
  it('fetches a served checkpoint folder, naming the file a request failed for', async () => {
    const files = await fetchCheckpointFiles(`${base}/ok`, 'pretrained/ok');
    expect(files.json).toBe('{"format":"latent-checkpoint"}');
    expect([...new Uint8Array(files.weights)]).toEqual([1, 2, 3, 4]);
    expect(files.source).toBe('pretrained/ok');
    await expect(fetchCheckpointFiles(`${base}/half/`, 'half')).rejects.toThrow(
      'half: weights.bin: HTTP 404',
    );
  });

  it('pairs the picked checkpoint.json and weights.bin by name, in any order', async () => {
    const json = new File(['{"a":1}'], 'checkpoint.json');
    const bin = new File([new Uint8Array([9, 8])], 'weights.bin');
    const files = await readPickedCheckpoint([bin, json]);
    expect(files).toMatchObject({ json: '{"a":1}', source: 'checkpoint.json + weights.bin' });
    expect(files.weights.byteLength).toBe(2);
    await expect(readPickedCheckpoint([new File(['x'], 'notes.txt')])).rejects.toThrow(
      'Choose the two files of a checkpoint folder, checkpoint.json and weights.bin (got notes.txt).',
    );
    await expect(readPickedCheckpoint([json, json])).rejects.toThrow(
      /got checkpoint.json, checkpoint.json/,
    );
  });
});
