#!/usr/bin/env bash
# Everything CI checks, from a fresh clone: set-up, lint, types, package builds,
# unit tests, the CLI test, plain-Node use of the built packages, and the web
# app in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --browser
pnpm lint
pnpm build
pnpm typecheck
pnpm test
