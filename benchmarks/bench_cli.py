"""`robustcam explain` throughput against bare batched RobustCAM, measured side by side; Ray with 1 and 2 workers.

    python benchmarks/bench_cli.py [--n 12] [--reps 2] [--no-ray] [--lime 2] [--device cuda]

Prints s/image of each configuration and the ratios the issue asks for (targets: --no-panels >= 0.85x, panels >= 0.5x
of bare RobustCAM's throughput). Runs interleave, so each ratio compares runs made at the same moment. The process
calls `tune_cpu_memory` first, as the `robustcam` command does. `--lime K` also times LIME (1000 samples) on K images,
the per-image cost behind the 50,000-image estimate in the `08b_ray` docs."""
import argparse, shutil, sys, tempfile, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved, median, ratio
from robustcam.data import dataset_path, load_image
from robustcam.core import tune_cpu_memory
from robustcam.runner import ExplainSpec, Explainer, Item, run_local, tune_view_batch

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=12, help='ImageNet-50 images (default 12)')
    ap.add_argument('--reps', type=int, default=2)
    ap.add_argument('--no-ray', action='store_true')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--lime', type=int, default=0, help='also time LIME (1000 samples) on this many images')
    a = ap.parse_args()
    print(f"tune_cpu_memory: {tune_cpu_memory()}")
    files = sorted((dataset_path('imagenet50')/'images').rglob('*.JPEG'))[:a.n] or sorted(dataset_path('imagenet50').rglob('*.*g'))[:a.n]
    items = [Item(str(f)) for f in files]
    ex = Explainer(ExplainSpec(device=a.device))
    x = torch.stack([load_image(f, ex.lm.input_size) for f in files])
    print(f"{len(files)} images, {ex.lm.arch}, {len(ex.rc.views)} views, layers {ex.rc.layers}, device {a.device}, torch threads {torch.get_num_threads()}")
    tun = tune_view_batch(ex, x[:8])
    print('view batch tuning (s/image):', {k: round(v, 3) for k, v in tun.items()}, '-> chosen', ex.rc.batch_size)
    vb = ex.rc.batch_size; ex.spec.view_batch = vb; per = ex.per_pass
    tmp = Path(tempfile.mkdtemp())
    def bare():
        for i in range(0, len(x), per): ex.rc(x[i:i + per].to(a.device))
    def cli(panels):
        def f():
            out = tmp/f'p{int(panels)}'; shutil.rmtree(out, ignore_errors=True)
            run_local(items, ex.spec, out, panels=panels, progress=False, explainer=ex)
        return f
    t = interleaved({'bare RobustCAM': bare, 'explain --no-panels': cli(False), 'explain --panels': cli(True)}, a.reps)
    n = len(files)
    for k in t: print(f"{k:>22}: {median(t, k)/n:.3f} s/image ({n/median(t, k):.2f} images/s)")
    print(f"throughput ratio --no-panels / bare: {1/ratio(t, 'explain --no-panels', 'bare RobustCAM'):.2f}  (target >= 0.85)")
    print(f"throughput ratio --panels    / bare: {1/ratio(t, 'explain --panels', 'bare RobustCAM'):.2f}  (target >= 0.5)")
    if a.lime:
        from robustcam.lime import LimeExplainer
        lime = LimeExplainer(ex.lm.model.to(a.device), ex.lm.normalize.to(a.device), num_samples=1000)
        xs = x[:a.lime].to(a.device); lime(xs[:1])   # warm-up
        t0 = time.perf_counter(); lime(xs); s = (time.perf_counter() - t0) / len(xs)
        print(f"LIME, 1000 samples: {s:.1f} s/image ({s / (median(t, 'bare RobustCAM') / n):.0f}x bare RobustCAM)")
    if not a.no_ray:
        try:
            from robustcam.distributed import connect, run_ray
            t0 = time.time(); connect(None); print(f"Ray local cluster started in {time.time()-t0:.1f} s")
        except Exception as e: print(f"Ray: not measured ({type(e).__name__}: {e})"); return
        res = {}
        for w in (1, 2, 1, 2):   # interleaved
            out = tmp/f'ray{w}'; shutil.rmtree(out, ignore_errors=True)
            t0 = time.time(); run_ray(items, ex.spec, out, panels=False, workers=w, progress=False, explainer=ex,
                                      gpus_per_worker=(1 / w if a.device == 'cuda' else 0)); res.setdefault(w, []).append(time.time() - t0)
        for w, ts in res.items(): print(f"Ray, {w} worker(s): {min(ts)/n:.3f} s/image ({n/min(ts):.2f} images/s), incl. actor start-up (model load)")
        print(f"Ray 2 workers / 1 worker throughput: {min(res[1])/min(res[2]):.2f}  (2 cores: no gain expected)")
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()
