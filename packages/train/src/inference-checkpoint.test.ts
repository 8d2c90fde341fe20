import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { mlpGan, mlpVae } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  CheckpointError,
  inferenceCheckpoint,
  parseCheckpoint,
} from './checkpoint.js';
import { resolveGanRunConfig, resolveVaeRunConfig } from './config.js';
import { GanTrainer } from './gan-trainer.js';
import { samplerFromCheckpoint } from './sampler.js';
import { VaeTrainer } from './vae-trainer.js';

let data: ImageSet;
const small = () => mlpGan({ generatorHidden: [32], discriminatorHidden: [16] });
const ganConfig = (emaDecay: number) =>
  resolveGanRunConfig({ batchSize: 50, maxSteps: 2, seed: 3, emaDecay });

beforeAll(async () => {
  await initBackend('cpu');
  data = sliceImages((await loadMnist()).train, 0, 100, 'mnist-100');
});

async function trained(emaDecay: number): Promise<Checkpoint> {
  const trainer = new GanTrainer({ model: small(), data, config: ganConfig(emaDecay) });
  for await (const _ of trainer.run()) {
    // two steps
  }
  const checkpoint = await trainer.checkpoint();
  trainer.dispose();
  return checkpoint;
}

/** Through JSON and the checks of parseCheckpoint, as a reader gets it. */
const reread = (c: Checkpoint) =>
  parseCheckpoint(JSON.parse(JSON.stringify(c.manifest)), c.weights, 'reread');

async function draw(checkpoint: Checkpoint): Promise<Float32Array> {
  const sampler = samplerFromCheckpoint(checkpoint, { ema: 'if-kept' });
  const images = tf.tidy(() => sampler.draw(sampler.noise(8, 5)));
  const out = (await images.data()) as Float32Array;
  images.dispose();
  sampler.dispose();
  return out;
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('inferenceCheckpoint', () => {
  it('keeps only the generator; float32 draws exactly the same images', async () => {
    const full = await trained(0);
    const small32 = reread(inferenceCheckpoint(full));
    expect(small32.manifest.inference).toEqual({ weights: 'generator' });
    expect(small32.manifest.weights.specs.every((s) => s.name.startsWith('generator.'))).toBe(true);
    expect(small32.weights.byteLength).toBeLessThan(full.weights.byteLength / 2);
    expect(await draw(small32)).toEqual(await draw(full));
  });

  it('float16 halves the bytes and draws the same images to float16 precision', async () => {
    const full = await trained(0);
    const small32 = inferenceCheckpoint(full);
    const small16 = reread(inferenceCheckpoint(full, { float16: true }));
    expect(small16.weights.byteLength).toBe(small32.weights.byteLength / 2);
    for (const s of small16.manifest.weights.specs)
      expect(s.quantization).toEqual({ dtype: 'float16' });
    const d = maxDiff(await draw(small16), await draw(full));
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(5e-3);
    // Packing again changes nothing.
    const again = inferenceCheckpoint(small16, { float16: true });
    expect(new Uint8Array(again.weights)).toEqual(new Uint8Array(small16.weights));
  });

  it('keeps the moving average of G when the run kept one, unless asked for G', async () => {
    const full = await trained(0.9);
    const ema = reread(inferenceCheckpoint(full, { float16: true }));
    expect(ema.manifest.inference).toEqual({ weights: 'ema' });
    expect(ema.manifest.weights.specs.every((s) => s.name.startsWith('ema.'))).toBe(true);
    // Drawn through the average even when G is asked for: it is all there is.
    expect(samplerFromCheckpoint(ema, { ema: false }).ema).toBe(true);
    const g = inferenceCheckpoint(full, { ema: false });
    expect(g.manifest.inference).toEqual({ weights: 'generator' });
    expect(() => inferenceCheckpoint(g, { ema: true })).toThrow(/no moving average/);
  });

  it('a VAE keeps its decoder', async () => {
    const trainer = new VaeTrainer({
      model: mlpVae({ latentDim: 2, hidden: [16] }),
      data,
      config: resolveVaeRunConfig({ batchSize: 50, maxSteps: 1 }),
    });
    for await (const _ of trainer.run()) {
      // one step
    }
    const full = await trainer.checkpoint();
    trainer.dispose();
    const dec = reread(inferenceCheckpoint(full, { float16: true }));
    expect(dec.manifest.inference).toEqual({ weights: 'decoder' });
    expect(dec.manifest.weights.specs.every((s) => s.name.startsWith('decoder.'))).toBe(true);
    expect(maxDiff(await draw(dec), await draw(full))).toBeLessThan(5e-3);
  });

  it('cannot be resumed, and its byte counts are checked like any checkpoint', async () => {
    const small16 = inferenceCheckpoint(await trained(0), { float16: true });
    const trainer = new GanTrainer({ model: small(), data, config: ganConfig(0) });
    expect(() => trainer.restore(small16)).toThrow(CheckpointError);
    expect(() => trainer.restore(small16)).toThrow(/inference checkpoint\): it cannot be resumed/);
    trainer.dispose();
    expect(() =>
      parseCheckpoint(
        JSON.parse(JSON.stringify(small16.manifest)),
        small16.weights.slice(0, small16.weights.byteLength - 2),
        'cut',
      ),
    ).toThrow(/truncated/);
    // A float16 spec read as float32 would need twice the bytes.
    const lying = JSON.parse(JSON.stringify(small16.manifest));
    delete lying.weights.specs[0].quantization;
    expect(() => parseCheckpoint(lying, small16.weights, 'lying')).toThrow(
      /weight specs add up to \d+ bytes/,
    );
  });
});
