// Tests write runs, checkpoints and datasets under os.tmpdir(), a few hundred
// MB per suite; without this every `pnpm test` left them behind. TMPDIR is set
// before vitest starts its workers, so they, and the CLI processes they spawn,
// write inside one folder that is removed when the suite ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function useSuiteTempDir(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'latent-test-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
