"""Grad-CAM overhead benchmark: ratios measured side by side, interleaved, in one run.

For each architecture (224 px, batch of 6 random images, 3 layers):
  gradcam / plain    robustcam's gradcam (1 forward + 1 backward for all layers) vs a plain forward + backward
                     (logits of the target classes summed, `.backward()`), goal <= 1.10
  gradcam / input_grad  vs a forward + backward to the input only (no parameter gradients)
  gradcam / pgc      vs pytorch-grad-cam computing the same three maps (one GradCAM object per layer, as its API requires)
Usage: python benchmarks/bench_gradcam.py [--reps 5] [--archs resnet50 efficientnet_lite0]
"""
import argparse
import torch
from _timing import interleaved, median, ratio, plain
from robustcam.core import gradcam, get_module
from robustcam.models import load_model

LAYERS = {'resnet50': ['layer2', 'layer3', 'layer4']}  # ResNet's defaults are two layers; the benchmark asks for three

def input_grad(model, x, t):
    "Forward + backward to the input only (no parameter gradients): the cheapest full backward pass."
    x = x.detach().requires_grad_()
    torch.autograd.grad(model(x).gather(1, t[:, None]).sum(), x)

def pgc(model, x, t, layers):
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    for l in layers:
        with GradCAM(model=model, target_layers=[get_module(model, l)]) as cam:
            cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in t])

def bench(arch, reps, n=6):
    lm = load_model(arch, 'imagenet' if arch.startswith('efficientnet_lite') else 'random')
    layers = LAYERS.get(arch, lm.layers)
    x = lm.normalize(torch.rand(n, 3, 224, 224, generator=torch.Generator().manual_seed(0)))
    t = torch.arange(n) * 100
    fns = {'plain': lambda: plain(lm.model, x, t), 'input_grad': lambda: input_grad(lm.model, x, t), 'gradcam': lambda: gradcam(lm.model, x, layers, targets=t),
           'pgc': lambda: pgc(lm.model, x, t, layers)}
    times = interleaved(fns, reps)
    med = {k: median(times, k) for k in times}
    r_plain, r_in, r_pgc = ratio(times, 'gradcam', 'plain'), ratio(times, 'gradcam', 'input_grad'), ratio(times, 'gradcam', 'pgc')
    print(f"{arch:>18} layers={layers}  plain {med['plain']:.3f}s  gradcam {med['gradcam']:.3f}s  pytorch-grad-cam {med['pgc']:.3f}s"
          f"  fwd+grad(input) {med['input_grad']:.3f}s\n{'':>18} gradcam/plain {r_plain:.2f} (goal <= 1.10)  gradcam/fwd+grad(input) {r_in:.2f}  gradcam/pytorch-grad-cam {r_pgc:.2f}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--archs', nargs='+', default=['resnet50', 'efficientnet_lite0'])
    a = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch 6 at 224 px, median of {a.reps} interleaved reps")
    for arch in a.archs: bench(arch, a.reps)
