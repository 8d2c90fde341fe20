import type { GanModel, ParamTree, VaeModel } from '@latent/models';
import { GAN_ZOO, ganFromCheckpoint, VAE_ZOO, vaeFromCheckpoint } from '@latent/train';

/** A zoo model of either family. */
export type ZooModel = { kind: 'gan'; model: GanModel } | { kind: 'vae'; model: VaeModel };

/**
 * The one place this package meets the zoo: the model a name and config
 * stand for (`config` undefined: the zoo's model of that name for images of
 * `imageShape`).
 *
 * @param where names the source in error messages
 */
export function zooModel(
  name: string,
  config: unknown,
  where: string,
  imageShape: [number, number, number] = [28, 28, 1],
): ZooModel {
  if (name in GAN_ZOO)
    return {
      kind: 'gan',
      model:
        config === undefined
          ? GAN_ZOO[name as keyof typeof GAN_ZOO].make(imageShape)
          : ganFromCheckpoint(name, config, where),
    };
  if (name in VAE_ZOO)
    return {
      kind: 'vae',
      model:
        config === undefined
          ? VAE_ZOO[name as keyof typeof VAE_ZOO].make(imageShape)
          : vaeFromCheckpoint(name, config, where),
    };
  throw new Error(
    `${where}: '${name}' is not a model of latent's zoo (${[...Object.keys(GAN_ZOO), ...Object.keys(VAE_ZOO)].join(', ')})`,
  );
}

/** Fresh networks of a zoo model by part name (`generator`, `discriminator` or `decoder`, `encoder`). */
export function initNetworks(zoo: ZooModel, seed: number): Record<string, ParamTree> {
  return zoo.kind === 'gan' ? zoo.model.init(seed) : zoo.model.init(seed);
}
