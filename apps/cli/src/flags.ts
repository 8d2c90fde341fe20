import { FIRST_RUN, fieldChoices, fieldDefaults } from '@latent/train';
import { type Command, InvalidArgumentError, Option } from 'commander';

export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`'${value}' is not a number.`);
  return n;
}

export function integer(value: string): number {
  const n = number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`'${value}' is not a whole number.`);
  return n;
}

export function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError(`'${value}' must be at least 1.`);
  return n;
}

function channels(value: string): 1 | 3 {
  if (value !== '1' && value !== '3')
    throw new InvalidArgumentError(`'${value}': use 1 (grey) or 3 (colour).`);
  return Number(value) as 1 | 3;
}

function widths(value: string): number[] {
  return value.split(',').map((part) => positive(part.trim()));
}

/** `color,translation,cutout`: names, checked by the run-config schema. */
function names(value: string): string[] {
  return value.split(',').map((part) => part.trim());
}

/** One run-config field as a flag of `latent train`; choices and defaults come from the schema. */
interface FieldFlag {
  flags: string;
  field: string;
  help: string;
  parse?: (value: string) => unknown;
}

/** Every run-config field `latent train` sets, in the order `--help` lists them. */
const RUN_FLAGS: readonly FieldFlag[] = [
  {
    flags: '--model <name>',
    field: 'model',
    help: "the GAN or VAE to train, see `latent models` (default: dcgan for 3 epochs at batch 64, the first run; toy-gan on a toy distribution; mlp-gan is the 2014 paper's GAN)",
  },
  {
    flags: '--dataset <name-or-folder>',
    field: 'dataset',
    help: 'mnist, fashion-mnist, a toy distribution (ring, spiral, moons, mixture-1d, ...) or a folder of PNG/JPEG images, sub-folders as classes; see `latent datasets`',
  },
  {
    flags: '--image-size <px>',
    field: 'imageSize',
    help: "folders: resize and centre-crop every image to px x px (default: the images' own size, which must then be the same for all)",
    parse: positive,
  },
  {
    flags: '--channels <n>',
    field: 'channels',
    help: "folders: 1 = grey, 3 = colour (default: colour if the folder's first image has colour)",
    parse: channels,
  },
  {
    flags: '--data-limit <n>',
    field: 'dataLimit',
    help: 'use only the first n training examples (quick trials)',
    parse: positive,
  },
  { flags: '--epochs <n>', field: 'epochs', help: 'passes over the training data', parse: integer },
  {
    flags: '--max-steps <n>',
    field: 'maxSteps',
    help: 'stop after n steps (one step = k D updates + 1 G update)',
    parse: integer,
  },
  {
    flags: '--k <n>',
    field: 'k',
    help: 'discriminator updates per generator update (Algorithm 1)',
    parse: integer,
  },
  {
    flags: '--updates <how>',
    field: 'updates',
    help: "alternating = Algorithm 1 (D, then G against the updated D); simultaneous = both from the same weights, as the authors' code (k 1) (default: the model's, simultaneous for mlp-gan)",
  },
  {
    flags: '--batch-size <n>',
    field: 'batchSize',
    help: "minibatch size m (default: 64 when no --model is named; else 100, the conv models their paper's)",
    parse: integer,
  },
  {
    flags: '--lr <rate>',
    field: 'learningRate',
    help: 'initial learning rate (default: SGD 0.1, divided by 1.000004 after each update as in the paper; Adam 2e-4; RMSprop 5e-5; VAEs 1e-3)',
    parse: number,
  },
  {
    flags: '--momentum <m>',
    field: 'momentum',
    help: 'initial SGD momentum, rising linearly to --final-momentum',
    parse: number,
  },
  {
    flags: '--final-momentum <m>',
    field: 'finalMomentum',
    help: 'final SGD momentum',
    parse: number,
  },
  {
    flags: '--loss <kind>',
    field: 'loss',
    help: "objective: gan (the paper's), lsgan, wgan-gp (use --k 5 --optimizer adam), hinge",
  },
  {
    flags: '--g-loss <kind>',
    field: 'generatorLoss',
    help: "for --loss gan: non-saturating = -log D(G(z)) (the paper's code), minimax = log(1 - D(G(z)))",
  },
  {
    flags: '--label-smoothing <s>',
    field: 'labelSmoothing',
    help: "for --loss gan: data's target is 1 - s",
    parse: number,
  },
  {
    flags: '--gp <lambda>',
    field: 'gradientPenalty',
    help: 'for --loss wgan-gp: gradient penalty weight',
    parse: number,
  },
  { flags: '--r1 <gamma>', field: 'r1', help: 'R1 penalty weight on data (0: off)', parse: number },
  {
    flags: '--augment <policies>',
    field: 'augment',
    help: "GANs on images: DiffAugment (Zhao et al. 2020), a random differentiable augmentation T of every image D sees (data and samples, in D's updates and in G's), for small image sets; comma-separated, applied in that order: color (brightness, saturation, contrast), translation (up to 1/8 of the side), cutout (a square of half the side), e.g. color,translation,cutout (default: none)",
    parse: names,
  },
  {
    flags: '--optimizer <kind>',
    field: 'optimizer',
    help: "optimizer of both networks (default: the model's paper's)",
  },
  {
    flags: '--g-lr <rate>',
    field: 'generatorLearningRate',
    help: "G's learning rate (default: --lr)",
    parse: number,
  },
  {
    flags: '--d-lr <rate>',
    field: 'discriminatorLearningRate',
    help: "D's learning rate (default: --lr)",
    parse: number,
  },
  { flags: '--beta1 <b>', field: 'beta1', help: "Adam's beta1", parse: number },
  { flags: '--beta2 <b>', field: 'beta2', help: "Adam's beta2", parse: number },
  {
    flags: '--ema <decay>',
    field: 'emaDecay',
    help: "keep an EMA of G's weights for samples, e.g. 0.999, warmed up as min(decay, (1 + t) / (10 + t)) over the first t updates (0: off)",
    parse: number,
  },
  {
    flags: '--beta <weight>',
    field: 'beta',
    help: 'VAEs: weight of the KL term (1: the ELBO)',
    parse: number,
  },
  {
    flags: '--kl-warmup <steps>',
    field: 'klWarmupSteps',
    help: 'VAEs: raise the KL weight from 0 over this many steps',
    parse: integer,
  },
  {
    flags: '--latent-dim <n>',
    field: 'latentDim',
    help: "VAEs: size of z (default: the model's, 20 for mlp-vae)",
    parse: positive,
  },
  {
    flags: '--hidden <widths>',
    field: 'hidden',
    help: 'MLP VAEs: hidden layer widths of the encoder, mirrored by the decoder, e.g. 500,500 (default: 500)',
    parse: widths,
  },
  {
    flags: '--activation <kind>',
    field: 'activation',
    help: "MLP VAEs: hidden units (default: the paper's tanh)",
  },
  {
    flags: '--init <kind>',
    field: 'init',
    help: "MLP VAEs: initial weights, paper = N(0, 0.01), glorot or he (default: the paper's)",
  },
  {
    flags: '--decoder <kind>',
    field: 'decoder',
    help: 'MLP VAEs: p(x|z), bernoulli on binarized pixels or gaussian on grey levels (default: bernoulli)',
  },
  {
    flags: '--binarize <how>',
    field: 'binarize',
    help: 'VAEs: dynamic = redraw binary pixels each epoch, none = grey levels (default: dynamic; none with --decoder gaussian)',
  },
  {
    flags: '--seed <n>',
    field: 'seed',
    help: 'seeds initialization, data order, noise and dropout',
    parse: integer,
  },
  {
    flags: '--log-every <n>',
    field: 'logEvery',
    help: 'steps per metrics.jsonl line',
    parse: integer,
  },
  {
    flags: '--sample-count <n>',
    field: 'sampleCount',
    help: 'images in each sample grid',
    parse: integer,
  },
];

