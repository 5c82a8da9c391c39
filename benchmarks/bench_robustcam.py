"""RobustCAM cost benchmark: ratios measured side by side, interleaved, in one run (224 px, 3 layers, 1 image).

  rc6 / plain6   RobustCAM with 6 views vs a plain forward + backward of a batch of 6 (goal <= 1.10)
  rc6 / pgc_aug  vs pytorch-grad-cam's test-time smoothing (aug_smooth=True: one pass per augmentation, one
                 GradCAM per layer) producing the same three layers' maps (goal <= 0.35)
  rc8 / rc6      8 views vs 6 views (the original report: about +35%)
Usage: python benchmarks/bench_robustcam.py [--reps 5] [--archs resnet50 efficientnet_lite0]
"""
import argparse
import torch
from _timing import interleaved, median, ratio, plain
from robustcam.core import get_module
from robustcam.fusion import RobustCAM
from robustcam.models import load_model

LAYERS = {'resnet50': ['layer2', 'layer3', 'layer4']}  # ResNet's defaults are two layers; the benchmark asks for three

def pgc_aug(model, x, t, layers):
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    for l in layers:
        with GradCAM(model=model, target_layers=[get_module(model, l)]) as cam:
            cam(input_tensor=x, targets=[ClassifierOutputTarget(int(t))], aug_smooth=True)

def bench(arch, reps):
    lm = load_model(arch, 'imagenet' if arch.startswith('efficientnet_lite') else 'random')
    layers = LAYERS.get(arch, lm.layers)
    g = torch.Generator().manual_seed(0)
    img = torch.rand(1, 3, 224, 224, generator=g)
    x6 = lm.normalize(torch.rand(6, 3, 224, 224, generator=g)); t6 = torch.arange(6) * 100
    rc6 = RobustCAM(lm.model, layers, lm.normalize, num_aug=6)
    rc8 = RobustCAM(lm.model, layers, lm.normalize, num_aug=8)
    fns = {'plain6': lambda: plain(lm.model, x6, t6), 'rc6': lambda: rc6(img, targets=[7]), 'rc8': lambda: rc8(img, targets=[7]),
           'pgc_aug': lambda: pgc_aug(lm.model, lm.normalize(img), 7, layers)}
    times = interleaved(fns, reps)
    med = {k: median(times, k) for k in times}
    r = lambda a, b: ratio(times, a, b)
    print(f"{arch:>18} layers={layers}  " + '  '.join(f"{k} {v:.3f}s" for k, v in med.items()))
    print(f"{'':>18} rc6/plain6 {r('rc6', 'plain6'):.2f} (goal <= 1.10)  rc6/pgc_aug {r('rc6', 'pgc_aug'):.2f} (goal <= 0.35)"
          f"  rc8/rc6 {r('rc8', 'rc6'):.2f}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--archs', nargs='+', default=['resnet50', 'efficientnet_lite0'])
    a = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, median of {a.reps} interleaved reps")
    for arch in a.archs: bench(arch, a.reps)
