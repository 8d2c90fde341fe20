"""PyTorch modules of latent's model zoo, layer for layer, and safetensors I/O.

`latent export <run> --format safetensors` writes one network (a GAN's
generator or discriminator, a VAE's decoder or encoder) in PyTorch's layout
and with these modules' state-dict names; its metadata names the model, the
part and latent's config of it, so `load` rebuilds the right module:

    import latent_models
    g = latent_models.load("runs/my-run/export/generator.safetensors")
    images = g(torch.randn(16, g.noise_dim))      # [16, c, h, w], in g.pixel_range

Attribute names are latent's parameter names (`dense0`, `bn0`, `deconv1`, ...),
so a state dict maps one to one onto latent's checkpoint; `latent import`
reads back a file written by `save`. Images are NCHW here (latent's are NHWC;
the exporter reorders the weights, so these modules flatten and view images
as PyTorch code usually does). Conditional models take class indices (a
LongTensor [b]) as their second argument.

Only numpy and torch are needed (Debian: python3-torch); safetensors files
are read and written here without the `safetensors` package.
"""

import json
import struct

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "MlpGanGenerator", "MlpGanDiscriminator", "ConvGanGenerator", "ConvGanDiscriminator",
    "MlpVaeDecoder", "MlpVaeEncoder", "ConvVaeDecoder", "ConvVaeEncoder",
    "build", "load", "save", "read_safetensors", "write_safetensors",
]

CONV_GANS = ("dcgan", "cgan", "acgan", "wgan-gp", "sngan")


def _activation(a):
    if a == "linear":
        return nn.Identity()
    if a == "relu":
        return nn.ReLU()
    if a == "tanh":
        return nn.Tanh()
    if a == "sigmoid":
        return nn.Sigmoid()
    if isinstance(a, dict) and "leakyRelu" in a:
        return nn.LeakyReLU(a["leakyRelu"])
    raise ValueError(f"unknown activation {a!r}")


def _one_hot(label, classes):
    if label is None:
        raise ValueError("this conditional model needs class indices as its second argument")
    return F.one_hot(label.long(), classes).float()


def _same_pads(size, k, stride):
    """(before, after) zeros of TensorFlow's 'same' padding: an odd one goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


# ---------------------------------------------------------------- the 2014 MLP GAN


class MlpGanGenerator(nn.Module):
    """Goodfellow et al. 2014: z -> ReLU layers -> sigmoid pixels, viewed as [b, c, h, w] in [0, 1]."""

    pixel_range = "[0,1]"

    def __init__(self, config):
        super().__init__()
        self.noise_dim = config["noiseDim"]
        self.image_shape = tuple(config["imageShape"])
        h, w, c = self.image_shape
        widths = [config["noiseDim"], *config["generatorHidden"], h * w * c]
        self.depth = len(widths) - 1
        for i in range(self.depth):
            setattr(self, f"dense{i}", nn.Linear(widths[i], widths[i + 1]))

    def forward(self, z):
        x = z
        for i in range(self.depth):
            x = getattr(self, f"dense{i}")(x)
            x = torch.relu(x) if i < self.depth - 1 else torch.sigmoid(x)
        h, w, c = self.image_shape
        return x.view(-1, c, h, w)


class MlpGanDiscriminator(nn.Module):
    """The paper's D: dropout, maxout layers, one logit [b, 1]; takes images [b, c, h, w]."""

    def __init__(self, config):
        super().__init__()
        h, w, c = config["imageShape"]
        self.pieces = config["maxoutPieces"]
        widths = [h * w * c, *config["discriminatorHidden"]]
        self.depth = len(widths)
        self.input_dropout = nn.Dropout(1 - config["inputKeep"])
        self.hidden_dropout = nn.Dropout(1 - config["hiddenKeep"])
        self.units = config["discriminatorHidden"]
        for i in range(len(widths) - 1):
            setattr(self, f"dense{i}", nn.Linear(widths[i], widths[i + 1] * self.pieces))
        setattr(self, f"dense{len(widths) - 1}", nn.Linear(widths[-1], 1))

    def forward(self, images):
        a = self.input_dropout(images.flatten(1))
        for i, units in enumerate(self.units):
            a = getattr(self, f"dense{i}")(a).view(-1, units, self.pieces).max(dim=2).values
            a = self.hidden_dropout(a)
        return getattr(self, f"dense{self.depth - 1}")(a)


