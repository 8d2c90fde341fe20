import { initBackend } from '@latent/backend';
import type { ImageSet } from '@latent/datasets';
import { loadFashionMnist, loadMnist } from '@latent/datasets/node';
import { flattenParams } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  bytesToBase64,
  type ClassifierName,
  classifierForward,
  classifierFromWeights,
  decodeShippedWeights,
  encodeFloat16,
  initClassifier,
  loadClassifier,
  toFloat16Bits,
} from './classifier.js';
import { imagePoints } from './images.js';
import { MNIST_CLASSIFIER } from './weights/mnist.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('weight encoding', () => {
  it('base64 round-trips every length', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256);
      expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    }
    expect(bytesToBase64(new TextEncoder().encode('latent'))).toBe('bGF0ZW50');
  });

  it('rounds float32 to the nearest half-precision value', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00); // overflow to infinity
    expect(toFloat16Bits(2 ** -24)).toBe(1); // smallest subnormal
    expect(toFloat16Bits(1e-9)).toBe(0);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('float16 weights load through tfjs quantization specs and give the same predictions', async () => {
    const params = initClassifier(1);
    const encoded = encodeFloat16(flattenParams(params));
    expect(encoded.data.byteLength).toBe(2 * 421_642);
    const half = classifierFromWeights(encoded, 'test');
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 3);
    const a = tf.tidy(() => tf.softmax(classifierForward(params, x).logits));
    const b = tf.tidy(() => tf.softmax(classifierForward(half.params, x).logits));
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-2);
    tf.dispose([a, b, x]);
    half.dispose();
    for (const v of Object.values(flattenParams(params))) v.dispose();
  });

  it('refuses corrupted shipped weights', () => {
    const b64 = MNIST_CLASSIFIER.base64;
    const flipped = b64[100] === 'A' ? 'B' : 'A';
    const broken = {
      ...MNIST_CLASSIFIER,
      base64: `${b64.slice(0, 100)}${flipped}${b64.slice(101)}`,
    };
    expect(() => decodeShippedWeights(broken)).toThrow(/corrupted/);
  });
});

describe('the shipped classifiers', () => {
  const cases: [ClassifierName, () => Promise<ImageSet>, number][] = [
    ['mnist', async () => (await loadMnist()).test, 0.99],
    ['fashion-mnist', async () => (await loadFashionMnist()).test, 0.9],
  ];
  it.each(cases)('%s: loads and classifies real test images', async (name, load, accuracy) => {
    const test = await load();
    const before = tf.memory().numTensors;
    const classifier = await loadClassifier(name);
    const count = 200;
    const {
      probabilities,
      features,
      count: n,
    } = await classifier.run(imagePoints(test, 0, count).data, 64);
    classifier.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(n).toBe(count);
    expect(features).toHaveLength(count * 128);
    let right = 0;
    for (let i = 0; i < count; i++) {
      const row = Array.from(probabilities.subarray(i * 10, i * 10 + 10));
      expect(row.reduce((s, p) => s + p)).toBeCloseTo(1, 4);
      if (row.indexOf(Math.max(...row)) === test.labels![i]) right++;
    }
    // 200 images: allow the binomial spread around the measured test accuracy.
    expect(right / count).toBeGreaterThanOrEqual(accuracy - 0.04);
  });
});