/** "(default: 100)" from the schema, unless the help says its own. */
function defaultText({ field, help }: FieldFlag): string {
  if (help.includes('(default:')) return '';
  const { gan, vae } = fieldDefaults(field);
  if (gan === undefined && vae === undefined) return '';
  const named =
    gan !== undefined && vae !== undefined && gan !== vae
      ? `GANs ${gan}, VAEs ${vae}`
      : (gan ?? vae);
  const first = FIRST_RUN[field];
  return first === undefined
    ? ` (default: ${named})`
    : ` (default: ${first} when no --model is named, else ${named})`;
}

/** Adds every run-config flag to `latent train`. */
export function addRunFlags(command: Command): Command {
  for (const spec of RUN_FLAGS) {
    const option = new Option(spec.flags, spec.help + defaultText(spec));
    const choices = fieldChoices(spec.field);
    // A parser of its own checks its values (commander's choices would be replaced by it).
    if (spec.parse) option.argParser(spec.parse);
    else if (choices) option.choices(choices);
    command.addOption(option);
  }
  return command;
}

/** The run-config fields of parsed `latent train` options, leaving out flags not given. */
export function runConfigOf(options: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const spec of RUN_FLAGS) {
    const value = options[new Option(spec.flags).attributeName()];
    if (value !== undefined) config[spec.field] = value;
  }
  return config;
}

/** Run-config fields by their flags where the two differ, so a config error points at what to type. */
export const FLAG_OF_FIELD: ReadonlyMap<string, string> = new Map(
  RUN_FLAGS.map((spec) => [spec.field, spec.flags.split(' ')[0]!] as const).filter(
    ([field, flag]) => flag !== `--${field}`,
  ),
);
