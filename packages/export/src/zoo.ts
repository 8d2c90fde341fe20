import type { GanModel, ParamTree, VaeModel } from '@latent/models';
import { modelEntry } from '@latent/train';

/** A zoo model of either family. */
export type ZooModel = { kind: 'gan'; model: GanModel } | { kind: 'vae'; model: VaeModel };

/**
 * The one place this package meets the model registry: the model a name and
 * config stand for (`config` undefined: the registry's model of that name for
 * images of `imageShape`, conditional ones with ten classes). Unknown and
 * hostile names are refused by the registry.
 *
 * @param where names the source in error messages
 */
export function zooModel(
  name: string,
  config: unknown,
  where: string,
  imageShape: [number, number, number] = [28, 28, 1],
): ZooModel {
  const entry = modelEntry(name, `${where}: the model name`);
  const shape = { imageShape, classes: entry.conditional ? 10 : 0 };
  if (entry.kind === 'gan')
    return {
      kind: 'gan',
      model: config === undefined ? entry.build(shape) : entry.fromManifest(config),
    };
  return {
    kind: 'vae',
    model: config === undefined ? entry.build(shape) : entry.fromManifest(config),
  };
}

/** Fresh networks of a zoo model by part name (`generator`, `discriminator` or `decoder`, `encoder`). */
export function initNetworks(zoo: ZooModel, seed: number): Record<string, ParamTree> {
  return zoo.kind === 'gan' ? zoo.model.init(seed) : zoo.model.init(seed);
}
