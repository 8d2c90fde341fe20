// Property tests for what a run reads from outside: checkpoint.json (any JSON a
// file could hold), weights.bin (any bytes) and run configs. Whatever the
// input, the result is a valid checkpoint/config or the package's clear error
// — never a TypeError/RangeError from deep inside, never a hang, never an
// allocation sized by a manifest field, and never prototype pollution.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fnv1a } from '@latent/datasets';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  type CheckpointManifest,
  parseCheckpoint,
} from './checkpoint.js';
import { resolveGanRunConfig } from './config.js';
import { readCheckpoint } from './node.js';

/** FUZZ_SCALE=20 runs each property 20 times longer, for a deeper search by hand. */
const runs = (n: number): number => Math.round(n * Number(process.env.FUZZ_SCALE ?? 1));

afterEach(() => {
  // JSON.parse makes `__proto__` an own key; only a careless merge or assignment
  // would turn it into a prototype. Nothing here may have done so.
  expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
});

/** Fails the property unless `parse` returns or throws `type`, with the source named; bounded in time. */
function outcome<T>(type: new (...args: never[]) => Error, parse: () => T): T | undefined {
  const start = performance.now();
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof type) || e.constructor !== type) {
      throw new Error(`expected a ${type.name}, got ${(e as Error)?.name}: ${String(e)}`, {
        cause: e,
      });
    }
    return undefined;
  } finally {
    expect(performance.now() - start).toBeLessThan(2_000);
  }
}

/** A valid checkpoint of a tiny model: three tensors, 4 * (6 + 3 + 1) bytes. */
function validCheckpoint(): { manifest: CheckpointManifest; weights: ArrayBuffer } {
  const weights = new Float32Array(10).map((_, i) => i / 10).buffer;
  return {
    manifest: {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      kind: 'gan',
      createdAt: '2026-01-01T00:00:00.000Z',
      model: { name: 'mlp-gan', config: { generatorHidden: [3] } },
      config: resolveGanRunConfig({ maxSteps: 5 }),
      data: { name: 'mnist', count: 100 },
      progress: { step: 3, dUpdates: 3, batches: { seed: 0, epoch: 0, batch: 3 } },
      weights: {
        specs: [
          { name: 'gen.dense0.kernel', shape: [2, 3], dtype: 'float32' },
          { name: 'gen.dense0.bias', shape: [3], dtype: 'float32' },
          { name: 'step', shape: [], dtype: 'float32' },
        ],
        byteLength: 40,
        checksum: fnv1a(weights),
      },
    },
    weights,
  };
}

/** JSON values as a file could hold them, with keys that attack prototypes now and then. */
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted', 'toString');
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.constantFrom(0, -1, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, -0),
    fc.string({ maxLength: 12 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 8 })), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

