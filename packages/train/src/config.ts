import { z } from 'zod';
import { AUGMENT_POLICIES } from './augment.js';
import { GAN_NAMES, VAE_NAMES } from './model-names.js';

/** Seeds initialization, data order, noise and dropout: a 32-bit unsigned integer. */
const seedSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1)
  .default(0);

/**
 * What a run trains on and how its images are sized; the same fields in GAN
 * and VAE runs. `dataset` is parsed by `parseDataSource`: `mnist`,
 * `fashion-mnist`, a toy name (`ring`, `mixture-1d`, ...) or an image folder's
 * path.
 */
const dataFields = {
  dataset: z.string().min(1).default('mnist'),
  /** Side folder images are resized and centre-cropped to; absent: the folder's own size. */
  imageSize: z.number().int().min(8).max(512).optional(),
  /** 1 (grey) or 3 (colour); absent: the folder's own. */
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  /** Train on the first n examples only (quick trials, tests). */
  dataLimit: z.number().int().positive().optional(),
};

/** Learning rates the optimizers' papers use, when the config names none. */
const DEFAULT_LEARNING_RATE = { sgd: 0.1, adam: 2e-4, rmsprop: 5e-5 } as const;

/**
 * One schema for a GAN training run: CLI flags, config files and the web form
 * all validate through it, so errors read the same everywhere. Defaults are
 * the 2014 paper's MNIST experiment.
 */
export const ganRunFields = z
  .object({
    ...dataFields,
    /** The GAN of the model registry, by name (see `MODELS`). */
    model: z.enum(GAN_NAMES).default('mlp-gan'),
    seed: seedSchema,
    epochs: z.number().int().positive().default(1),
    /** Stop after this many iterations of Algorithm 1 (k D steps + 1 G step), whatever `epochs` says. */
    maxSteps: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().default(100),
    /** Discriminator steps per generator step (Algorithm 1's k; the paper used 1; WGAN-GP's n_critic is 5). */
    k: z.number().int().positive().default(1),
    /**
     * How D's and G's updates of a step relate. `alternating` is the paper's
     * Algorithm 1: k D updates, then G's against the updated D.
     * `simultaneous` takes both networks' gradients at the same parameters
     * and applies them together, as the authors' released code does (pylearn2
     * `AdversaryCost2` with one SGD over both networks); it needs k = 1.
     */
    updates: z.enum(['alternating', 'simultaneous']).default('alternating'),
    /** The objective: see `GanLossKind`. */
    loss: z.enum(['gan', 'lsgan', 'wgan-gp', 'hinge']).default('gan'),
    /** For `loss: 'gan'`: how G is trained, see `GeneratorLossKind`. */
    generatorLoss: z.enum(['non-saturating', 'minimax']).default('non-saturating'),
    /** For `loss: 'gan'`: data's target is 1 - labelSmoothing (one-sided). */
    labelSmoothing: z.number().min(0).max(0.5).default(0),
    /** For `loss: 'wgan-gp'`: the penalty's weight lambda. */
    gradientPenalty: z.number().nonnegative().default(10),
    /** R1 penalty weight gamma on data (0: off). */
    r1: z.number().nonnegative().default(0),
    optimizer: z.enum(['sgd', 'adam', 'rmsprop']).default('sgd'),
    /** Initial learning rate of both networks (default per optimizer: SGD 0.1, Adam 2e-4, RMSprop 5e-5). */
    learningRate: z.number().positive().optional(),
    /** Override `learningRate` for one network. */
    generatorLearningRate: z.number().positive().optional(),
    discriminatorLearningRate: z.number().positive().optional(),
    /** Divide the learning rate by this after every update (default: the paper's 1.000004 for SGD, 1 otherwise). */
    decayFactor: z.number().min(1).optional(),
    minLearningRate: z.number().nonnegative().default(1e-6),
    momentum: z.number().min(0).max(1).default(0.5),
    finalMomentum: z.number().min(0).max(1).default(0.7),
    momentumSaturateEpoch: z.number().int().positive().default(250),
    /** Adam's moment decays (DCGAN: beta1 0.5). */
    beta1: z.number().min(0).lt(1).default(0.5),
    beta2: z.number().min(0).lt(1).default(0.999),
    /** RMSprop's decay of the squared-gradient average. */
    rho: z.number().min(0).lt(1).default(0.9),
    /**
     * DiffAugment (Zhao et al. 2020): the policies of T, applied in this order
     * to every image D sees, data and samples, in D's updates and in G's (G's
     * gradient flows through T); for small data sets, where D otherwise
     * memorizes the data. Image data only; none by default.
     */
    augment: z
      .array(z.enum(AUGMENT_POLICIES))
      .refine((a) => new Set(a).size === a.length, {
        message: 'name each augmentation policy once',
      })
      .default([]),
    /** Keep an exponential moving average of G's weights with this decay (e.g. 0.999; 0: off), warmed up over the first updates; samples use it. */
    emaDecay: z.number().min(0).lt(1).default(0),
    /** Steps between `log` events (means over the interval). */
    logEvery: z.number().int().positive().default(10),
    /** Images in the fixed-noise sample grid. */
    sampleCount: z.number().int().positive().max(1024).default(100),
    /**
     * Warn of mode collapse when the fixed-noise samples' per-pixel spread
     * (see the `samples` event's `diversity`) falls below this after an epoch.
     */
    collapseThreshold: z.number().min(0).max(1).default(0.05),
  })
  .strict();