# ---------------------------------------------------------------- DCGAN and its family


class ConvGanGenerator(nn.Module):
    """DCGAN's G (also cgan's, acgan's, wgan-gp's and sngan's): dense to a small map, 4x4 stride-2
    transposed convs with batch norm and ReLU, tanh images [b, c, h, w] in [-1, 1]."""

    pixel_range = "[-1,1]"

    def __init__(self, config):
        super().__init__()
        self.noise_dim = config["noiseDim"]
        self.image_shape = tuple(config["imageShape"])
        h, w, c = self.image_shape
        gf = config["generatorFilters"]
        k = config["generatorKernelSize"]
        self.classes = config["classes"] if config["conditioning"] != "none" else 0
        self.start = (gf[0], h // 2 ** len(gf), w // 2 ** len(gf))
        self.batch_norm = config["generatorBatchNorm"]
        self.layers = len(gf)
        momentum = config["batchNormMomentum"]
        self.project = nn.Linear(self.noise_dim + self.classes, gf[0] * self.start[1] * self.start[2])
        if self.batch_norm:
            self.bn0 = nn.BatchNorm2d(gf[0], eps=1e-5, momentum=momentum)
        for i, f in enumerate(gf):
            last = i == len(gf) - 1
            out = c if last else gf[i + 1]
            setattr(self, f"deconv{i}", nn.ConvTranspose2d(
                f, out, k, 2, padding=(k - 2) // 2, bias=last or not self.batch_norm))
            if not last and self.batch_norm:
                setattr(self, f"bn{i + 1}", nn.BatchNorm2d(out, eps=1e-5, momentum=momentum))

    def forward(self, z, label=None):
        if self.classes:
            z = torch.cat([z, _one_hot(label, self.classes)], 1)
        a = self.project(z).view(-1, *self.start)
        if self.batch_norm:
            a = self.bn0(a)
        a = torch.relu(a)
        for i in range(self.layers):
            a = getattr(self, f"deconv{i}")(a)
            if i < self.layers - 1:
                if self.batch_norm:
                    a = getattr(self, f"bn{i + 1}")(a)
                a = torch.relu(a)
        return torch.tanh(a)


class ConvGanDiscriminator(nn.Module):
    """The conv D of the family: convs with TensorFlow's 'same' padding, batch norm where latent has
    it, leaky ReLU, a logit head [b, 1] (cgan: the one-hot class joins the features first; acgan:
    also class logits, returned as a pair). Spectral norm (sngan) is folded into the exported
    weights; to keep training with it, wrap the layers in torch.nn.utils.spectral_norm after
    loading (their spectral norm is then ~1)."""

    def __init__(self, config):
        super().__init__()
        h, w, c = config["imageShape"]
        norm = config["discriminatorNorm"]
        if norm == "layer":
            raise ValueError("a layer-normalized critic has no PyTorch module here yet")
        self.conditioning = config["conditioning"]
        self.num_classes = config["classes"]
        self.slope = config["leakySlope"]
        self.specs = config["discriminatorConvs"]
        self.pads = []
        size = (h, w)
        channels = c
        for i, spec in enumerate(self.specs):
            k, s = spec["kernelSize"], spec["stride"]
            top, bottom = _same_pads(size[0], k, s)
            left, right = _same_pads(size[1], k, s)
            self.pads.append((left, right, top, bottom))
            normalized = spec["normalize"] and norm == "batch"
            setattr(self, f"conv{i}", nn.Conv2d(channels, spec["filters"], k, s, bias=not normalized))
            if normalized:
                setattr(self, f"norm{i}", nn.BatchNorm2d(
                    spec["filters"], eps=1e-5, momentum=config["batchNormMomentum"]))
            size = (-(-size[0] // s), -(-size[1] // s))
            channels = spec["filters"]
        features = size[0] * size[1] * channels
        self.head = nn.Linear(features + (self.num_classes if self.conditioning == "concat" else 0), 1)
        if self.conditioning == "auxiliary":
            # latent's name for AC-GAN's class head.
            self.classes = nn.Linear(features, self.num_classes)

    def forward(self, images, label=None):
        a = images
        for i, pads in enumerate(self.pads):
            a = getattr(self, f"conv{i}")(F.pad(a, pads))
            if hasattr(self, f"norm{i}"):
                a = getattr(self, f"norm{i}")(a)
            a = F.leaky_relu(a, self.slope)
        f = a.flatten(1)
        if self.conditioning == "auxiliary":
            return self.head(f), self.classes(f)
        if self.conditioning == "concat":
            f = torch.cat([f, _one_hot(label, self.num_classes)], 1)
        return self.head(f)


# ---------------------------------------------------------------- VAEs


class MlpVaeDecoder(nn.Module):
    """Kingma & Welling's decoder p(x|z) (cvae: z joined by the one-hot class). `forward` gives
    E[x|z] as images [b, c, h, w] in [0, 1] (and, for a Gaussian decoder, the log-variance
    images); `logits` gives a Bernoulli decoder's logits, flat, for training."""

    pixel_range = "[0,1]"

    def __init__(self, config):
        super().__init__()
        self.noise_dim = config["latentDim"]
        self.image_shape = tuple(config["imageShape"])
        h, w, c = self.image_shape
        self.classes = config.get("classes", 0)
        self.gaussian = config.get("likelihood") == "gaussian"
        self.act = _activation(config["activation"])
        back = [config["latentDim"] + self.classes, *reversed(config["hidden"])]
        self.depth = len(back) - 1
        for i in range(self.depth):
            setattr(self, f"hidden{i}", nn.Linear(back[i], back[i + 1]))
        self.out = nn.Linear(back[-1], h * w * c)
        if self.gaussian:
            self.outLogVar = nn.Linear(back[-1], h * w * c)

    def _hidden(self, z, label):
        if self.classes:
            z = torch.cat([z, _one_hot(label, self.classes)], 1)
        for i in range(self.depth):
            z = self.act(getattr(self, f"hidden{i}")(z))
        return z

    def logits(self, z, label=None):
        return self.out(self._hidden(z, label))

    def forward(self, z, label=None):
        h, w, c = self.image_shape
        hidden = self._hidden(z, label)
        mean = torch.sigmoid(self.out(hidden)).view(-1, c, h, w)
        if not self.gaussian:
            return mean
        return mean, self.outLogVar(hidden).view(-1, c, h, w)


class MlpVaeEncoder(nn.Module):
    """q(z|x): images [b, c, h, w] (cvae: and class indices) -> (mean, logVar) [b, latentDim]."""

    def __init__(self, config):
        super().__init__()
        h, w, c = config["imageShape"]
        self.classes = config.get("classes", 0)
        self.act = _activation(config["activation"])
        widths = [h * w * c + self.classes, *config["hidden"]]
        self.depth = len(widths) - 1
        for i in range(self.depth):
            setattr(self, f"hidden{i}", nn.Linear(widths[i], widths[i + 1]))
        self.mean = nn.Linear(widths[-1], config["latentDim"])
        self.logVar = nn.Linear(widths[-1], config["latentDim"])

    def forward(self, images, label=None):
        a = images.flatten(1)
        if self.classes:
            a = torch.cat([a, _one_hot(label, self.classes)], 1)
        for i in range(self.depth):
            a = self.act(getattr(self, f"hidden{i}")(a))
        return self.mean(a), self.logVar(a)


class ConvVaeDecoder(nn.Module):
    """The conv VAE's decoder: dense, ReLU, 4x4 stride-2 transposed convs; `forward` gives the
    Bernoulli mean images [b, c, h, w], `logits` the logits."""

    pixel_range = "[0,1]"

    def __init__(self, config):
        super().__init__()
        self.noise_dim = config["latentDim"]
        self.image_shape = tuple(config["imageShape"])
        h, w, c = self.image_shape
        f = config["filters"]
        n = 2 ** len(f)
        self.start = (f[-1], h // n, w // n)
        self.project = nn.Linear(config["latentDim"], f[-1] * (h // n) * (w // n))
        back = list(reversed(f))
        self.layers = len(back)
        for i, ch in enumerate(back):
            out = back[i + 1] if i + 1 < len(back) else c
            setattr(self, f"deconv{i}", nn.ConvTranspose2d(ch, out, 4, 2, padding=1))

    def logits(self, z):
        a = torch.relu(self.project(z)).view(-1, *self.start)
        for i in range(self.layers):
            a = getattr(self, f"deconv{i}")(a)
            if i < self.layers - 1:
                a = torch.relu(a)
        return a

    def forward(self, z):
        return torch.sigmoid(self.logits(z))


class ConvVaeEncoder(nn.Module):
    """The conv VAE's encoder: 4x4 stride-2 convs with ReLU -> (mean, logVar)."""

    def __init__(self, config):
        super().__init__()
        h, w, c = config["imageShape"]
        f = config["filters"]
        self.pads = []
        size = (h, w)
        channels = c
        for i, out in enumerate(f):
            top, bottom = _same_pads(size[0], 4, 2)
            left, right = _same_pads(size[1], 4, 2)
            self.pads.append((left, right, top, bottom))
            setattr(self, f"conv{i}", nn.Conv2d(channels, out, 4, 2))
            size = (-(-size[0] // 2), -(-size[1] // 2))
            channels = out
        features = size[0] * size[1] * channels
        self.mean = nn.Linear(features, config["latentDim"])
        self.logVar = nn.Linear(features, config["latentDim"])

    def forward(self, images):
        a = images
        for i, pads in enumerate(self.pads):
            a = torch.relu(getattr(self, f"conv{i}")(F.pad(a, pads)))
        f = a.flatten(1)
        return self.mean(f), self.logVar(f)


# ---------------------------------------------------------------- building and files

_MODULES = {
    ("mlp-gan", "generator"): MlpGanGenerator,
    ("mlp-gan", "discriminator"): MlpGanDiscriminator,
    **{(name, "generator"): ConvGanGenerator for name in CONV_GANS},
    **{(name, "discriminator"): ConvGanDiscriminator for name in CONV_GANS},
    ("mlp-vae", "decoder"): MlpVaeDecoder,
    ("mlp-vae", "encoder"): MlpVaeEncoder,
    ("cvae", "decoder"): MlpVaeDecoder,
    ("cvae", "encoder"): MlpVaeEncoder,
    ("conv-vae", "decoder"): ConvVaeDecoder,
    ("conv-vae", "encoder"): ConvVaeEncoder,
}


def build(model, part, config):
    """A fresh module for one part of a zoo model, from latent's config of it (a dict)."""
    try:
        cls = _MODULES[(model, part)]
    except KeyError:
        raise ValueError(f"no PyTorch module for the {part} of '{model}'") from None
    return cls(config)


def read_safetensors(path):
    """(tensors by name, metadata) of a safetensors file of float32 tensors."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"{path}: header of {n} bytes in a file of {len(data)}")
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, not F32")
        start, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=8 + n + start)
        tensors[name] = torch.from_numpy(array.reshape(entry["shape"]).copy())
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes float32 tensors (a dict, e.g. a state dict) and string metadata as safetensors."""
    header = {"__metadata__": dict(metadata or {})}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        if not torch.is_floating_point(t):
            continue  # e.g. BatchNorm's num_batches_tracked counter
        array = t.detach().cpu().float().contiguous().numpy().astype("<f4")
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        blobs.append(array.tobytes())
        offset += array.nbytes
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load(path):
    """The module a latent export describes, with its weights loaded, in eval mode."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != "latent-export":
        raise ValueError(f"{path} was not written by latent export (no latent metadata)")
    module = build(metadata["model"], metadata["part"], json.loads(metadata["config"]))
    module.load_state_dict(tensors, strict=True)
    module.latent_metadata = metadata
    return module.eval()


def save(module, path, metadata=None):
    """Writes a module's state dict for `latent import`, keeping the metadata it was loaded with."""
    write_safetensors(path, module.state_dict(),
                      metadata if metadata is not None else getattr(module, "latent_metadata", {}))
