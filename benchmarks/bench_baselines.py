"""Cost of every baseline of `robustcam.baselines`, side by side in one run: EfficientNet-Lite0 at 224 px.

For each method: its forward+backward passes per image (`passes`), its median wall time per call, and that time
relative to plain Grad-CAM measured in the same round (interleaved repetitions, see `_timing.py`). Methods with
equal passes are the fair comparisons; `time/pass` (the ratio divided by the passes) shows what each adds on top of
its passes (the matched blur's bisection, RobustCAM's alignment, pytorch-grad-cam's per-layer calls).
Usage: python benchmarks/bench_baselines.py [--reps 5] [--images 2] [--layers bn2 ...] [--threads 1]
One thread by default: on a shared machine, more threads than free cores leave OpenMP threads waiting on each other
(a 224 px Lite0 Grad-CAM took 2 s with 2 threads beside another job, 0.04 s with one), and the ratios mean nothing.
"""
import argparse, csv
import torch
from _timing import interleaved, median, ratio
from robustcam.baselines import baseline_explainers
from robustcam.data import dataset_path, load_image
from robustcam.models import load_model

def images(n, size):
    "`n` ImageNet-50 photos (one per domain first), or seeded noise where the photos are not found."
    try:
        root = dataset_path('imagenet50')
        rows = list(csv.DictReader(open(root/'manifest.csv')))[::10][:n]
        return torch.stack([load_image(root/r['file'], size) for r in rows]), 'ImageNet-50 photos'
    except FileNotFoundError:
        return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(0)), 'random images (ImageNet-50 not found)'

def main(reps, n, layers, peer):
    lm = load_model('efficientnet_lite0')
    layers = layers or lm.layers
    x, what = images(n, lm.input_size)
    with torch.no_grad(): t = lm.model(lm.normalize(x)).argmax(-1)
    ex = baseline_explainers(lm.model, layers, lm.normalize, peer=peer)
    times = interleaved({k: (lambda e=e: e(x, t)) for k, e in ex.items()}, reps)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; efficientnet_lite0 at {lm.input_size} px, layers {layers}, "
          f"{n} {what}; median of {reps} interleaved reps")
    print(f"{'method':<24}{'passes':>7}{'s/call':>9}{'x gradcam':>11}{'time/pass':>11}")
    for k, e in sorted(ex.items(), key=lambda kv: (kv[1].passes, list(ex).index(kv[0]))):
        r = ratio(times, k, 'gradcam')
        print(f"{k:<24}{e.passes:>7}{median(times, k):>9.3f}{r:>11.2f}{r / e.passes:>11.2f}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--reps', type=int, default=5); ap.add_argument('--images', type=int, default=2)
    ap.add_argument('--layers', nargs='+', default=None, help="default: Lite0's Grad-CAM layers")
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--no-peer', action='store_true', help="leave out pytorch-grad-cam's own aug_smooth")
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    main(a.reps, a.images, a.layers, not a.no_peer)
