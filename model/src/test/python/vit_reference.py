#!/usr/bin/env python3
"""Independent PyTorch reference for io.tlalign.model.weights (issue #15).

Builds a ViT with timm's layout and parameter names (own module code, no timm needed), fills it
with seeded random weights, and writes for each configuration:

  <name>-timm.safetensors    the weights under timm's names
  <name>-hf.safetensors      the same weights under Hugging Face ViTForImageClassification names
  <name>-io.safetensors      "images" [B, C, H, W] and the model's "logits" [B, K]; and
                             "pattern_logits" [1, K] for the 8-bit image whose pixel (y, x) of
                             channel c is (7 y + 3 x + 50 c) mod 256, normalised (v / 255 - 0.5) / 0.5
                             as io.tlalign.model.servable.ImagePixels does

and resample-io.safetensors: a "pos_embed" [1, 1 + 4*3, 8] and timm's resample_abs_pos_embed of it
to a 6x5 grid, "resampled" [1, 1 + 6*5, 8] (bicubic, align_corners=False, class token row kept).

The model matches io.tlalign.model.vit exactly: LayerNorm eps 1e-6, exact (erf) GELU, q scaled by
head_dim ** -0.5 before q @ k^T, pre-norm blocks, head on the class token.

Usage: vit_reference.py OUT_DIR            write the fixtures
       vit_reference.py --check DIR        regenerate into a temporary folder and compare with DIR:
                                           weights and images byte for byte, logits within 1e-5
Runs with Debian's python3-torch (1.13) and python3-numpy; safetensors is written by hand.
"""
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = [
    # name, H, W, C, patch, D, depth, heads, mlp_ratio, classes
    ("vit-tiny-fm", 28, 28, 1, 4, 64, 4, 4, 2.0, 10),
    ("rgb-small", 32, 24, 3, 8, 48, 2, 3, 4.0, 7),
]
EPS = 1e-6
BATCH = 3


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))  # exact, erf form


class Block(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=EPS)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=EPS)
        self.mlp = Mlp(dim, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, c, p, dim):
        super().__init__()
        self.proj = nn.Conv2d(c, dim, kernel_size=p, stride=p)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [B, P, D], row-major grid


class VisionTransformer(nn.Module):
    def __init__(self, h, w, c, p, dim, depth, heads, mlp_ratio, classes):
        super().__init__()
        n = (h // p) * (w // p) + 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n, dim))
        self.patch_embed = PatchEmbed(c, p, dim)
        hidden = int(round(dim * mlp_ratio))
        self.blocks = nn.ModuleList([Block(dim, heads, hidden) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=EPS)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x)[:, 0])


def timm_to_hf(sd):
    out = {}
    for k, v in sd.items():
        if k == "cls_token":
            out["vit.embeddings.cls_token"] = v
        elif k == "pos_embed":
            out["vit.embeddings.position_embeddings"] = v
        elif k.startswith("patch_embed.proj."):
            out["vit.embeddings.patch_embeddings.projection." + k.split(".")[-1]] = v
        elif k.startswith("norm."):
            out["vit.layernorm." + k.split(".")[-1]] = v
        elif k.startswith("head."):
            out["classifier." + k.split(".")[-1]] = v
        else:
            _, i, *part, kind = k.split(".")
            part = ".".join(part)
            pre = "vit.encoder.layer.%s." % i
            if part == "attn.qkv":
                for name, t in zip(("query", "key", "value"), v.chunk(3, dim=0)):
                    out[pre + "attention.attention.%s.%s" % (name, kind)] = t
            else:
                hf = {"norm1": "layernorm_before", "attn.proj": "attention.output.dense",
                      "norm2": "layernorm_after", "mlp.fc1": "intermediate.dense",
                      "mlp.fc2": "output.dense"}[part]
                out[pre + hf + "." + kind] = v
    return out


def write_safetensors(path, tensors):
    """Keys sorted, F32, __metadata__ {"format": "pt"}, header padded with spaces to 8 bytes."""
    header = {"__metadata__": {"format": "pt"}}
    blobs, offset = [], 0
    for k in sorted(tensors):
        a = np.ascontiguousarray(tensors[k].detach().cpu().numpy().astype("<f4"))
        b = a.tobytes()
        header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], "<f4").reshape(v["shape"])
            for k, v in header.items()}


def generate(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for i, (name, h, w, c, p, d, depth, heads, ratio, k) in enumerate(CONFIGS):
        torch.manual_seed(1500 + i)
        model = VisionTransformer(h, w, c, p, d, depth, heads, ratio, k)
        with torch.no_grad():
            for pname, t in model.named_parameters():
                if "norm" in pname and pname.endswith("weight"):
                    t.copy_(1 + 0.1 * torch.randn_like(t))  # LayerNorm scale near 1
                else:
                    t.copy_(0.1 * torch.randn_like(t))
            images = torch.randn(BATCH, c, h, w)
            logits = model(images)
            yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
            pattern = torch.stack([(7 * yy + 3 * xx + 50 * ch) % 256 for ch in range(c)])
            pattern = (pattern.float() / 255 - 0.5) / 0.5
            pattern_logits = model(pattern.unsqueeze(0))
        sd = {kk: v for kk, v in model.state_dict().items()}
        write_safetensors(os.path.join(out_dir, name + "-timm.safetensors"), sd)
        write_safetensors(os.path.join(out_dir, name + "-hf.safetensors"), timm_to_hf(sd))
        write_safetensors(os.path.join(out_dir, name + "-io.safetensors"),
                          {"images": images, "logits": logits, "pattern_logits": pattern_logits})
    resample_fixture(out_dir)


def resample_fixture(out_dir):
    torch.manual_seed(1515)
    pos = torch.randn(1, 1 + 4 * 3, 8)
    grid = pos[:, 1:].reshape(1, 4, 3, 8).permute(0, 3, 1, 2)  # [1, D, h, w]
    grid = F.interpolate(grid, size=(6, 5), mode="bicubic", align_corners=False)
    grid = grid.permute(0, 2, 3, 1).reshape(1, 30, 8)
    write_safetensors(os.path.join(out_dir, "resample-io.safetensors"),
                      {"pos_embed": pos, "resampled": torch.cat([pos[:, :1], grid], dim=1)})


def check(dir_):
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)
        bad = []
        for f in sorted(os.listdir(tmp)):
            ours, theirs = os.path.join(tmp, f), os.path.join(dir_, f)
            if not os.path.exists(theirs):
                bad.append(f + ": missing")
                continue
            a, b = read_safetensors(ours), read_safetensors(theirs)
            if sorted(a) != sorted(b):
                bad.append(f + ": other tensor names")
                continue
            for key in a:
                if key in ("logits", "pattern_logits", "resampled"):
                    diff = float(np.max(np.abs(a[key] - b[key])))
                    if diff > 1e-5:
                        bad.append("%s %s: max diff %g" % (f, key, diff))
                elif a[key].shape != b[key].shape or a[key].tobytes() != b[key].tobytes():
                    bad.append("%s %s: differs" % (f, key))
        if bad:
            print("fixtures are stale; rerun vit_reference.py on the folder:\n  " + "\n  ".join(bad))
            return 1
        print("fixtures in %s are current" % dir_)
        return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    generate(sys.argv[1])
