import { type BatchState, fnv1a } from '@latent/datasets';
import { toFloat16Bits } from '@latent/models';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { ganRunConfigSchema, vaeRunConfigSchema } from './config.js';

/** Written in every checkpoint.json; a reader refuses anything else. */
export const CHECKPOINT_FORMAT = 'latent-checkpoint';
export const CHECKPOINT_VERSION = 1;

const specSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.literal('float32'),
  /** tfjs's quantization field: float16 values, decoded to float32 on load (inference checkpoints). */
  quantization: z.object({ dtype: z.literal('float16') }).optional(),
});

/** Bytes a weight spec takes in weights.bin. */
function specBytes(spec: { shape: number[]; quantization?: { dtype: string } }): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  return (spec.quantization?.dtype === 'float16' ? 2 : 4) * size;
}

/**
 * The wasm backend's matrix-product kernels (`WASM_GEMMS` of @latent/backend,
 * which this package does not depend on; a test holds the two lists equal):
 * latent's GEMM with FMA, latent's with mul+add, tfjs's XNNPACK. Each rounds
 * differently, so a run continues bit for bit only on the one that trained it.
 */
export const WASM_GEMMS = ['latent-fma', 'latent-simd128', 'xnnpack'] as const;

/**
 * How a shell drove a run, stamped into each checkpoint by `RunFolder`, so
 * that `latent resume` needs nothing beside the checkpoint: the backend, on
 * wasm its GEMM (`WASM_GEMMS`; absent in older checkpoints), the data-parallel
 * replica count (with batch norm each replica normalizes its own rows, so the
 * count is part of what makes a resumed run continue exactly), the checkpoint
 * policy and the periodic evaluation.
 */
export const runStampSchema = z.object({
  backend: z.string(),
  gemm: z.enum(WASM_GEMMS).optional(),
  workers: z.number().int().positive(),
  keep: z.number().int().positive().optional(),
  checkpointEvery: z.number().int().positive().optional(),
  eval: z
    .object({
      metrics: z.array(z.string()).min(1),
      every: z.number().int().positive(),
      n: z.number().int().positive(),
      keepBest: z.string().optional(),
    })
    .optional(),
});
export type RunStamp = z.infer<typeof runStampSchema>;

const manifestSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(CHECKPOINT_VERSION),
  /** Which trainer wrote it. */
  kind: z.enum(['gan', 'vae']),
  createdAt: z.string(),
  model: z.object({ name: z.string(), config: z.unknown() }),
  /** The run config; the trainer that restores it validates it with its own schema. */
  config: z.record(z.string(), z.unknown()),
  data: z.object({ name: z.string(), count: z.number().int().positive() }),
  progress: z.object({
    step: z.number().int().nonnegative(),
    /** Discriminator updates (GANs; 0 for a VAE). */
    dUpdates: z.number().int().nonnegative(),
    batches: z.object({
      seed: z.number().int().nonnegative(),
      epoch: z.number().int().nonnegative(),
      batch: z.number().int().nonnegative(),
    }),
  }),
  /** Evaluation values measured at this step, when the run evaluated here. */
  metrics: z.record(z.string(), z.number()).optional(),
  /** How the run was driven; absent in checkpoints written outside a run folder (the web app's). */
  run: runStampSchema.optional(),
  /**
   * Set in an inference checkpoint (`inferenceCheckpoint`): it holds only the
   * network that draws samples — `generator`, `ema` (G's moving average) or
   * `decoder` — so it can be sampled, evaluated and exported, not resumed.
   */
  inference: z.object({ weights: z.enum(['generator', 'ema', 'decoder']) }).optional(),
  weights: z.object({
    specs: z.array(specSchema),
    byteLength: z.number().int().nonnegative(),
    /** FNV-1a of weights.bin, hex: catches truncated or corrupted files. */
    checksum: z.string().regex(/^[0-9a-f]{8}$/),
  }),
});

/**
 * checkpoint.json: everything needed to continue a run exactly — run config,
 * model, step and data-order position (all randomness derives from the seed
 * and the step, so these are the whole RNG state), and the manifest of
 * weights.bin (G, D and the optimizers' slots, in tfjs's weight format).
 */
export type CheckpointManifest = Omit<
  z.infer<typeof manifestSchema>,
  'config' | 'progress' | 'weights'
> & {
  config: Record<string, unknown>;
  progress: { step: number; dUpdates: number; batches: BatchState };
  weights: { specs: tf.io.WeightsManifestEntry[]; byteLength: number; checksum: string };
};

/** A checkpoint in memory: the manifest and the bytes of weights.bin. */
export interface Checkpoint {
  manifest: CheckpointManifest;
  weights: ArrayBuffer;
}

/** A checkpoint that cannot be used; the message says what does not match. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** checkpoint.json's text: the manifest as `writeCheckpoint` writes it, and a page saves it. */
export function checkpointJson(manifest: CheckpointManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * `parseCheckpoint` of checkpoint.json's text, as read from disk or picked in
 * a page; text that is not JSON is refused naming `source`.
 */
export function parseCheckpointFiles(
  text: string,
  weights: ArrayBuffer,
  source: string,
): Checkpoint {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(
      `${source}: checkpoint.json is not valid JSON: ${(e as Error).message}`,
    );
  }
  return parseCheckpoint(json, weights, source);
}

