#!/usr/bin/env bash
# Experiment 2b (nbs/30_eval_ct.ipynb) on a CUDA machine: every method on ALL test images, full sample counts.
#
#   bash benchmarks/gpu_eval_ct.sh                 # slice split
#   SPLIT=grouped bash benchmarks/gpu_eval_ct.sh   # patient-grouped split (needs results/checkpoints/<arch>_iqothnccd_grouped.pth)
#
# Writes results/runs/30_eval_ct_gpu[_grouped].ipynb and, under OUT (default results/gpu/), tables/, figures/ and
# mlflow.db: a separate folder, so the committed CPU run's results/tables/metrics_table_test.csv is never replaced.
# Every stage writes its tables as soon as it ends, so a run cut short keeps what it finished.
# Override any count through the environment, e.g. LIME_SAMPLES=500 FUSED=30 bash benchmarks/gpu_eval_ct.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
ARCH=${ARCH:-efficientnet_lite0}
SPLIT=${SPLIT:-slice}
XAI=${XAI:-219}                   # images that get LIME, SHAP and the vote (219 = the whole test split)
FUSED=${FUSED:-30}                # images that also get RobustCAM fused over LIME's and SHAP's own views (6x the LIME/SHAP cost)
LIME_SAMPLES=${LIME_SAMPLES:-1000}  # lime's default
SHAP_SAMPLES=${SHAP_SAMPLES:-200}   # shap's default
SANITY=${SANITY:-30}
OUT=${OUT:-results/gpu}
SUFFIX=$([ "$SPLIT" = slice ] && echo "" || echo "_$SPLIT")
mkdir -p results/runs "$OUT"
"$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device: this script is for the GPU run'; print(torch.cuda.get_device_name(0))"
"$PY" -m papermill nbs/30_eval_ct.ipynb "results/runs/30_eval_ct_gpu${SUFFIX}.ipynb" --log-output \
  -p arch "$ARCH" -p split "$SPLIT" -p device cuda \
  -p xai_max_images "$XAI" -p fused_max_images "$FUSED" -p lime_samples "$LIME_SAMPLES" -p shap_samples "$SHAP_SAMPLES" \
  -p sanity_images "$SANITY" -p out_dir "$OUT" -p run_name "${ARCH}-${SPLIT}-test-gpu"
echo "done: $OUT/tables/metrics_table_test$([ "$ARCH" = efficientnet_lite0 ] && echo "" || echo "_$ARCH")${SUFFIX}.csv"