/** Sets `value` at a path in a JSON tree (as text, so `__proto__` becomes an own key as in a file). */
function replaceAt(tree: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || tree === null || typeof tree !== 'object') return value;
  const keys = Object.keys(tree);
  if (keys.length === 0) return tree;
  const key = keys[path[0]! % keys.length]!;
  const copy = (Array.isArray(tree) ? [...tree] : { ...tree }) as Record<string, unknown>;
  Object.defineProperty(copy, key, {
    value: replaceAt((tree as Record<string, unknown>)[key], path.slice(1), value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** Re-reads a value the way readCheckpoint reads a file. */
const asFile = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('parseCheckpoint under fuzzing', () => {
  it('the valid checkpoint used below parses', () => {
    const { manifest, weights } = validCheckpoint();
    expect(parseCheckpoint(asFile(manifest), weights, 'ckpt').manifest.progress.step).toBe(3);
  });

  it('any JSON and any bytes: a CheckpointError naming the source', () => {
    fc.assert(
      fc.property(json, fc.uint8Array({ maxLength: 64 }), (manifest, bytes) => {
        try {
          parseCheckpoint(manifest, bytes.slice().buffer, 'ckpt-x');
          expect.unreachable('random JSON is not a checkpoint');
        } catch (e) {
          expect(e).toBeInstanceOf(CheckpointError);
          expect((e as Error).message.startsWith('ckpt-x: ')).toBe(true);
        }
      }),
      { numRuns: runs(2_000) },
    );
  });

  it('a valid manifest with one field replaced by any JSON (including __proto__ keys)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), json, (path, value) => {
        const { manifest, weights } = validCheckpoint();
        const mutated = asFile(replaceAt(manifest, path, value));
        const parsed = outcome(CheckpointError, () => parseCheckpoint(mutated, weights, 'ckpt'));
        if (parsed) {
          // Accepted: then the sizes it promises are the bytes it has.
          expect(parsed.weights.byteLength).toBe(parsed.manifest.weights.byteLength);
          const declared = parsed.manifest.weights.specs.reduce(
            (n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1),
            0,
          );
          expect(declared).toBe(weights.byteLength);
        }
      }),
      { numRuns: runs(3_000) },
    );
  });

  it('__proto__ and constructor keys anywhere in the file pollute nothing', () => {
    const { manifest, weights } = validCheckpoint();
    const text = JSON.stringify(manifest)
      .replace(
        '"format":',
        '"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"format":',
      )
      .replace('"generatorHidden":', '"__proto__":{"polluted":3},"generatorHidden":')
      .replace('"seed":0,"epoch"', '"seed":0,"__proto__":{"polluted":4},"epoch"');
    const parsed = parseCheckpoint(JSON.parse(text), weights, 'ckpt');
    // Unknown keys are dropped from what the schema knows; the model config is kept as data.
    expect(Object.getPrototypeOf(parsed.manifest)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(parsed.manifest.progress.batches)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed.manifest, '__proto__')).toBe(false);
    // In the run config: refused by the strict schema, or dropped on the way
    // (a record schema may skip the key); either way nothing reaches the result.
    const badConfig = JSON.stringify(manifest).replace(
      '"dataset":',
      '"__proto__":{"polluted":5,"batchSize":-1},"dataset":',
    );
    const withConfig = outcome(CheckpointError, () =>
      parseCheckpoint(JSON.parse(badConfig), weights, 'ckpt'),
    );
    if (withConfig) {
      const config = withConfig.manifest.config as Record<string, unknown>;
      expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
      expect(config.polluted).toBeUndefined();
      expect(config.batchSize).toBe(manifest.config.batchSize);
    }
  });

  it('weights.bin truncated, extended or with any byte changed is refused', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ cut: fc.integer({ min: 0, max: 39 }) }),
          fc.record({ extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
          fc.record({
            at: fc.integer({ min: 0, max: 39 }),
            mask: fc.integer({ min: 1, max: 255 }),
          }),
        ),
        (m) => {
          const { manifest, weights } = validCheckpoint();
          let bytes = new Uint8Array(weights);
          if ('cut' in m) bytes = bytes.slice(0, m.cut);
          if ('extra' in m) bytes = new Uint8Array([...bytes, ...m.extra]);
          if ('at' in m) bytes[m.at]! ^= m.mask;
          // FNV-1a's steps are bijections, so one changed byte always changes the sum.
          expect(() => parseCheckpoint(asFile(manifest), bytes.buffer, 'ckpt')).toThrow(
            /^ckpt: weights\.bin (has \d+ bytes|is corrupted)/,
          );
        },
      ),
      { numRuns: runs(500) },
    );
  });

  it('huge declared shapes are compared with the bytes, never allocated', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0, 1, 7, 65_536, 2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1), {
          maxLength: 5,
        }),
        (shape) => {
          const { manifest, weights } = validCheckpoint();
          const spec = { name: 'huge', shape, dtype: 'float32' as const };
          const bytes = 4 * shape.reduce((a, b) => a * b, 1);
          const m = asFile({
            ...manifest,
            weights: {
              ...manifest.weights,
              specs: [spec],
              byteLength: Number.isSafeInteger(bytes) ? bytes : 40,
            },
          });
          const parsed = outcome(CheckpointError, () => parseCheckpoint(m, weights, 'ckpt'));
          if (parsed) expect(bytes).toBe(40);
        },
      ),
      { numRuns: runs(500) },
    );
  });
});

