#!/usr/bin/env python3
"""Summarises the output of compare_cpu.sh: per variant, thread count and model the median over
repetitions (and the range) of TL-Align and CutMix images/s, sgemm GFLOP/s, and the ratios the
goals in BENCHMARKS.md name. Usage: python3 summarize_compare.py compare.log
"""
import re
import statistics
import sys
from collections import defaultdict


def med(values):
    return statistics.median(values) if values else float("nan")


def fmt(values, digits=1):
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{med(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main():
    gemm = defaultdict(list)  # (variant, threads) -> gflops
    step = defaultdict(list)  # (variant, threads, model, mode) -> images/s
    ratio = defaultdict(list)  # (variant, threads, model) -> tlalign_over_cutmix
    for line in open(sys.argv[1]):
        parts = line.split(maxsplit=4)
        if len(parts) < 5:
            continue
        rep, variant, threads, model, rest = parts
        if model == "gemm":
            m = re.search(r"threads=(\d+) .*gflops=([\d.]+)", rest)
            if m:
                gemm[(variant, int(m.group(1)))].append(float(m.group(2)))
            continue
        m = re.match(r"mode=(\w+) images_per_s=([\d.]+)", rest)
        if m:
            step[(variant, int(threads), model, m.group(1))].append(float(m.group(2)))
        m = re.match(r"tlalign_over_cutmix=([\d.]+)", rest)
        if m:
            ratio[(variant, int(threads), model)].append(float(m.group(1)))
        m = re.match(r"plain_pytorch: .*images_per_s=([\d.]+)", rest)
        if m:
            step[(variant, int(threads), model, "cutmix")].append(float(m.group(1)))
    print("| sgemm 3152x192x576 | threads | GFLOP/s median (range) |")
    print("| --- | --- | --- |")
    for (variant, t), v in sorted(gemm.items()):
        print(f"| {variant} | {t} | {fmt(v)} |")
    print()
    print("| model | threads | variant | TL-Align images/s | CutMix images/s | TL-Align / CutMix |"
          " TL-Align / plain PyTorch |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    models = sorted({k[2] for k in step})
    for model in models:
        for t in (1, 2):
            plain = med(step.get(("plain", t, model, "cutmix"), []))
            for variant in ("before", "generic", "after", "plain"):
                tl = step.get((variant, t, model, "tlalign"), [])
                cm = step.get((variant, t, model, "cutmix"), [])
                if not tl and not cm:
                    continue
                r = ratio.get((variant, t, model), [])
                vs_plain = f"{med(tl) / plain:.2f}" if tl and plain == plain else "-"
                print(f"| {model} | {t} | {variant} | {fmt(tl)} | {fmt(cm)} | {fmt(r, 3)} |"
                      f" {vs_plain} |")


if __name__ == "__main__":
    main()
