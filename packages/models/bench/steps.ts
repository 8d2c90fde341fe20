/**
 * Forward+backward training steps per second of every zoo model, per backend,
 * at the batch size of each model's paper; then where a DCGAN step's time goes
 * on wasm (the filter gradient's share, and the built-in input-gradient kernel
 * for comparison).
 *
 *   pnpm --filter @latent/models bench [--steps 5] [--backends wasm,cpu] [--models dcgan,mlp-vae]
 *
 * A GAN step is one discriminator update and one generator update (k = 1,
 * cross-entropy from logits, or the critic's Wasserstein estimate without its
 * gradient penalty; AC-GAN adds its class terms); a VAE step is one update on
 * the negative ELBO. Plain SGD: the point is the model's forward and backward
 * passes, not the optimizer. One warm-up step, then the median of `--steps`
 * timed steps; where the first step takes over 10 s (cpu on the conv models,
 * minutes per step at these batch sizes) that step is the measurement.
 */
import { initBackend, useFastWasmConv2DBackpropInput } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import {
  acgan,
  conditionalGan,
  conditionalVae,
  convVae,
  dcgan,
  disposeParams,
  type GanModel,
  mlpGan,
  mlpVae,
  type ParamTree,
  reparameterize,
  sampleLabels,
  sngan,
  toyGan,
  trainableVariables,
  type VaeModel,
  wganGp,
} from '../src/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const backends = flag('backends', 'wasm,cpu').split(',');
const steps = Number(flag('steps', '5'));
const only = flag('models', '');

type Entry =
  | { label: string; kind: 'gan'; make: () => GanModel }
  | { label: string; kind: 'vae'; make: () => VaeModel };

// Cheap models first, so a cpu run that is cut short still reports them.
const entries: Entry[] = [
  { label: 'toy-gan 2-D', kind: 'gan', make: () => toyGan() },
  { label: 'mlp-vae 28x28', kind: 'vae', make: () => mlpVae() },
  { label: 'cvae 28x28', kind: 'vae', make: () => conditionalVae() },
  { label: 'mlp-gan 28x28 (2014)', kind: 'gan', make: () => mlpGan() },
  { label: 'conv-vae 28x28', kind: 'vae', make: () => convVae() },
  { label: 'dcgan 28x28x1', kind: 'gan', make: () => dcgan() },
  { label: 'cgan 28x28x1', kind: 'gan', make: () => conditionalGan() },
  { label: 'acgan 28x28x1', kind: 'gan', make: () => acgan() },
  { label: 'wgan-gp 28x28x1', kind: 'gan', make: () => wganGp() },
  { label: 'dcgan 32x32x3', kind: 'gan', make: () => dcgan({ imageShape: [32, 32, 3] }) },
  { label: 'sngan 32x32x3', kind: 'gan', make: () => sngan() },
].filter((e) => !only || only.split(',').some((m) => e.label.startsWith(m))) as Entry[];

const LR = 1e-3;

function sgd(vars: tf.Variable[], loss: () => tf.Scalar): tf.Scalar {
  const { value, grads } = tf.variableGrads(loss, vars);
  for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, LR)));
  return value;
}

/** One GAN iteration (D update, then G update); resolves when it has run. */
function ganStepper(model: GanModel): { step: (i: number) => Promise<void>; dispose: () => void } {
  const b = model.paperBatchSize ?? 64;
  const { generator, discriminator } = model.init(0);
  const [h, w, c] = model.imageShape;
  const shape = model.layout === 'flat' ? [b, h * w * c] : [b, h, w, c];
  const x = tf.randomUniform(shape, -1, 1, 'float32', 1);
  const dVars = trainableVariables(discriminator);
  const gVars = trainableVariables(generator);
  const wgan = model.loss === 'wasserstein';
  const score = (
    d: ParamTree,
    images: tf.Tensor,
    opts: Parameters<GanModel['discriminate']>[2],
    real: boolean,
  ) => {
    if (model.discriminateWithClasses && opts.labels) {
      const { logits, classLogits } = model.discriminateWithClasses(d, images, opts);
      const ce = tf.losses.softmaxCrossEntropy(
        tf.oneHot(opts.labels, model.numClasses!),
        classLogits,
      );
      return tf.add(tf.mean(tf.softplus(real ? tf.neg(logits) : logits)), ce);
    }
    const l = model.discriminate(d, images, opts);
    if (wgan) return real ? tf.neg(tf.mean(l)) : tf.mean(l);
    return tf.mean(tf.softplus(real ? tf.neg(l) : l));
  };
  const step = async (i: number) => {
    const loss = tf.tidy(() => {
      const labels = model.numClasses ? sampleLabels(b, model.numClasses, i) : undefined;
      const opts = { training: true, seed: i, labels };
      const fake = model.generate(generator, model.sampleNoise(b, i), opts);
      sgd(
        dVars,
        () =>
          tf.add(
            score(discriminator, x, opts, true),
            score(discriminator, fake, opts, false),
          ) as tf.Scalar,
      );
      return sgd(gVars, () => {
        const f = model.generate(generator, model.sampleNoise(b, i + 1), opts);
        // Non-saturating G loss (or -E f(G(z)) for a critic): the "real" side of D's loss on fakes.
        return score(discriminator, f, opts, true) as tf.Scalar;
      });
    });
    await loss.data();
    loss.dispose();
  };
  return {
    step,
    dispose: () => {
      x.dispose();
      disposeParams(generator);
      disposeParams(discriminator);
    },
  };
}

