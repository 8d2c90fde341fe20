"""PyTorch reference for `pnpm bench`: the same three models as latent's,
layer for layer and hyper-parameter for hyper-parameter, timed the same way.

- mlp-gan: Goodfellow et al. 2014 (latent's `mlpGan()`): G 100 -> 1200 ReLU ->
  1200 ReLU -> 784 sigmoid; D dropout(keep 0.8) -> maxout 240x5 ->
  dropout(keep 0.5) -> maxout 240x5 -> dropout(keep 0.5) -> 1 logit. SGD with
  momentum 0.5, learning rate 0.1; batch 100.
- dcgan: latent's `dcgan()` at 28x28x1: G dense 100 -> 7x7x128, BN, ReLU,
  4x4/2 transposed conv to 64 (no bias), BN, ReLU, 4x4/2 transposed conv to 1,
  tanh; D 4x4/2 conv to 64, leaky ReLU 0.2, 4x4/2 conv to 128 (no bias), BN,
  leaky ReLU, dense 6272 -> 1. Adam 2e-4, betas (0.5, 0.999); batch 64.
- mlp-vae: Kingma & Welling 2014 (latent's `mlpVae()`): encoder 784 -> 500
  tanh -> mean, log-variance (20 each); decoder 20 -> 500 tanh -> 784
  Bernoulli logits; Adam 1e-3; batch 100.

A GAN step is one discriminator update (a real batch and fresh z) and one
generator update (fresh z), the non-saturating generator loss; a VAE step is
one update on the negative ELBO. Data are random images of the right shape:
the point is the models' forward and backward passes. The bench compares the
parameter counts printed here with latent's, so a drift between the two
definitions shows.

`--model matmul` times one 1024 x 1024 x 1024 float32 product instead (batch =
1024), the matmul micro-benchmark's reference.

Usage: python3 bench/torch_speed.py --model mlp-gan --threads 1 --steps 20
Prints one JSON line; its "blas" says which BLAS, kernel and threads ran.
`pnpm bench` sets the BLAS up first (see apps/cli/bench/train-speed.ts).
"""

import argparse
import ctypes
import json
import os
import resource
import statistics
import time

import torch
from torch import nn
from torch.nn import functional as F


class Maxout(nn.Module):
    """A dense layer to units*pieces outputs, then the max over each unit's pieces."""

    def __init__(self, inputs: int, units: int, pieces: int):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(inputs, units * pieces)

    def forward(self, x):
        return self.linear(x).view(-1, self.units, self.pieces).max(dim=2).values


def mlp_gan():
    g = nn.Sequential(
        nn.Linear(100, 1200), nn.ReLU(),
        nn.Linear(1200, 1200), nn.ReLU(),
        nn.Linear(1200, 784), nn.Sigmoid(),
    )
    d = nn.Sequential(
        nn.Dropout(0.2), Maxout(784, 240, 5),
        nn.Dropout(0.5), Maxout(240, 240, 5),
        nn.Dropout(0.5), nn.Linear(240, 1),
    )
    opt = lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5)  # noqa: E731
    return g, d, opt, 100, (784,), lambda n: torch.rand(n, 100) * 2 * 3**0.5 - 3**0.5


class DcganG(nn.Module):
    def __init__(self):
        super().__init__()
        self.project = nn.Linear(100, 7 * 7 * 128)
        self.bn0 = nn.BatchNorm2d(128)
        self.deconv0 = nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.deconv1 = nn.ConvTranspose2d(64, 1, 4, 2, 1)

    def forward(self, z):
        a = F.relu(self.bn0(self.project(z).view(-1, 128, 7, 7)))
        a = F.relu(self.bn1(self.deconv0(a)))
        return torch.tanh(self.deconv1(a))


def dcgan():
    g = DcganG()
    d = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1),
    )
    opt = lambda p: torch.optim.Adam(p, lr=2e-4, betas=(0.5, 0.999))  # noqa: E731
    return g, d, opt, 64, (1, 28, 28), lambda n: torch.rand(n, 100) * 2 - 1


class MlpVae(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 500)
        self.mean = nn.Linear(500, 20)
        self.log_var = nn.Linear(500, 20)
        self.dec_hidden = nn.Linear(20, 500)
        self.out = nn.Linear(500, 784)

    def loss(self, x):
        h = torch.tanh(self.hidden(x))
        mean, log_var = self.mean(h), self.log_var(h)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        logits = self.out(torch.tanh(self.dec_hidden(z)))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
        kl = -0.5 * (1 + log_var - mean**2 - log_var.exp()).sum(1)
        return (rec + kl).mean()


def trainable(*modules):
    return sum(p.numel() for m in modules for p in m.parameters() if p.requires_grad)


def gan_stepper(make):
    g, d, opt, batch, shape, noise = make()
    g_opt, d_opt = opt(g.parameters()), opt(d.parameters())
    real = torch.rand(batch, *shape)
    if shape != (784,):
        real = real * 2 - 1

    def step():
        fake = g(noise(batch)).detach()
        d_loss = 0.5 * (F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean())
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        g_loss = F.softplus(-d(g(noise(batch)))).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()

    return step, batch, trainable(g, d)


def vae_stepper():
    vae = MlpVae()
    opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
    x = torch.rand(100, 784)

    def step():
        loss = vae.loss(x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step, 100, trainable(vae)


def blas():
    """The BLAS this process loaded, as a tuned user would check it: library
    file, OpenBLAS build config, CPU kernel (coretype), its threading model and
    thread count, and torch's own threads (threadpoolctl's view where it is
    installed)."""
    info = {"library": "unknown (no OpenBLAS in this process)"}
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "blas" not in path.rsplit("/", 1)[-1] or not path.startswith("/"):
            continue
        info["library"] = path
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["config"] = lib.openblas_get_config().decode()
            info["kernel"] = lib.openblas_get_corename().decode()
            info["threading"] = {0: "sequential", 1: "pthreads", 2: "openmp"}.get(
                lib.openblas_get_parallel(), "unknown"
            )
            info["blasThreads"] = lib.openblas_get_num_threads()
            break
        except (OSError, AttributeError):
            continue
    info["torchThreads"] = torch.get_num_threads()
    for var in ("OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LD_LIBRARY_PATH"):
        if os.environ.get(var):
            info[var] = os.environ[var]
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {k: p.get(k) for k in ("internal_api", "num_threads", "threading_layer", "filepath")}
            for p in threadpool_info()
        ]
    except ImportError:
        pass
    return info


def matmul_stepper(n=1024):
    """One n x n x n float32 product: the matmul row's reference."""
    a, b = torch.rand(n, n), torch.rand(n, n)
    out = torch.empty(n, n)

    def step():
        torch.mm(a, b, out=out)

    return step, n, 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp-gan", "dcgan", "mlp-vae", "matmul"], required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model == "mlp-gan":
        step, batch, params = gan_stepper(mlp_gan)
    elif args.model == "dcgan":
        step, batch, params = gan_stepper(dcgan)
    elif args.model == "mlp-vae":
        step, batch, params = vae_stepper()
    else:
        step, batch, params = matmul_stepper()
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(json.dumps({
        "model": args.model,
        "runtime": "torch",
        "parallel": args.threads,
        "batch": batch,
        "steps": args.steps,
        "params": params,
        "secondsPerStep": median,
        "bestSecondsPerStep": min(times),
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
        "blas": blas(),
    }))


if __name__ == "__main__":
    main()
