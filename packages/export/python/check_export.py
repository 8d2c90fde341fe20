"""Test helper of @latent/export (run by src/torch.test.ts): loads each exported
safetensors file into its module from latent_models.py, runs it on the inputs
the test wrote, and prints the largest difference from latent's outputs. With
--perturb it also plays "training under PyTorch": scales every weight, saves
the module with latent_models.save for `latent import`, and writes what the
changed module computes, for the test to compare with latent after import."""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import latent_models  # noqa: E402


def run(module, x, labels):
    with torch.no_grad():
        out = module(x, labels) if labels is not None else module(x)
    outs = out if isinstance(out, tuple) else (out,)
    # latent's images are NHWC.
    return [o.permute(0, 2, 3, 1) if o.dim() == 4 else o for o in outs]


def main():
    folder = sys.argv[1]
    perturb = "--perturb" in sys.argv
    torch.set_num_threads(1)
    cases = json.load(open(os.path.join(folder, "cases.json")))
    report = {}
    for case in cases:
        base = os.path.join(folder, case["id"])
        module = latent_models.load(base + ".safetensors")
        x = torch.from_numpy(np.fromfile(base + ".input.bin", dtype="<f4").reshape(case["inputShape"]))
        if x.dim() == 4:
            x = x.permute(0, 3, 1, 2)
        labels = None
        if case.get("labels"):
            labels = torch.tensor(case["labels"], dtype=torch.long)
        outs = run(module, x, labels)
        diffs = {}
        for (name, o) in zip(case["outputs"], outs):
            want = np.fromfile(f"{base}.{name}.bin", dtype="<f4")
            diffs[name] = float(np.abs(o.reshape(-1).numpy() - want).max())
        report[case["label"]] = {"diff": diffs, "type": type(module).__name__}
        if perturb:
            # Spectral norm keeps a layer's spectral norm at 1, so an SN-GAN D changes its
            # weights within that set: a rotation of the kernels' rows, and the biases.
            sn = module.latent_metadata["model"] == "sngan" and module.latent_metadata["part"] == "discriminator"
            with torch.no_grad():
                for name, p in module.state_dict().items():
                    if not torch.is_floating_point(p):
                        continue
                    if sn and name.endswith("weight"):
                        p.copy_(p.flip(0) if p.shape[0] > 1 else -p)
                    else:
                        p.mul_(1.01)
            latent_models.save(module, base + ".trained.safetensors")
            for (name, o) in zip(case["outputs"], run(module, x, labels)):
                o.contiguous().numpy().astype("<f4").tofile(f"{base}.trained.{name}.bin")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
