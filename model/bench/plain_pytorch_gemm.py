#!/usr/bin/env python3
"""SGEMM rate of the local PyTorch (e.g. Debian's python3-torch, OpenBLAS), the same product as
`./tlalign bench gemm`: [M, K] x [K, N], median of --reps after warm-up, per thread count.
Usage: python3 plain_pytorch_gemm.py [--m 3152 --k 192 --n 576] [--threads 1] [--reps 50]

Debian's python3-torch multiplies on OpenBLAS's own pthreads pool, which torch.set_num_threads does
not limit: unless OPENBLAS_NUM_THREADS is set, this script sets it to --threads before it imports
torch (so one thread count per run).
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--m", type=int, default=3152)
    p.add_argument("--k", type=int, default=192)
    p.add_argument("--n", type=int, default=576)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=50)
    a = p.parse_args()
    torch.manual_seed(0)
    x = torch.rand(a.m, a.k) * 2 - 1
    w = torch.rand(a.k, a.n) * 2 - 1
    for t in [a.threads]:
        torch.set_num_threads(t)
        for _ in range(10):
            x @ w
        times = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            x @ w
            times.append(time.perf_counter() - t0)
        ms = statistics.median(times) * 1e3
        print("plain_pytorch_gemm: torch=%s threads=%d m=%d k=%d n=%d median_ms=%.3f gflops=%.1f"
              % (torch.__version__, t, a.m, a.k, a.n, ms, 2.0 * a.m * a.k * a.n / ms / 1e6))


if __name__ == "__main__":
    main()
