import { describe, expect, it } from 'vitest';
import { fieldChoices, fieldDefaults } from './config.js';

describe("the run-config fields' choices and defaults", () => {
  it('reads the choices of enum and literal fields from both schemas', () => {
    expect(fieldChoices('loss')).toEqual(
      expect.arrayContaining(['gan', 'lsgan', 'wgan-gp', 'hinge']),
    );
    expect(fieldChoices('optimizer')).toEqual(expect.arrayContaining(['sgd', 'adam', 'rmsprop']));
    // A VAE-only field.
    expect(fieldChoices('decoder')).toEqual(expect.arrayContaining(['bernoulli', 'gaussian']));
    expect(fieldChoices('batchSize')).toBeUndefined();
    expect(fieldChoices('__proto__')).toBeUndefined();
  });

  it("gives a field's default for GANs and for VAEs", () => {
    expect(fieldDefaults('batchSize')).toEqual({ gan: 100, vae: 100 });
    expect(fieldDefaults('k')).toEqual({ gan: 1, vae: undefined });
    expect(fieldDefaults('beta').vae).toBe(1);
    expect(fieldDefaults('constructor')).toEqual({ gan: undefined, vae: undefined });
  });
});
