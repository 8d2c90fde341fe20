import { join } from 'node:path';
import { BACKENDS, initBackend } from '@latent/backend';
import { FORMATS, ONNX_OPSET, PARTS } from '@latent/export';
import { exportToFiles, importToRun } from '@latent/export/node';
import { datedRunName } from '@latent/train/node';
import { type Command, Option } from 'commander';

/** `latent export` and `latent import`: the library's functions behind two commands. */
export function addExportCommands(program: Command): void {
  program
    .command('export')
    .summary('write a trained network as ONNX, a tfjs LayersModel or PyTorch safetensors')
    .description(
      `Export one network of a checkpoint — a checkpoint folder, or a run folder whose newest checkpoint is used — for use outside latent: onnx (opset ${ONNX_OPSET}; onnxruntime, onnxruntime-web), tfjs (a tfjs-layers LayersModel: model.json + weights.bin), safetensors (PyTorch's layout and names for the modules in @latent/export's python/latent_models.py). Batch norm is exported in its inference form, spectral norm folded into the weights.`,
    )
    .argument(
      '<run-or-checkpoint>',
      'e.g. runs/gan-mnist-20261126-101500 or .../checkpoints/step-00000500',
    )
    .addOption(
      new Option('--format <format>', 'onnx, tfjs or safetensors')
        .choices(FORMATS)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--part <part>',
        'the network to export (default: generator for GANs, decoder for VAEs)',
      ).choices(PARTS),
    )
    .option('--ema', "export the moving average of G's weights (runs trained with --ema)", false)
    .option(
      '--out <path>',
      'file to write (onnx, safetensors) or folder (tfjs) (default: <run>/export/<part>.<format>, <run>/export/<part>-tfjs/)',
    )
    .addOption(
      new Option('--backend <name>', 'tfjs backend that reads the checkpoint')
        .choices(BACKENDS)
        .default('cpu'),
    )
    .action(async (target: string, o) => {
      await initBackend(o.backend);
      const t0 = performance.now();
      const done = await exportToFiles(target, {
        format: o.format,
        part: o.part,
        ema: o.ema,
        out: o.out,
      });
      process.stderr.write(
        `latent: ${done.model} ${done.part}${o.ema ? ' (EMA)' : ''} at step ${done.step} -> ${done.paths.join(', ')} (${((performance.now() - t0) / 1000).toFixed(2)} s)\n`,
      );
    });

  program
    .command('import')
    .summary('make a latent checkpoint from PyTorch safetensors')
    .description(
      'Make a run folder holding one checkpoint from safetensors files — one per network, as `latent export --format safetensors` writes them and python/latent_models.py saves them back — so `latent sample` and `latent eval` work on weights trained under PyTorch. Networks no file supplies start fresh.',
    )
    .argument(
      '<files...>',
      'safetensors files, e.g. generator.safetensors discriminator.safetensors',
    )
    .requiredOption('--model <name>', 'the zoo model the weights are for, see `latent models`')
    .addOption(
      new Option(
        '--dataset <name>',
        'the data the model is for (its images, and what eval compares with)',
      )
        .choices(['mnist', 'fashion-mnist'])
        .default('mnist'),
    )
    .option('--out <dir>', 'the run folder to create (default: runs/import-<model>-<date>-<time>)')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('cpu'))
    .action(async (files: string[], o) => {
      await initBackend(o.backend);
      const out = o.out ?? join('runs', datedRunName(`import-${o.model}`));
      const { checkpoint } = await importToRun(files, out, { model: o.model, dataset: o.dataset });
      process.stderr.write(`latent: ${files.length} file(s) of ${o.model} -> ${checkpoint}\n`);
    });
}
