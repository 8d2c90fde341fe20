import type { ImageSet } from '@latent/datasets';
import {
  GAN_ZOO,
  type GanRunConfigInput,
  GanTrainer,
  type ImageGanName,
  paperSettings,
  resolveGanRunConfig,
} from '@latent/train';
import type { ImageSettings, Samples } from '../protocol.js';
import type { RunControl } from './control.js';
import { trainingImages } from './data.js';
import { measureAndPost, SampleQuality } from './quality.js';
import { drawableOf, session, setDrawable } from './session.js';

/** Most milliseconds between sample grids: a conv step takes a second here, an MLP step a fraction. */
const PREVIEW_MS = 1500;

/** The run config of the form: fields the user left empty take the model's paper settings. */
export function imageRunConfig(
  settings: ImageSettings,
  model: ReturnType<typeof GAN_ZOO.dcgan.make>,
) {
  const requested: Record<string, unknown> = {
    model: settings.model,
    // A picked folder has no name latent knows; its runs cannot be resumed in the CLI.
    ...(settings.dataset === 'folder' ? {} : { dataset: settings.dataset }),
    epochs: settings.epochs,
    seed: settings.seed,
  };
  for (const key of [
    'loss',
    'k',
    'optimizer',
    'generatorLearningRate',
    'discriminatorLearningRate',
    'batchSize',
  ] as const) {
    if (settings[key] !== undefined) requested[key] = settings[key];
  }
  const input = requested as GanRunConfigInput;
  return resolveGanRunConfig({ ...paperSettings(model, input), ...input });
}

/** A GAN of the zoo on MNIST, Fashion-MNIST or a picked folder, with live sample grids. */
export async function trainImages(
  settings: ImageSettings,
  control: RunControl,
  signal: AbortSignal,
): Promise<void> {
  const entry = GAN_ZOO[settings.model as ImageGanName];
  if (!entry) {
    throw new Error(
      `Unknown model '${settings.model}'; the zoo has ${Object.keys(GAN_ZOO).join(', ')}.`,
    );
  }
  const data: ImageSet = await trainingImages(settings.dataset, settings.folder);
  const model = entry.make([data.height, data.width, data.channels]);
  if (model.numClasses && !data.labels) {
    throw new Error(
      `${model.name} is conditional and ${data.name} has no classes (use sub-folders).`,
    );
  }
  const classes = data.classNames?.length ?? 0;
  if (model.numClasses && classes !== model.numClasses) {
    throw new Error(
      `${model.name} is built for ${model.numClasses} classes and ${data.name} has ${classes} (sub-folders); choose an unconditional model.`,
    );
  }
  const config = imageRunConfig(settings, model);
  control.post({
    type: 'config',
    mode: 'images',
    summary: `${model.name} on ${data.name} (${data.count.toLocaleString('en')} images): ${config.loss} loss, k ${config.k}${config.updates === 'simultaneous' ? ' (D and G updated simultaneously)' : ''}, ${config.optimizer} lr G ${config.generatorLearningRate} / D ${config.discriminatorLearningRate}, batch ${config.batchSize}`,
  });
  const trainer = new GanTrainer({ model, data, config });
  session.trainer = trainer;
  session.resumable = settings.dataset !== 'folder';
  const quality =
    settings.dataset !== 'folder' && settings.quality
      ? new SampleQuality(trainer, settings.dataset, settings.quality.n)
      : undefined;
  session.quality = quality;
  const measureEvery = quality ? settings.quality?.every : undefined;
  setDrawable(
    drawableOf(trainer.sampler(), `${model.name} on ${data.name}, as it trains`, {
      fromRun: true,
      ...(model.numClasses ? { classes: classNames(data, model.numClasses) } : {}),
    }),
  );

  const preview = async (step: number, epoch: number) => {
    const samples: Samples = {
      type: 'samples',
      step,
      epoch,
      partial: true,
      images: await trainer.samples(),
      count: config.sampleCount,
      shape: model.imageShape,
      pixelRange: model.pixelRange,
    };
    control.post({ type: 'preview', samples });
  };
  let shown = performance.now();
  control.running = true;
  try {
    for await (const event of trainer.run({ signal })) {
      control.post({ type: 'event', mode: 'images', event });
      if (event.type === 'samples') shown = performance.now();
      if (event.type !== 'step') continue;
      if (control.paused || performance.now() - shown > PREVIEW_MS) {
        await preview(event.step, event.epoch);
        shown = performance.now();
      }
      if (quality && measureEvery && event.step % measureEvery === 0)
        await measureAndPost(quality, control);
      await control.between(event.step);
    }
  } finally {
    control.running = false;
  }
}

function classNames(data: ImageSet, count: number): string[] {
  return Array.from({ length: count }, (_, i) => data.classNames?.[i] ?? String(i));
}
