#!/usr/bin/env node
// Lays out a real colour image set for `latent train --dataset <folder>`: the 1,911 Twemoji
// images (64x64 RGBA PNGs, CC-BY 4.0 by Twitter) that the npm package emoji-datasource-twitter
// ships, one sub-folder per emoji category (so conditional models get 10 classes).
//
//   node scripts/emoji-dataset.mjs [dest]      (default dest: data/emoji)
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PACKAGE = 'emoji-datasource-twitter@16.0.0';
const dest = resolve(process.argv[2] ?? 'data/emoji');
if (existsSync(join(dest, '.complete'))) {
  console.log(`emoji: ${dest} is ready`);
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'latent-emoji-'));
try {
  console.log(`emoji: fetching ${PACKAGE} from the npm registry`);
  const tarball = execFileSync('npm', ['pack', '--silent', PACKAGE], {
    cwd: work,
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['xzf', tarball, 'package/emoji.json', 'package/img/twitter/64'], {
    cwd: work,
  });
  const emoji = JSON.parse(readFileSync(join(work, 'package', 'emoji.json'), 'utf8'));
  const slug = (category) =>
    category
      .toLowerCase()
      .replace(/&/g, 'and')
      .replace(/[^a-z0-9]+/g, '-');
  let count = 0;
  for (const e of emoji) {
    if (!e.has_img_twitter) continue;
    const folder = join(dest, slug(e.category));
    mkdirSync(folder, { recursive: true });
    copyFileSync(join(work, 'package', 'img', 'twitter', '64', e.image), join(folder, e.image));
    count++;
  }
  writeFileSync(join(dest, '.complete'), `${PACKAGE}\n`);
  console.log(`emoji: ${count} images in ${dest}, one folder per category`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
