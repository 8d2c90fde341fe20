import { describe, expect, it } from 'vitest';
import { classCoverage, inceptionScore } from './scores.js';

const oneHotRows = (labels: number[], classes = 10) => {
  const p = new Float32Array(labels.length * classes);
  labels.forEach((c, i) => {
    p[i * classes + c] = 1;
  });
  return p;
};

describe('inception score and class coverage', () => {
  it('IS is 1 for constant predictions and C for confident predictions spread over C classes', () => {
    expect(inceptionScore(oneHotRows(new Array(50).fill(3)))).toBeCloseTo(1, 12);
    const soft = Float32Array.from({ length: 40 }, (_, i) => (i % 10 === 0 ? 0.5 : 0.5 / 9));
    expect(inceptionScore(soft)).toBeCloseTo(1, 6); // same soft prediction for every image
    const spread = oneHotRows(Array.from({ length: 70 }, (_, i) => i % 7));
    expect(inceptionScore(spread)).toBeCloseTo(7, 10);
    expect(inceptionScore(oneHotRows(Array.from({ length: 100 }, (_, i) => i % 10)))).toBeCloseTo(
      10,
      10,
    );
    // Uniform p(y|x): no confidence, IS = 1.
    expect(inceptionScore(new Float32Array(30).fill(0.1))).toBeCloseTo(1, 6);
  });

  it('coverage counts classes with >= 10% of the uniform share and the KL to uniform', () => {
    // 1000 images: class 0 gets 905, classes 1..9 get the rest (10, 10, 10, 10, 10, 10, 10, 9, 26).
    const labels = [
      ...new Array(905).fill(0),
      ...[1, 2, 3, 4, 5, 6, 7].flatMap((c) => new Array(10).fill(c)),
      ...new Array(9).fill(8),
      ...new Array(16).fill(9),
    ];
    const cov = classCoverage(oneHotRows(labels));
    // Threshold 0.1 * 1/10 = 1%: 10 images. Class 8 (9 images) is not covered.
    expect(cov.covered).toBe(9);
    expect(cov.histogram.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    expect(cov.histogram[0]).toBeCloseTo(0.905, 12);
    const even = classCoverage(oneHotRows(Array.from({ length: 100 }, (_, i) => i % 10)));
    expect(even.covered).toBe(10);
    expect(even.klToUniform).toBeCloseTo(0, 12);
    const collapsed = classCoverage(oneHotRows(new Array(100).fill(4)));
    expect(collapsed.covered).toBe(1);
    expect(collapsed.klToUniform).toBeCloseTo(Math.log(10), 12);
    expect(classCoverage(oneHotRows(labels), 10, 0.05).covered).toBe(10);
  });

  it('rejects probabilities that are not rows of C', () => {
    expect(() => inceptionScore(new Float32Array(15))).toThrow(/not rows of 10/);
  });
});
