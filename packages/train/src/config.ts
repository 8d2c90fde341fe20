import { z } from 'zod';

/**
 * One schema for a GAN training run: CLI flags, config files and the web form
 * all validate through it, so errors read the same everywhere. Defaults are
 * the 2014 paper's MNIST experiment.
 */
export const ganRunConfigSchema = z
  .object({
    dataset: z.enum(['mnist']).default('mnist'),
    model: z.enum(['mlp-gan']).default('mlp-gan'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0),
    epochs: z.number().int().positive().default(1),
    /** Stop after this many iterations of Algorithm 1 (k D steps + 1 G step), whatever `epochs` says. */
    maxSteps: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().default(100),
    /** Discriminator steps per generator step (Algorithm 1's k; the paper used 1). */
    k: z.number().int().positive().default(1),
    generatorLoss: z.enum(['non-saturating', 'minimax']).default('non-saturating'),
    learningRate: z.number().positive().default(0.1),
    decayFactor: z.number().min(1).default(1.000004),
    minLearningRate: z.number().nonnegative().default(1e-6),
    momentum: z.number().min(0).max(1).default(0.5),
    finalMomentum: z.number().min(0).max(1).default(0.7),
    momentumSaturateEpoch: z.number().int().positive().default(250),
    /** Steps between `log` events (means over the interval). */
    logEvery: z.number().int().positive().default(10),
    /** Images in the fixed-noise sample grid. */
    sampleCount: z.number().int().positive().max(1024).default(100),
  })
  .strict();

export type GanRunConfig = z.infer<typeof ganRunConfigSchema>;
export type GanRunConfigInput = z.input<typeof ganRunConfigSchema>;

/** Validates and fills defaults; throws an Error listing every bad field and why. */
export function resolveGanRunConfig(input: unknown): GanRunConfig {
  const result = ganRunConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const at = issue.path.length > 0 ? issue.path.join('.') : '(config)';
    return `  ${at}: ${issue.message}`;
  });
  throw new Error(`Invalid run config:\n${lines.join('\n')}`);
}
