#!/bin/bash
# The PyTorch yardstick of the training-speed bench, run on this machine next to ours (issue #10 part 5):
# ../shared/docs/peer-torch/dele_torch.py, a PyTorch 1.13 re-implementation of the same cpu/paper-preset DELE
# (same parameter count). Needs Debian's python3-torch and OpenBLAS:
#   apt-get install -y python3-torch python3-scipy libopenblas0-pthread (without libopenblas0-pthread
# torch links the reference BLAS and runs ~7x slower)
# Usage: bench/peer-torch.sh [HARNESS_DIR] [OUT.jsonl]  (defaults: ../shared/docs/peer-torch, bench-results/pytorch-peer.jsonl)
# One JSON line per configuration (1 warm-up + 3 timed step-1 epochs; or a full run with 1 step-1 epoch to time
# step 2 at 1%); then: npm run bench:train-speed -- --pytorch OUT.jsonl
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
harness="$(cd "${1:-$here/../shared/docs/peer-torch}" && pwd)"
out="$(realpath -m "${2:-$here/bench-results/pytorch-peer.jsonl}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$here" && node --import tsx bench/peer-torch-export.ts "$work/nb201-export.json")
cp "$harness/dele_torch.py" "$work/"
cd "$work"
py=/usr/bin/python3
one=(taskset -c 0 env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)
: > "$out.tmp"
run() { echo "## $*" >&2; "$@" >> "$out.tmp"; }
run "${one[@]}" $py dele_torch.py --preset cpu --threads 1 --bench-epochs 4 --label cpu-1core
run env OPENBLAS_NUM_THREADS=1 $py dele_torch.py --preset cpu --threads 2 --bench-epochs 4 --label cpu-2core-best
run "${one[@]}" $py dele_torch.py --preset paper --threads 1 --bench-epochs 4 --label paper-1core
run env OPENBLAS_NUM_THREADS=2 $py dele_torch.py --preset paper --threads 1 --bench-epochs 4 --label paper-2core-best
run "${one[@]}" $py dele_torch.py --preset cpu --threads 1 --full --pretrain-epochs 1 --label step2-1core
run env OPENBLAS_NUM_THREADS=1 $py dele_torch.py --preset cpu --threads 2 --full --pretrain-epochs 1 --label step2-2core
mv "$out.tmp" "$out"
echo "wrote $out" >&2
