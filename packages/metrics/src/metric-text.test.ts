import { describe, expect, it } from 'vitest';
import { metricText } from './metric-text.js';

describe('metricText', () => {
  it("reads eval.json's reports as latent eval prints them, real data beside each", () => {
    expect(metricText('fid', { value: 82.8609, better: 'lower', floor: 1.1928 })).toEqual({
      value: '82.86',
      reference: 'floor 1.19 (train vs test)',
    });
    expect(
      metricText('parzen', { value: 80.04, better: 'higher', stdErr: 1.52, sigma: 0.2 }),
    ).toEqual({
      value: '80.0 ± 1.5',
      reference: 'sigma 0.200',
    });
    const coverage = { value: 9, better: 'higher' as const, classes: 10, klToUniform: 0.1784 };
    expect(metricText('coverage', { ...coverage, real: 10, realKlToUniform: 0.0019 })).toEqual({
      value: '9/10 (KL 0.178)',
      reference: '10/10 (KL 0.002)',
    });
    expect(metricText('kid', { value: 0.0721, better: 'lower', std: 0.0063 }).reference).toBe('');
    expect(
      metricText('iwae', { value: -161.83, better: 'higher', stdErr: 1.61, images: 1000, k: 100 }),
    ).toEqual({
      value: '-161.83 ± 1.61',
      reference: '1000 test images, k = 100',
    });
    // A metric this function does not know still reads as its value.
    expect(metricText('modes', { value: 8, better: 'higher' })).toEqual({
      value: '8.00',
      reference: '',
    });
  });
});
