import type { ExportFormat, FromWorker, ToWorker } from '../protocol.js';
import { $ } from './dom.js';

const source = $('#export-source');
const format = $<HTMLSelectElement>('#export-format');
const button = $<HTMLButtonElement>('#export-button');
const links = $('#export-links');

/** Object URLs of the last export, revoked when replaced. */
let urls: string[] = [];

const kb = (bytes: number) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;

/**
 * "Download generator": the explorer's model (the run training last, the
 * checkpoint opened last, or the pretrained model) in a format of
 * `@latent/export`, made in the worker. One file downloads at once; the two
 * files of a tfjs model are offered as two links (browsers hold back a second
 * download a page starts by itself), to save into one folder.
 */
export function initExport(send: (m: ToWorker) => void): void {
  button.addEventListener('click', () => {
    button.disabled = true;
    links.classList.remove('bad');
    links.hidden = false;
    links.textContent = 'Exporting…';
    send({ type: 'export', format: format.value as ExportFormat });
  });
}

/** Watches the explorer's model (returns false for it, so the explorer sees it too) and shows exports. */
export function onExportMessage(message: FromWorker): boolean {
  switch (message.type) {
    case 'explorable': {
      const e = message.explorable;
      button.disabled = !e;
      source.textContent = e
        ? `The ${e.family === 'vae' ? 'decoder' : 'generator'} of ${e.source}, as latent export writes it.`
        : 'Train a model or open a checkpoint: this downloads its generator (a VAE’s decoder).';
      return false;
    }
    case 'exported': {
      for (const u of urls) URL.revokeObjectURL(u);
      const anchors = message.files.map((f) => {
        const a = document.createElement('a');
        a.href = URL.createObjectURL(new Blob([f.bytes], { type: 'application/octet-stream' }));
        a.download = f.path;
        a.textContent = `${f.path} (${kb(f.bytes.byteLength)})`;
        a.dataset.testid = `export-${f.path}`;
        return a;
      });
      urls = anchors.map((a) => a.href);
      const what = `${message.ema ? 'the moving average of G' : `the ${message.part}`} of ${message.source}`;
      const parts: (string | Node)[] = [`${what}: `];
      anchors.forEach((a, i) => {
        if (i > 0) parts.push(' + ');
        parts.push(a);
      });
      if (anchors.length > 1)
        parts.push(' — save both into one folder (model.json reads weights.bin beside it).');
      links.replaceChildren(...parts);
      links.hidden = false;
      button.disabled = false;
      if (anchors.length === 1) anchors[0]!.click();
      return true;
    }
    case 'export-error':
      links.textContent = `Cannot export: ${message.message}`;
      links.classList.add('bad');
      links.hidden = false;
      button.disabled = false;
      return true;
    default:
      return false;
  }
}
