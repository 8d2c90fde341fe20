// A dry run of the release flow: `pnpm changeset version` on a copy of the
// repository's manifests and pending changesets, in a temp folder. The real
// repository is never touched.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../..', import.meta.url));
const LIBRARIES = ['datasets', 'train', 'models', 'backend', 'vis', 'metrics', 'export'];

let copy: string;
/** Pending changesets and what they bump: package name -> bump kinds. */
const pending = new Map<string, Set<string>>();
let changesetFiles: string[];

/** Every workspace package folder (the globs of pnpm-workspace.yaml), relative to the root. */
function workspaceFolders(): string[] {
  return ['packages', 'apps', 'examples', 'tests'].flatMap((group) =>
    existsSync(join(repo, group))
      ? readdirSync(join(repo, group), { withFileTypes: true })
          .filter((d) => d.isDirectory() && existsSync(join(repo, group, d.name, 'package.json')))
          .map((d) => join(group, d.name))
      : [],
  );
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), 'latent-changesets-'));
  for (const f of ['package.json', 'pnpm-workspace.yaml']) await cp(join(repo, f), join(copy, f));
  await cp(join(repo, '.changeset'), join(copy, '.changeset'), { recursive: true });
  for (const folder of workspaceFolders()) {
    await mkdir(join(copy, folder), { recursive: true });
    for (const f of ['package.json', 'CHANGELOG.md']) {
      if (existsSync(join(repo, folder, f))) await cp(join(repo, folder, f), join(copy, folder, f));
    }
  }
  // The changesets CLI and its changelog module, resolved as in the repository.
  await symlink(join(repo, 'node_modules'), join(copy, 'node_modules'), 'dir');

  changesetFiles = readdirSync(join(repo, '.changeset')).filter(
    (f) => f.endsWith('.md') && f !== 'README.md',
  );
  for (const f of changesetFiles) {
    const text = await readFile(join(repo, '.changeset', f), 'utf8');
    const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
    for (const m of front.matchAll(/^["']?(@latent\/[\w-]+)["']?:\s*(major|minor|patch)\s*$/gm)) {
      const kinds = pending.get(m[1]!) ?? new Set<string>();
      kinds.add(m[2]!);
      pending.set(m[1]!, kinds);
    }
  }
});

afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
});

test('`pnpm changeset version` bumps versions, keeps workspace ranges and writes changelogs', async () => {
  expect(changesetFiles.length, 'pending changesets in .changeset/').toBeGreaterThan(0);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_)/i.test(k)),
  );
  const { stdout, stderr } = await run('pnpm', ['changeset', 'version'], {
    cwd: copy,
    env: { ...env, CI: 'true' },
  });
  expect(stderr).not.toMatch(/error/i);

  const bumped: string[] = [];
  for (const lib of LIBRARIES) {
    const before = await readJson(join(repo, 'packages', lib, 'package.json'));
    const after = await readJson(join(copy, 'packages', lib, 'package.json'));
    const kinds = pending.get(before.name) ?? new Set();
    // 0.x: a minor changeset bumps the minor, a patch one the patch (no major before 1.0 here).
    const [major, minor, patch] = before.version.split('.').map(Number);
    const expected = kinds.has('major')
      ? `${major + 1}.0.0`
      : kinds.has('minor')
        ? `${major}.${minor + 1}.0`
        : kinds.has('patch')
          ? `${major}.${minor}.${patch + 1}`
          : undefined;
    if (expected) {
      expect(after.version, `${before.name}`).toBe(expected);
      bumped.push(`${before.name} ${before.version} -> ${after.version}`);
      const log = await readFile(join(copy, 'packages', lib, 'CHANGELOG.md'), 'utf8');
      expect(log.startsWith(`# ${before.name}\n\n## ${expected}\n`)).toBe(true);
      expect(log).toMatch(kinds.has('minor') ? /### Minor Changes/ : /### (Patch|Major) Changes/);
    }
    // Internal dependencies stay on the workspace protocol, which still matches
    // the new versions; `pnpm pack`/`publish` turns them into ^<new version>.
    for (const field of ['dependencies', 'peerDependencies', 'devDependencies'] as const) {
      for (const [dep, range] of Object.entries<string>(after[field] ?? {})) {
        if (dep.startsWith('@latent/'))
          expect(range, `${before.name} ${field} ${dep}`).toBe('workspace:^');
        else expect(range, `${before.name} ${field} ${dep}`).toBe(before[field][dep]);
      }
    }
  }
  expect(bumped.length).toBeGreaterThan(0);

  // Every changeset's text made it into a changelog: first words of each summary.
  const logs = (
    await Promise.all(
      LIBRARIES.map((lib) =>
        readFile(join(copy, 'packages', lib, 'CHANGELOG.md'), 'utf8').catch(() => ''),
      ),
    )
  ).join('\n');
  for (const f of changesetFiles) {
    const body = (await readFile(join(repo, '.changeset', f), 'utf8')).split(/^---$/m)[2]!.trim();
    const firstWords = body.split(/\s+/).slice(0, 4).join(' ');
    expect(logs.replace(/\s+/g, ' '), `changelog entry of .changeset/${f}`).toContain(firstWords);
  }

  // Consumed in the copy, as a real release would; untouched in the repository.
  const left = readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md'));
  expect(left.filter((f) => f !== 'README.md')).toEqual([]);
  for (const f of changesetFiles) expect(existsSync(join(repo, '.changeset', f))).toBe(true);

  // The apps are in `ignore`: never versioned, no changelog.
  for (const app of ['apps/cli', 'apps/web']) {
    const before = await readJson(join(repo, app, 'package.json'));
    const after = await readJson(join(copy, app, 'package.json'));
    expect(after.version).toBe(before.version);
    expect(existsSync(join(copy, app, 'CHANGELOG.md'))).toBe(false);
  }
  console.log(
    `changeset version (dry run, ${changesetFiles.length} changesets): ${bumped.join(', ')}${stdout.trim() ? `\n${stdout.trim()}` : ''}`,
  );
}, 120_000);
