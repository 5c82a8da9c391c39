#!/usr/bin/env bash
# Experiment 4 (nbs/30_eval_ct.ipynb) on a CUDA machine: every method on ALL 219 test images, full sample counts,
# into results/gpu/ (tables, figures; never over the committed CPU run's results/tables/) and
# results/runs/30_eval_ct_gpu[_grouped].ipynb. Runs without papermill/Jupyter (benchmarks/gpu_eval_ct.py).
#
#   bash benchmarks/gpu_eval_ct.sh                       # slice split, then the grouped split if its checkpoint exists
#   EXTRA="-p lime_samples 500" bash benchmarks/gpu_eval_ct.sh
#   DATA_SUBSET=1 bash benchmarks/gpu_eval_ct.sh         # ROBUSTCAM_DATA holds only the files listed by --list-files
#
# Before (on a machine with the full release), list the CT files the run reads, to carry only those:
#   .venv/bin/python benchmarks/gpu_eval_ct.py --list-files              > files_slice.txt
#   .venv/bin/python benchmarks/gpu_eval_ct.py --list-files -p split grouped > files_grouped.txt
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}
EXTRA=${EXTRA:-}
SUB=$([ "${DATA_SUBSET:-0}" = 1 ] && echo "-p require_all False" || echo "")
TRACK=$("$PY" -c "import mlflow" 2>/dev/null && echo "" || echo "-p track False")
"$PY" -c "import torch; print('CUDA:', torch.cuda.is_available() and torch.cuda.get_device_name(0))"
"$PY" benchmarks/gpu_eval_ct.py -p split "'slice'" $SUB $TRACK $EXTRA
if [ -f results/checkpoints/efficientnet_lite0_iqothnccd_grouped.pth ]; then
  "$PY" benchmarks/gpu_eval_ct.py -p split "'grouped'" $SUB $TRACK $EXTRA
fi
