// The registry's names on their own, so the run-config schema can list them
// without importing the registry (which imports the schema's types).

/** The GANs of the registry, by the names run configs, `--model` and checkpoints use. */
export const GAN_NAMES = [
  'mlp-gan',
  'dcgan',
  'cgan',
  'acgan',
  'wgan-gp',
  'sngan',
  'toy-gan',
] as const;
/** The VAEs of the registry. */
export const VAE_NAMES = ['mlp-vae', 'conv-vae', 'cvae'] as const;
export type GanName = (typeof GAN_NAMES)[number];
export type VaeName = (typeof VAE_NAMES)[number];
export type ModelName = GanName | VaeName;