function vaeStepper(model: VaeModel): { step: (i: number) => Promise<void>; dispose: () => void } {
  const b = model.paperBatchSize ?? 100;
  const { encoder, decoder } = model.init(0);
  const [h, w, c] = model.imageShape;
  const shape = model.layout === 'flat' ? [b, h * w * c] : [b, h, w, c];
  const x = tf.randomUniform(shape, 0, 1, 'float32', 1);
  const vars = [...trainableVariables(encoder), ...trainableVariables(decoder)];
  const step = async (i: number) => {
    const loss = tf.tidy(() =>
      sgd(vars, () => {
        const labels = model.numClasses ? sampleLabels(b, model.numClasses, i) : undefined;
        const opts = { training: true, seed: i, labels };
        const { mean, logVar } = model.encode(encoder, x, opts);
        const logits = tf.reshape(model.decode(decoder, reparameterize(mean, logVar, i), opts), [
          b,
          -1,
        ]);
        const nll = tf.sum(tf.sub(tf.softplus(logits), tf.mul(tf.reshape(x, [b, -1]), logits)));
        const kl = tf.mul(
          -0.5,
          tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mean)), tf.exp(logVar))),
        );
        return tf.div(tf.add(nll, kl), b) as tf.Scalar;
      }),
    );
    await loss.data();
    loss.dispose();
  };
  return {
    step,
    dispose: () => {
      x.dispose();
      disposeParams(encoder);
      disposeParams(decoder);
    },
  };
}

function stepper(e: Entry) {
  return e.kind === 'gan' ? ganStepper(e.make()) : vaeStepper(e.make());
}

/**
 * Median seconds per step after one untimed warm-up step — except where the
 * first step takes over 10 s (the cpu backend on conv models): then that one
 * step is the measurement.
 */
async function time(e: Entry): Promise<number> {
  const s = stepper(e);
  const t0 = performance.now();
  await s.step(0);
  const first = (performance.now() - t0) / 1000;
  if (first > 10) {
    s.dispose();
    return first;
  }
  const times: number[] = [];
  for (let i = 1; i <= steps; i++) {
    const t = performance.now();
    await s.step(i);
    times.push(performance.now() - t);
  }
  s.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]! / 1000;
}

console.log(
  `node ${process.version}, ${process.platform}-${process.arch}; tfjs ${tf.version_core}; one warm-up step, then the median of ${steps} (a first step over 10 s is the measurement)`,
);
console.log('model                  backend  batch   steps/s   s/step  examples/s');
for (const backend of backends) {
  await initBackend(backend);
  for (const e of entries) {
    const batch = e.make().paperBatchSize ?? 0;
    const s = await time(e);
    console.log(
      `${e.label.padEnd(22)} ${backend.padEnd(7)} ${String(batch).padStart(6)} ${(1 / s).toFixed(3).padStart(9)} ${s.toFixed(3).padStart(8)} ${(batch / s).toFixed(0).padStart(11)}`,
    );
  }
}

if (backends.includes('wasm') && (!only || only.includes('dcgan'))) {
  await initBackend('wasm');
  const dcganEntry = entries.find((e) => e.label === 'dcgan 28x28x1') ?? {
    label: 'dcgan 28x28x1',
    kind: 'gan' as const,
    make: () => dcgan(),
  };
  const s = stepper(dcganEntry);
  await s.step(0);
  const t0 = performance.now();
  const profile = await tf.profile(() => s.step(1));
  const wall = performance.now() - t0;
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels)
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
  console.log(
    `\nDCGAN 28x28x1, batch 128, one step on wasm (tf.profile): ${wall.toFixed(0)} ms wall, ${total.toFixed(0)} ms in kernels`,
  );
  for (const [name, ms] of [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8))
    console.log(
      `  ${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}% of kernel time`,
    );
  s.dispose();
  useFastWasmConv2DBackpropInput(false);
  const builtin = await time(dcganEntry);
  useFastWasmConv2DBackpropInput(true);
  const fast = await time(dcganEntry);
  console.log(
    `DCGAN step with the built-in Conv2DBackpropInput: ${(1 / builtin).toFixed(3)} steps/s; with the sub-pixel kernel: ${(1 / fast).toFixed(3)} steps/s`,
  );
}
