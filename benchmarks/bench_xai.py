"""LIME and SHAP cost benchmark: ratios measured side by side, interleaved, in one run (EfficientNet-Lite0, 224 px, 1 image).

  lime / raw_fwd      LimeExplainer (num_samples copies, batch 64, channels-last, inference_mode, slic once per image)
                      vs the raw forward passes of num_samples images in the same layout and batches (goal <= 1.15)
  naive / lime        lime's LimeImageExplainer used naively: its own data_labels (NumPy copies), batch_size=10,
                      NCHW, torch.no_grad, same slic segmentation: the speed-up of LimeExplainer
  shap / raw_fwdbwd   ShapExplainer (nsamples draws, batch 50) vs raw forward + backward passes (input gradient,
                      parameters frozen) of nsamples images in the same batches and layout (goal <= 1.15)
  slic, quickshift    the two segmentations on the image, seconds (printed, not a ratio)
Usage: python benchmarks/bench_xai.py [--reps 3] [--num-samples 128] [--nsamples 64] [--only lime|shap]
"""
import argparse, contextlib, io, time
import numpy as np, torch
from lime import lime_image
from _timing import interleaved, median, ratio
from robustcam.models import load_model
from robustcam.lime import LimeExplainer, make_segmentation
from robustcam.shap import ShapExplainer

def raw_forward(model, normalize, n, bs, gen):
    with torch.inference_mode():
        for i in range(0, n, bs):
            model(normalize(torch.rand(min(bs, n - i), 3, 224, 224, generator=gen)).contiguous(memory_format=torch.channels_last))

def raw_fwdbwd(model, normalize, n, bs, gen):
    for i in range(0, n, bs):
        x = torch.rand(min(bs, n - i), 3, 224, 224, generator=gen).requires_grad_()
        out = model(normalize(x).contiguous(memory_format=torch.channels_last))[:, 7]
        torch.autograd.grad(out.sum(), x)

def naive_lime(model, normalize, img, target, n, seg):
    def fn(imgs):
        with torch.no_grad(): return model(normalize(torch.from_numpy(imgs).permute(0, 3, 1, 2).float())).softmax(-1).numpy()
    with contextlib.redirect_stderr(io.StringIO()):
        lime_image.LimeImageExplainer(feature_selection='none', random_state=0).explain_instance(
            img[0].permute(1, 2, 0).double().numpy(), fn, labels=(target,), top_labels=None, num_samples=n, batch_size=10, segmentation_fn=seg)

def main(reps, num_samples, nsamples, only=None):
    torch.set_num_threads(torch.get_num_threads())
    lm = load_model('efficientnet_lite0'); m, norm = lm.model.eval(), lm.normalize
    m.requires_grad_(False)
    g = torch.Generator().manual_seed(0)
    from robustcam.data import load_imagenet50
    try: img = load_imagenet50(n_images=1)[0]
    except FileNotFoundError: img = torch.rand(1, 3, 224, 224, generator=g)
    im = img[0].permute(1, 2, 0).double().numpy()
    for name in ('slic', 'quickshift'):
        f = make_segmentation(name); t0 = time.perf_counter(); s = f(im)
        print(f"segmentation {name}: {time.perf_counter() - t0:.3f}s, {s.max() + 1} superpixels")
    seg = make_segmentation('slic')
    if only != 'shap': bench_lime(m, norm, img, reps, num_samples, seg, g)
    if only != 'lime': bench_shap(m, norm, img, reps, nsamples, g)

def bench_lime(m, norm, img, reps, num_samples, seg, g):
    lime = LimeExplainer(m, norm, num_samples=num_samples, batch_size=64)
    fns = {'lime': lambda: lime(img, targets=7), 'raw_fwd': lambda: raw_forward(m, norm, num_samples, 64, g),
           'naive': lambda: naive_lime(m, norm, img, 7, num_samples, seg)}
    t = interleaved(fns, reps)
    print(f"LIME num_samples={num_samples}: " + '  '.join(f"{k} {median(t, k):.2f}s" for k in t))
    print(f"  lime/raw_fwd {ratio(t, 'lime', 'raw_fwd'):.3f} (goal <= 1.15)   naive/lime {ratio(t, 'naive', 'lime'):.2f}x speed-up")

def bench_shap(m, norm, img, reps, nsamples, g):
    bg = torch.rand(8, 3, 224, 224, generator=g)
    shap = ShapExplainer(m, bg, norm, nsamples=nsamples, batch_size=50)
    fns = {'shap': lambda: shap(img, targets=7), 'raw_fwdbwd': lambda: raw_fwdbwd(m, norm, nsamples, 50, g)}
    t = interleaved(fns, reps)
    print(f"SHAP nsamples={nsamples}: " + '  '.join(f"{k} {median(t, k):.2f}s" for k in t))
    print(f"  shap/raw_fwdbwd {ratio(t, 'shap', 'raw_fwdbwd'):.3f} (goal <= 1.15)")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--reps', type=int, default=3); p.add_argument('--num-samples', type=int, default=128); p.add_argument('--nsamples', type=int, default=64)
    p.add_argument('--only', choices=['lime', 'shap'], default=None)
    a = p.parse_args(); main(a.reps, a.num_samples, a.nsamples, a.only)