/** The GAN run config: `ganRunFields` with the checks across fields and the defaults that depend on others. */
export const ganRunConfigSchema = ganRunFields
  .refine((c) => c.updates === 'alternating' || c.k === 1, {
    message:
      'simultaneous updates (mlp-gan trains so by default) take one D update per step: use k 1, or alternating updates',
    path: ['k'],
  })
  .refine((c) => c.labelSmoothing === 0 || c.loss === 'gan', {
    message: "label smoothing applies to loss 'gan' only",
    path: ['labelSmoothing'],
  })
  .transform((c) => {
    const learningRate = c.learningRate ?? DEFAULT_LEARNING_RATE[c.optimizer];
    return {
      ...c,
      learningRate,
      generatorLearningRate: c.generatorLearningRate ?? learningRate,
      discriminatorLearningRate: c.discriminatorLearningRate ?? learningRate,
      decayFactor: c.decayFactor ?? (c.optimizer === 'sgd' ? 1.000004 : 1),
    };
  });

export type GanRunConfig = z.output<typeof ganRunConfigSchema>;
export type GanRunConfigInput = z.input<typeof ganRunConfigSchema>;

/** Parses with a run-config schema; throws an Error listing every bad field and why. */
function resolveWith<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`,
  );
  throw new Error(`Invalid run config:\n${lines.join('\n')}`);
}

/** Validates a GAN run config and fills its defaults; throws listing every bad field. */
export function resolveGanRunConfig(input: unknown): GanRunConfig {
  return resolveWith(ganRunConfigSchema, input);
}

/**
 * One schema for a VAE training run. Defaults follow Kingma & Welling 2014's
 * MNIST experiment (minibatch 100, 20 latent dimensions in the model), with
 * Adam in place of their Adagrad and dynamic binarization of the pixels.
 */
export const vaeRunConfigSchema = z
  .object({
    ...dataFields,
    model: z.enum(VAE_NAMES).default('mlp-vae'),
    /** Size of z; absent: the model's own (20 for the MLP VAEs, 16 for the conv VAE). */
    latentDim: z.number().int().positive().max(1024).optional(),
    /** Hidden widths of an MLP VAE's encoder (the decoder mirrors them); absent: the paper's [500]. */
    hidden: z.array(z.number().int().positive().max(8192)).min(1).max(8).optional(),
    /** Hidden units of an MLP VAE; absent: the paper's tanh. */
    activation: z.enum(['tanh', 'relu']).optional(),
    /** Initial weights of an MLP VAE: `paper` N(0, 0.01), `glorot` or `he`; absent: the paper's. */
    init: z.enum(['paper', 'glorot', 'he']).optional(),
    /** p(x|z): `bernoulli` for binarized pixels, `gaussian` for grey levels (use with binarize `none`). */
    decoder: z.enum(['bernoulli', 'gaussian']).optional(),
    seed: seedSchema,
    epochs: z.number().int().positive().default(1),
    maxSteps: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().default(100),
    /** `dynamic`: each pixel is 1 with its intensity as probability, redrawn every epoch; `none`: intensities in [0, 1]. */
    binarize: z.enum(['dynamic', 'none']).default('dynamic'),
    optimizer: z.enum(['sgd', 'adam', 'rmsprop']).default('adam'),
    learningRate: z.number().positive().default(1e-3),
    momentum: z.number().min(0).max(1).default(0.9),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    rho: z.number().min(0).lt(1).default(0.9),
    /** Weight of the KL term (beta-VAE); 1 is the ELBO. */
    beta: z.number().nonnegative().default(1),
    /** Raise the KL weight linearly from 0 to `beta` over this many steps (0: no warm-up). */
    klWarmupSteps: z.number().int().nonnegative().default(0),
    logEvery: z.number().int().positive().default(10),
    sampleCount: z.number().int().positive().max(1024).default(100),
  })
  .strict()
  .refine(
    (c) =>
      c.model !== 'conv-vae' ||
      (c.hidden === undefined &&
        c.activation === undefined &&
        c.init === undefined &&
        c.decoder !== 'gaussian'),
    {
      message:
        'hidden, activation, init and a gaussian decoder apply to the MLP VAEs (mlp-vae, cvae), not conv-vae',
      path: ['model'],
    },
  )
  .refine((c) => c.decoder !== 'gaussian' || c.binarize === 'none', {
    message: 'a gaussian decoder models grey levels: set binarize to none',
    path: ['binarize'],
  });

export type VaeRunConfig = z.output<typeof vaeRunConfigSchema>;

/** Validates a VAE run config and fills its defaults; throws listing every bad field. */
export function resolveVaeRunConfig(input: unknown): VaeRunConfig {
  return resolveWith(vaeRunConfigSchema, input);
}

type ZodNode = { unwrap?: () => ZodNode; options?: unknown[]; def: { type: string } };

/**
 * The values a run-config field allows when it is a choice (an enum or a
 * union of literals) in the GAN or the VAE schema, e.g. for a flag's or a
 * form's choices; undefined for other fields.
 */
export function fieldChoices(field: string): string[] | undefined {
  const shapes = [ganRunFields.shape, vaeRunConfigSchema.shape] as unknown as Record<
    string,
    ZodNode
  >[];
  const choices = new Set<string>();
  for (const shape of shapes) {
    let node = Object.hasOwn(shape, field) ? shape[field] : undefined;
    while (node?.unwrap) node = node.unwrap();
    for (const o of node?.options ?? [])
      choices.add(
        typeof o === 'string' ? o : String([...(o as { values: Set<unknown> }).values][0]),
      );
  }
  return choices.size > 0 ? [...choices] : undefined;
}

let defaults: { gan: Record<string, unknown>; vae: Record<string, unknown> } | undefined;

/** A run-config field's default in a GAN run and in a VAE run (undefined where it has none). */
export function fieldDefaults(field: string): { gan: unknown; vae: unknown } {
  defaults ??= { gan: resolveGanRunConfig({}), vae: resolveVaeRunConfig({}) };
  const of = (config: Record<string, unknown>) =>
    Object.hasOwn(config, field) ? config[field] : undefined;
  return { gan: of(defaults.gan), vae: of(defaults.vae) };
}
