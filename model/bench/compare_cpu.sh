#!/usr/bin/env bash
# Runs the CPU comparison of BENCHMARKS.md ("Training at the hardware's limit") interleaved, so that
# machine noise hits every variant alike: per repetition, sgemm and the training step of vit-tiny-fm
# (batch 128) and deit-tiny (batch 16) at 1 and 2 threads, for
#   before: a launcher built from the commit before the CPU work (BEFORE=/path/to/checkout/tlalign),
#   generic: this build with TLALIGN_MKL_VENDOR_FIX=0 (1 thread only),
#   after:  this build (the MKL vendor fix where it applies),
#   plain:  the plain PyTorch loop (model/bench/plain_pytorch_step.py, /usr/bin/python3), with
#           OPENBLAS_NUM_THREADS set to the thread count: Debian's PyTorch 1.13 runs its GEMMs on
#           OpenBLAS's own pthreads pool, which torch.set_num_threads does not limit (without it a
#           "1-thread" loop multiplies on both cores: 170 instead of 92 GFLOP/s).
# Prints one tagged line per result: "<rep> <variant> <threads> <model> <line>".
# Usage: BEFORE=/tmp/before/tlalign model/bench/compare_cpu.sh [reps] [vit_steps] [deit_steps]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPS="${1:-2}"
VIT_STEPS="${2:-20}"
DEIT_STEPS="${3:-5}"
AFTER="$ROOT/tlalign"
BEFORE="${BEFORE:?set BEFORE to the launcher of the build to compare with}"
PY=/usr/bin/python3

tag() { sed "s/^/$1 /"; }

for ((r = 1; r <= REPS; r++)); do
  echo "$r load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$AFTER" bench gemm 2>/dev/null | grep -E '^(gemm:|blas:)' | tag "$r after - gemm"
  TLALIGN_MKL_VENDOR_FIX=0 "$AFTER" bench gemm 2>/dev/null | grep -E '^(gemm:|blas:)' | tag "$r generic - gemm"
  for t in 1 2; do
    OPENBLAS_NUM_THREADS=$t "$PY" "$ROOT/model/bench/plain_pytorch_gemm.py" --threads "$t" \
      | tag "$r plain - gemm"
  done
  for spec in "vit-tiny-fm 128 $VIT_STEPS" "deit-tiny 16 $DEIT_STEPS"; do
    read -r model batch steps <<<"$spec"
    for t in 1 2; do
      args=(bench step --model "$model" --batch-size "$batch" --steps "$steps" --threads "$t")
      "$BEFORE" "${args[@]}" 2>/dev/null | grep -E '^(mode=|tlalign_over)' | tag "$r before $t $model"
      "$AFTER" "${args[@]}" 2>/dev/null | grep -E '^(mode=|tlalign_over|flops:|blas:)' | tag "$r after $t $model"
      if ((t == 1)); then
        TLALIGN_MKL_VENDOR_FIX=0 "$AFTER" "${args[@]}" 2>/dev/null | grep -E '^(mode=|tlalign_over)' \
          | tag "$r generic $t $model"
      fi
      OPENBLAS_NUM_THREADS=$t "$PY" "$ROOT/model/bench/plain_pytorch_step.py" --model "$model" --batch "$batch" \
        --steps "$((steps * 3))" --threads "$t" | tag "$r plain $t $model"
    done
  done
  echo "$r load $(cut -d' ' -f1-3 /proc/loadavg)"
done
