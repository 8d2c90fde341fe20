import type { BackendName } from '@latent/backend';
import { type MetricReport, metricText } from '@latent/metrics';
import { fetchCheckpointFiles } from '@latent/train';
import type { FromWorker, PretrainedModel, ToWorker } from '../protocol.js';
import { $ } from './dom.js';

const pick = $('#pretrained-pick');
const select = $<HTMLSelectElement>('#pretrained-select');
const about = $('#pretrained-about');

/** Where the build serves the shipped models (Vite copies `public/` into it). */
const BASE = `${import.meta.env.BASE_URL}pretrained/`;

let models: PretrainedModel[] = [];
let send: (m: ToWorker) => void = () => {};
let backend: () => BackendName = () => 'wasm';

/** e.g. `fid 82.86 · is 5.87 · coverage 10/10 (KL 0.178)`: eval.json's scores as `latent eval` prints them. */
export function scoreLine(model: PretrainedModel): string {
  return Object.entries(model.scores)
    .filter(
      (entry): entry is [string, MetricReport] =>
        typeof (entry[1] as MetricReport)?.value === 'number',
    )
    .map(([name, report]) => `${name} ${metricText(name, report).value}`)
    .join(' · ');
}

function fail(model: PretrainedModel | undefined, message: string): void {
  about.classList.add('bad');
  about.textContent = `Could not open the pretrained ${model?.title ?? 'models'}: ${message}. Train a model instead; the page works without it.`;
}

/** Opens a shipped model in the worker, through the loader of "Open a checkpoint". */
async function open(model: PretrainedModel, to: 'explorer' | 'vae', replace: boolean) {
  try {
    const files = await fetchCheckpointFiles(`${BASE}${model.name}/`, `pretrained/${model.name}`);
    send({ type: 'pretrained', files, model, backend: backend(), to, replace });
  } catch (e) {
    fail(model, (e as Error).message);
  }
}

function describe(model: PretrainedModel | undefined): void {
  about.classList.remove('bad');
  about.textContent = model
    ? `${model.title}, step ${model.step}: ${scoreLine(model)} (latent eval). Trained with ${model.commands[0]}.`
    : '';
}

/**
 * At first visit, the explorer opens the first shipped GAN and the VAE tab
 * the shipped 2-D VAE (`public/pretrained/models.json`); a run or a
 * checkpoint the user opens replaces them. A missing or broken file only
 * says so: the page trains as before.
 */
export async function initPretrained(
  post: (m: ToWorker) => void,
  currentBackend: () => BackendName,
): Promise<void> {
  send = post;
  backend = currentBackend;
  select.addEventListener('change', () => {
    const model = models.find((m) => m.name === select.value);
    describe(model);
    if (model) void open(model, 'explorer', true);
  });
  try {
    const r = await fetch(`${BASE}models.json`);
    if (!r.ok) throw new Error(`models.json: HTTP ${r.status}`);
    const list = (await r.json()) as unknown;
    if (!Array.isArray(list)) throw new Error('models.json is not a list');
    models = list as PretrainedModel[];
  } catch (e) {
    fail(undefined, (e as Error).message);
    return;
  }
  select.replaceChildren(
    new Option('—', ''),
    ...models.map((m) => new Option(`${m.title} (${m.model})`, m.name)),
  );
  pick.hidden = false;
  const gan = models.find((m) => m.tab === 'explorer');
  const vae = models.find((m) => m.tab === 'vae');
  if (gan) await open(gan, 'explorer', false);
  if (vae) await open(vae, 'vae', false);
}

/** Keeps the selector and its line in step with what the explorer shows. */
export function onPretrainedMessage(message: FromWorker): boolean {
  switch (message.type) {
    case 'explorable': {
      const e = message.explorable;
      if (e?.pretrained) {
        const model = models.find((m) => m.name === e.pretrained);
        select.value = model?.name ?? '';
        describe(model);
      } else {
        select.value = '';
        describe(undefined);
      }
      return false;
    }
    case 'pretrained-error':
      fail(message.model, message.message);
      return false;
    default:
      return false;
  }
}
