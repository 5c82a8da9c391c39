"""Memory stays flat over long loops (pytorch-grad-cam #78, #117, #195): RobustCAM explains `--batches` batches in one process,
printing the resident set size (and CUDA memory when a GPU is used) every `--every` batches.

The bound: after the first `--every` batches (warm-up: allocator pools, caches of warp grids and masks, lazy imports), the
RSS may grow by at most `--bound` MB over the rest of the loop; the script exits 1 if it grows more. It runs once with the
built-in Grad-CAM and once with pytorch-grad-cam's GradCAM class as the attribution (a CAM built, hooked and released per
call), on EfficientNet-Lite0 at 112 px, 2 images a batch, 6 views, three layers; no hook is left on the model after either.
Usage: python benchmarks/bench_leak.py [--batches 500] [--every 50] [--bound 64] [--device cpu]
"""
import argparse, resource, sys, warnings
import torch
from robustcam.core import count_hooks, tune_cpu_memory
from robustcam.fusion import RobustCAM
from robustcam.models import load_model

def rss_mb()->float:
    with open('/proc/self/status') as f: return next(int(l.split()[1]) for l in f if l.startswith('VmRSS')) / 1024

def loop(rc, x, batches, every, device):
    marks = []
    for b in range(1, batches + 1):
        r = rc(x)
        del r
        if b % every == 0:
            cuda = f"  cuda allocated {torch.cuda.memory_allocated() / 2**20:.0f} MB, reserved {torch.cuda.memory_reserved() / 2**20:.0f} MB" if device.type == 'cuda' else ''
            marks.append(rss_mb()); print(f"    batch {b:4d}: RSS {marks[-1]:7.1f} MB{cuda}", flush=True)
    return marks

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--batches', type=int, default=500); ap.add_argument('--every', type=int, default=50)
    ap.add_argument('--bound', type=float, default=64.); ap.add_argument('--device', default='cpu'); a = ap.parse_args()
    warnings.simplefilter('ignore'); tune_cpu_memory(); torch.set_num_threads(1)
    dev = torch.device(a.device)
    lm = load_model('efficientnet_lite0'); model = lm.model.to(dev); norm = lm.normalize.to(dev)
    x = torch.rand(2, 3, 112, 112, generator=torch.Generator().manual_seed(0)).to(dev)
    from pytorch_grad_cam import GradCAM
    ok = True
    for name, attribution in (('gradcam (built-in)', 'gradcam'), ('pytorch-grad-cam GradCAM', GradCAM)):
        print(f"{name}: {a.batches} batches of {len(x)} images x 6 views, layers {lm.layers}, {dev}")
        marks = loop(RobustCAM(model, lm.layers, normalize=norm, attribution=attribution), x, a.batches, a.every, dev)
        growth = marks[-1] - marks[0]
        print(f"  RSS growth after warm-up: {growth:+.1f} MB over {a.batches - a.every} batches (bound {a.bound:.0f} MB): {'ok' if growth <= a.bound else 'GROWS'}; "
              f"hooks left on the model: {count_hooks(model)}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        ok &= growth <= a.bound and count_hooks(model) == 0
    sys.exit(0 if ok else 1)

if __name__ == '__main__': main()
