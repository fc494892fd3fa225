#!/usr/bin/env python3
"""Plain PyTorch training step of the same shape as `./tlalign bench step --model M`.

A reference point for the DJL step: the same ViT (28x28x1, patch 4, dim 64, depth 4, 4 heads,
MLP ratio 2, 10 classes, class token, pre-norm blocks, GELU; or deit-tiny: 224x224x3, patch 16,
dim 192, depth 12, 3 heads, MLP ratio 4, 1000 classes), soft-target cross-entropy against a
CutMix target, backward, AdamW with gradient clipping, on --threads CPU threads. Prints the median
step time and images/s. Usage: python3 plain_pytorch_step.py [--model vit-tiny-fm|deit-tiny]
[--batch 128] [--steps 50] [--threads 1]

Debian's python3-torch multiplies on OpenBLAS's own pthreads pool, which torch.set_num_threads does
not limit: unless OPENBLAS_NUM_THREADS is set, this script sets it to --threads before it imports
torch.
"""
import argparse
import os
import sys

_pre = argparse.ArgumentParser(add_help=False)
_pre.add_argument("--threads", default="1")
_threads = _pre.parse_known_args(sys.argv[1:])[0].threads
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(int(_threads)))
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        attn = attn.softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(b, n, d)
        return self.proj(out), attn.mean(dim=1).detach()


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x):
        a, m = self.attn(self.norm1(x))
        x = x + a
        return x + self.mlp(self.norm2(x)), m


class ViT(nn.Module):
    def __init__(self, img=28, ch=1, patch=4, dim=64, depth=4, heads=4, mlp_ratio=2.0, k=10):
        super().__init__()
        n = (img // patch) ** 2
        self.patch = nn.Conv2d(ch, dim, patch, patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.zeros(1, n + 1, dim))
        self.blocks = nn.ModuleList([Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, k)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        maps = []
        for blk in self.blocks:
            x, m = blk(x)
            maps.append(m)
        return self.head(self.norm(x)[:, 0]), maps


# name: (image, channels, patch, dim, depth, heads, mlp_ratio, classes), as in VitPresets.java
PRESETS = {
    "vit-tiny-fm": (28, 1, 4, 64, 4, 4, 2.0, 10),
    "deit-tiny": (224, 3, 16, 192, 12, 3, 4.0, 1000),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="vit-tiny-fm", choices=sorted(PRESETS))
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    img, ch, patch, dim, depth, heads, mlp_ratio, k = PRESETS[a.model]
    model = ViT(img, ch, patch, dim, depth, heads, mlp_ratio, k)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    x = torch.randn(a.batch, ch, img, img)
    y = torch.randint(0, k, (a.batch,))
    lam = 0.6
    target = lam * F.one_hot(y, k).float() + (1 - lam) * F.one_hot(y.flip(0), k).float()
    times = []
    for step in range(a.steps + 3):
        t0 = time.perf_counter()
        logits, _ = model(x)
        loss = torch.sum(-target * F.log_softmax(logits, dim=-1), dim=-1).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step >= 3:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"plain_pytorch: model={a.model} torch={torch.__version__} threads={a.threads} "
          f"batch={a.batch} "
          f"params={sum(p.numel() for p in model.parameters())} "
          f"median_ms={med * 1000:.3f} images_per_s={a.batch / med:.1f}")


if __name__ == "__main__":
    main()