describe('readCheckpoint under fuzzing', () => {
  it('checkpoint.json as any text (cut, garbage, JSON) and weights.bin as any bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latent-ckpt-fuzz-'));
    try {
      const { manifest, weights } = validCheckpoint();
      const valid = JSON.stringify(manifest);
      const text = fc.oneof(
        fc.nat({ max: valid.length - 1 }).map((n) => valid.slice(0, n)),
        fc.string({ maxLength: 40 }),
        json.map((v) => JSON.stringify(v) ?? ''),
        fc
          .tuple(fc.nat({ max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }))
          .map(([at, s]) => valid.slice(0, at) + s + valid.slice(at + 1)),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(text, fc.uint8Array({ maxLength: 48 }), async (t, bytes) => {
          const ckpt = join(dir, String(run++));
          await mkdir(ckpt);
          await writeFile(join(ckpt, 'checkpoint.json'), t);
          await writeFile(join(ckpt, 'weights.bin'), bytes);
          await expect(readCheckpoint(ckpt)).rejects.toThrow(CheckpointError);
          await expect(readCheckpoint(ckpt)).rejects.toThrow(ckpt);
        }),
        { numRuns: runs(300) },
      );
      // And the untouched pair reads back.
      const ok = join(dir, 'ok');
      await mkdir(ok);
      await writeFile(join(ok, 'checkpoint.json'), valid);
      await writeFile(join(ok, 'weights.bin'), new Uint8Array(weights));
      expect((await readCheckpoint(ok)).manifest.progress.step).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveGanRunConfig under fuzzing', () => {
  const field = fc.constantFrom(
    'seed',
    'epochs',
    'maxSteps',
    'batchSize',
    'k',
    'loss',
    'labelSmoothing',
    'optimizer',
    'learningRate',
    'momentum',
    'beta1',
    'sampleCount',
    'collapseThreshold',
  );

  /** Plain errors beginning "Invalid run config:", as the CLI and the web form show them. */
  function resolved(input: unknown) {
    return outcome(Error, () => {
      try {
        return resolveGanRunConfig(input);
      } catch (e) {
        expect((e as Error).message).toMatch(/^Invalid run config:\n {2}\S/);
        throw e;
      }
    });
  }

  it('any JSON value: a config or an error listing the bad fields', () => {
    fc.assert(
      fc.property(json, (input) => {
        const config = resolved(asFile(input));
        if (config) expect(config.batchSize).toBeGreaterThan(0);
      }),
      { numRuns: runs(2_000) },
    );
  });

  it('known fields with any JSON values, plus __proto__ / constructor keys', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(field, hostileKey), json, { maxKeys: 5 }), (input) => {
        const text = JSON.stringify(input);
        const config = resolved(JSON.parse(text));
        if (config) {
          // Every value of an accepted config has the type the schema promises.
          for (const key of ['seed', 'epochs', 'batchSize', 'k', 'sampleCount'] as const) {
            expect(Number.isSafeInteger(config[key])).toBe(true);
          }
          expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
          for (const key of ['__proto__', 'constructor', 'prototype', 'polluted'])
            expect(Object.hasOwn(config, key)).toBe(false);
        }
      }),
      { numRuns: runs(2_000) },
    );
  });

  it('a __proto__ key in a config file is refused by name', () => {
    expect(() => resolveGanRunConfig(JSON.parse('{"__proto__":{"batchSize":-1}}'))).toThrow(
      /Invalid run config:\n {2}\(config\): Unrecognized key: "__proto__"/,
    );
  });
});