/**
 * Validates checkpoint.json and weights.bin together. Never trusts sizes in
 * the manifest: they are checked against the actual bytes before decoding.
 *
 * @param source names the checkpoint in error messages
 */
export function parseCheckpoint(json: unknown, weights: ArrayBuffer, source: string): Checkpoint {
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${source}: not a latent checkpoint (format ${JSON.stringify(format)})`,
    );
  }
  const version = (json as { version?: unknown }).version;
  if (version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `${source}: checkpoint format version ${JSON.stringify(version)}; this version of latent reads version ${CHECKPOINT_VERSION}`,
    );
  }
  const parsed = manifestSchema.safeParse(json);
  const invalid = (issues: z.core.$ZodIssue[], prefix: PropertyKey[] = []) => {
    const problems = issues.map(
      (i) => `${[...prefix, ...i.path].map(String).join('.') || '(root)'}: ${i.message}`,
    );
    return new CheckpointError(`${source}: checkpoint.json is invalid: ${problems.join('; ')}`);
  };
  if (!parsed.success) throw invalid(parsed.error.issues);
  const configSchema = parsed.data.kind === 'gan' ? ganRunConfigSchema : vaeRunConfigSchema;
  const config = configSchema.safeParse(parsed.data.config);
  if (!config.success) throw invalid(config.error.issues, ['config']);
  const manifest = { ...parsed.data, config: config.data } as CheckpointManifest;
  const expected = manifest.weights.specs.reduce((n, s) => n + specBytes(s), 0);
  if (expected !== manifest.weights.byteLength) {
    throw new CheckpointError(
      `${source}: the weight specs add up to ${expected} bytes but the manifest says ${manifest.weights.byteLength}`,
    );
  }
  if (weights.byteLength !== manifest.weights.byteLength) {
    throw new CheckpointError(
      `${source}: weights.bin has ${weights.byteLength} bytes, the manifest expects ${manifest.weights.byteLength} (truncated or from another checkpoint)`,
    );
  }
  const sum = fnv1a(weights);
  if (sum !== manifest.weights.checksum) {
    throw new CheckpointError(
      `${source}: weights.bin is corrupted (checksum ${sum}, expected ${manifest.weights.checksum})`,
    );
  }
  return { manifest, weights };
}

/** Which network an inference checkpoint keeps. */
export type InferenceWeights = 'generator' | 'ema' | 'decoder';

/**
 * A checkpoint reduced to the network that draws samples: a GAN's generator
 * (or the moving average of G when the run kept one and `ema` is not false),
 * a VAE's decoder — without the other network and the optimizer state, so a
 * fraction of the size. With `float16`, its weights are stored as half
 * floats (tfjs's `quantization: { dtype: 'float16' }`; `loadParams` reads
 * them back as float32): half the size again, at ~3 significant digits.
 * `samplerFromCheckpoint`, `latent sample`, `latent eval` and `latent
 * export` read it like any checkpoint; `restore` refuses it (marked in
 * `manifest.inference`). Pure: no tensors.
 */
export function inferenceCheckpoint(
  { manifest, weights }: Checkpoint,
  options: { ema?: boolean; float16?: boolean } = {},
): Checkpoint {
  const specs = manifest.weights.specs;
  const kept = specs.some((s) => s.name.startsWith('ema.'));
  const network: InferenceWeights =
    manifest.inference?.weights ??
    (manifest.kind === 'vae' ? 'decoder' : kept && options.ema !== false ? 'ema' : 'generator');
  if (options.ema === true && network !== 'ema')
    throw new CheckpointError('the checkpoint holds no moving average of G');
  const chosen: { spec: tf.io.WeightsManifestEntry; bytes: Uint8Array }[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = specBytes(spec);
    if (spec.name.startsWith(`${network}.`))
      chosen.push({ spec, bytes: new Uint8Array(weights, offset, size) });
    offset += size;
  }
  if (chosen.length === 0) throw new CheckpointError(`the checkpoint holds no ${network} weights`);
  const out: { spec: tf.io.WeightsManifestEntry; bytes: Uint8Array }[] = chosen.map(
    ({ spec, bytes }) => {
      if (!options.float16 || spec.quantization) return { spec, bytes };
      // Copied, so the float32 view is aligned whatever the offset.
      const values = new Float32Array(bytes.slice().buffer);
      const half = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) half[i] = toFloat16Bits(values[i]!);
      return {
        spec: { ...spec, quantization: { dtype: 'float16' } },
        bytes: new Uint8Array(half.buffer),
      };
    },
  );
  const byteLength = out.reduce((n, o) => n + o.bytes.length, 0);
  const data = new Uint8Array(byteLength);
  let at = 0;
  for (const o of out) {
    data.set(o.bytes, at);
    at += o.bytes.length;
  }
  const { run: _run, ...rest } = manifest;
  return {
    manifest: {
      ...rest,
      inference: { weights: network },
      weights: { specs: out.map((o) => o.spec), byteLength, checksum: fnv1a(data.buffer) },
    },
    weights: data.buffer,
  };
}
