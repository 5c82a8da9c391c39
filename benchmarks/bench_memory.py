"""What `tune_cpu_memory` buys: `compute_all_metrics` (RobustCAM, EfficientNet-Lite0, three layers, P=5) on one 224 px photo,
in fresh processes under three malloc settings, run in turn (A, B, C, A, B, C, ...) so that the machine's drift hits all alike:

  glibc      glibc's defaults (no `tune_cpu_memory`)
  threshold  `tune_cpu_memory(mmap_max=65536)`: freed memory kept, but buffers over 32 MiB still get their own mapping
             (the setting before this benchmark was written)
  heap       `tune_cpu_memory()`: every buffer from the heap and reused (M_MMAP_MAX=0)

Each process warms up with one call, then times `--calls` calls and counts their minor page faults; it also reports its
peak resident memory. The values do not depend on the setting (checked: the processes' tables are compared).
`--work lime_shap` times LIME (250 copies) and SHAP (50 draws) on the photo instead.
Usage: python benchmarks/bench_memory.py [--rounds 3] [--calls 3] [--work metrics|lime_shap]
"""
import argparse, json, statistics, subprocess, sys

MODES = {'glibc': None, 'threshold': dict(mmap_max=65536), 'heap': {}}

def child(mode, calls, work):
    import resource, time, hashlib
    from robustcam.core import tune_cpu_memory
    if MODES[mode] is not None: assert tune_cpu_memory(**MODES[mode])
    sys.path.insert(0, __file__.rsplit('/', 1)[0])
    from bench_metrics import photo
    from robustcam.models import load_model
    from robustcam.protocol import compute_all_metrics
    from robustcam.explainers import RobustCAMExplainer
    lm = load_model('efficientnet_lite0'); img = photo()
    if work == 'metrics':
        expl = RobustCAMExplainer(lm.model, lm.layers, lm.normalize, num_aug=6)
        run = lambda: compute_all_metrics(lm.model, img, expl, normalize=lm.normalize, n_perturb=5)
        as_bytes = lambda table: table.to_csv().encode()
    else:   # LIME (250 copies) and SHAP (50 draws, a background of 8 noisy copies) on the photo
        import torch
        from robustcam.lime import LimeExplainer
        from robustcam.shap import ShapExplainer
        bg = (img + 0.1 * torch.randn(8, *img.shape[1:], generator=torch.Generator().manual_seed(0))).clamp(0, 1)
        le, se = LimeExplainer(lm.model, lm.normalize, num_samples=250), ShapExplainer(lm.model, bg, lm.normalize, nsamples=50)
        run = lambda: torch.cat([le(img, [285]).maps, se(img, [285]).maps])
        as_bytes = lambda maps: maps.numpy().tobytes()
    out = run()
    ts, faults = [], []
    for _ in range(calls):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt; t0 = time.perf_counter()
        run()
        ts.append(time.perf_counter() - t0); faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    print(json.dumps(dict(mode=mode, s=statistics.median(ts), faults=statistics.median(faults),
                          rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          table=hashlib.sha256(as_bytes(out)).hexdigest()[:12])))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--rounds', type=int, default=3); ap.add_argument('--calls', type=int, default=3)
    ap.add_argument('--work', choices=['metrics', 'lime_shap'], default='metrics')
    ap.add_argument('--child', choices=list(MODES)); a = ap.parse_args()
    if a.child: child(a.child, a.calls, a.work); sys.exit()
    res = {m: [] for m in MODES}
    for r in range(a.rounds):
        for m in MODES:
            out = subprocess.run([sys.executable, __file__, '--child', m, '--calls', str(a.calls), '--work', a.work], capture_output=True, text=True, check=True)
            res[m].append(json.loads(out.stdout.strip().splitlines()[-1]))
    what = 'compute_all_metrics, Lite0, 3 layers, 6 views, P=5' if a.work == 'metrics' else 'LIME (250 copies) + SHAP (50 draws), Lite0'
    print(f"{what}, one 224 px photo; {a.rounds} processes per setting, median of {a.calls} warm calls each")
    med = {m: statistics.median(d['s'] for d in v) for m, v in res.items()}
    for m, v in res.items():
        print(f"  {m:10s} {med[m]:.2f} s a call ({med[m] / med['glibc']:.2f}x glibc's)  page faults a call {statistics.median(d['faults'] for d in v):>9,.0f}"
              f"  peak RSS {statistics.median(d['rss_mib'] for d in v):,.0f} MiB")
    per_round = [res['heap'][i]['s'] / res['threshold'][i]['s'] for i in range(a.rounds)]
    print(f"  heap / threshold per round: {[round(x, 2) for x in per_round]}")
    tables = {d['table'] for v in res.values() for d in v}
    print(f"  the same {'table' if a.work == 'metrics' else 'maps'} in every process: {len(tables) == 1}")
