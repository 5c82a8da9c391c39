"""Metrics cost benchmark: the nine metrics of RobustCAM on one 224 px photo (scikit-image's cat) with EfficientNet-Lite0, against the model
passes they need, measured side by side, interleaved, in one run.

  metrics / lean    time(compute_all_metrics(RobustCAMExplainer)) / time(the same model passes on the same inputs, run as plain
                    batched forwards and forward+backwards) (goal <= 1.15): the median of the per-rep ratios, their quartiles,
                    the ratio of the medians, and the ratio of each side's fastest rep; the functions run in turn, in alternating
                    order from rep to rep. On this 2-core VM single reps spread from about 0.9 to 1.35 and a run's median
                    moved by +-0.03 from run to run at 9 reps, hence 15 reps by default (about 3 minutes a config)
  split             rc / lean: RobustCAM explaining the 11 stacked images (plus the same plain forwards) over the
                    model passes -- RobustCAM's own per-pixel work (views, unwarp, fusion of every layer's maps);
                    metrics / rc: what robustcam.metrics adds on top (perturbations, warps back, deletions, the nine metrics)

The passes compute_all_metrics needs for N images, V views, P perturbations, M maps and K = 5 deletion fractions:
  * a forward of the N images (to pick the targets);
  * a forward+backward of the N(1+2P) explained images (originals, t_p copies, noisy copies) x V views, in RobustCAM's
    chunks (at most 48 views, i.e. 8 whole images, per pass);
  * a forward of the N*M*K deleted images (k = 0.2 of Fid is shared with Faith).
The baselines replay exactly these batches: one compute_all_metrics call is run first with a forward pre-hook on the
model's `normalize` module that records every [0,1] batch it receives on its way to the model, and whether it ran with
gradients. Each baseline then feeds those very tensors through `normalize` and the model again:
  lean    the least model work Grad-CAM needs: forward with the parameters frozen and the shallowest explained layer's
          output made a leaf (no graph before it), then `torch.autograd.grad` of the target scores w.r.t. it (no
          parameter gradients), as `gradcam` itself does -- the goal is about this;
  noise   lean on random images of the same shapes (what this benchmark timed before it replayed the recorded inputs:
          a real photo's batches run a few per cent slower than noise through the same convolutions, which is the
          model's cost, not robustcam's; printed so that the two ratios can be compared);
  params  `model(x).gather(1, t).sum().backward()`, as bench_robustcam.py does (also computes parameter gradients).
Calls `tune_cpu_memory` first, as `30_eval_ct` and the `robustcam` command do (`--no-tune` leaves glibc's defaults), and
prints each function's minor page faults per call (`benchmarks/bench_memory.py` measures what the malloc settings change).
Usage: python benchmarks/bench_metrics.py [--reps 15] [--configs deepest all] [--n-perturb 5] [--no-tune]
"""
import argparse, resource, statistics, time
import torch
from robustcam.core import get_module, preserve_state, tune_cpu_memory
from robustcam.models import load_model
from robustcam.protocol import compute_all_metrics, make_perturbations, perturb, add_noise
from robustcam.explainers import RobustCAMExplainer

def lean_fwd_bwd(model, x, layer):
    "Forward with the parameters frozen and `layer`'s output made a leaf (autograd records nothing before it), and the gradient of the summed scores w.r.t. that output only (what Grad-CAM's backward computes)."
    store = {}
    def hook(m, i, o): store['a'] = o.detach().requires_grad_(); return store['a']
    h = get_module(model, layer).register_forward_hook(hook)
    try:
        with preserve_state(model, freeze=True), torch.enable_grad():
            torch.autograd.grad(model(x)[:, 0].sum(), store['a'])
    finally: h.remove()

def params_fwd_bwd(model, x, layer):
    model.zero_grad(set_to_none=True)
    model(x).gather(1, torch.zeros(len(x), 1, dtype=torch.long)).sum().backward()

def record_passes(model, normalize, fn):
    "Run `fn` once and return every batch it fed `normalize` on the way to `model` (detached copies), with whether it ran with gradients."
    batches, calls = [], []
    def pre(m, args): batches.append((args[0].detach().clone(), torch.is_grad_enabled()))
    def mpre(m, args): calls.append((args[0].shape, torch.is_grad_enabled()))
    hs = [normalize.register_forward_pre_hook(pre), model.register_forward_pre_hook(mpre)]
    try: fn()
    finally:
        for h in hs: h.remove()
    if [(x.shape, g) for x, g in batches] != calls: raise RuntimeError(f"The model's passes {calls} do not match the batches through normalize; the replay would not be the same passes.")
    return batches

def replay(model, normalize, batches, fwd_bwd, layer):
    "The recorded passes again, as plain batched forwards (no gradients) and `fwd_bwd` (with gradients)."
    def run():
        for x, grad in batches:
            if grad: fwd_bwd(model, normalize(x), layer)
            else:
                with torch.no_grad(): model(normalize(x))
    return run

def summary(batches):
    fb = [len(x) for x, g in batches if g]
    return dict(forward=sum(len(x) for x, g in batches if not g), fwd_bwd_views=sum(fb), fwd_bwd_passes=len(fb))

def photo():
    "scikit-image's cat photo through torchvision's standard preprocessing: a real image, offline (random noise gives constant maps that skip work)."
    import skimage.data, torchvision.transforms.v2 as T
    pipe = T.Compose([T.ToImage(), T.ToDtype(torch.float32, scale=True), T.Resize(256), T.CenterCrop(224)])
    return pipe(skimage.data.chelsea())[None].clamp(0, 1)

def bench(lm, layers, reps, P):
    img = photo()
    with torch.no_grad(): top = lm.model(lm.normalize(img)).argmax(-1)   # target and label
    expl = RobustCAMExplainer(lm.model, layers, lm.normalize, num_aug=6)
    metrics = lambda: compute_all_metrics(lm.model, img, expl, normalize=lm.normalize, labels=top, n_perturb=P)
    batches = record_passes(lm.model, lm.normalize, metrics)
    g = torch.Generator().manual_seed(1)
    noise = [(torch.rand(x.shape, generator=g), grad) for x, grad in batches]
    pert = make_perturbations(P, 224)
    xs = torch.cat([img, perturb(img, pert).flatten(0, 1), add_noise(img, pert).flatten(0, 1)])
    fwd = replay(lm.model, lm.normalize, [(x, False) for x, grad in batches if not grad], lean_fwd_bwd, layers[0])
    def rc(): expl(xs, top.expand(len(xs))); fwd()
    fns = {'metrics': metrics, 'lean': replay(lm.model, lm.normalize, batches, lean_fwd_bwd, layers[0]), 'rc': rc,
           'noise': replay(lm.model, lm.normalize, noise, lean_fwd_bwd, layers[0]), 'params': replay(lm.model, lm.normalize, batches, params_fwd_bwd, layers[0])}
    for f in fns.values(): f()  # warm-up
    times, faults = {k: [] for k in fns}, {k: [] for k in fns}
    for rep in range(reps):
        for k, f in (list(fns.items()) if rep % 2 == 0 else list(fns.items())[::-1]):   # ABBA: the order alternates, so drift in the machine's speed cancels
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = time.perf_counter(); f(); times[k].append(time.perf_counter() - t0)
            faults[k].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    per = lambda b: [a / c for a, c in zip(times['metrics'], times[b])]
    print(f"layers={layers} P={P} passes: {summary(batches)}")
    print("  " + '  '.join(f"{k} {statistics.median(v):.2f}s" for k, v in times.items()))
    print("  page faults per call (median): " + '  '.join(f"{k} {statistics.median(v):.0f}" for k, v in faults.items()))
    rl = statistics.median(a / c for a, c in zip(times['rc'], times['lean']))
    q = statistics.quantiles(per('lean'), n=4) if reps > 1 else [per('lean')[0]] * 3
    print(f"  metrics/lean {statistics.median(per('lean')):.2f} (goal <= 1.15; quartiles {q[0]:.2f}-{q[2]:.2f}; ratio of the medians {statistics.median(times['metrics']) / statistics.median(times['lean']):.2f}; "
          f"fastest rep of each {min(times['metrics']) / min(times['lean']):.2f}; per rep {[round(r, 2) for r in per('lean')]})")
    print(f"  metrics/noise {statistics.median(per('noise')):.2f} (the same passes on random images)  noise/lean {statistics.median(a / c for a, c in zip(times['noise'], times['lean'])):.2f}"
          f"  metrics/params {statistics.median(per('params')):.2f}")
    print(f"  split: rc/lean {rl:.2f} (RobustCAM's own work)  metrics/rc {statistics.median(per('rc')):.2f} (what the metrics add)")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--reps', type=int, default=15)
    ap.add_argument('--configs', nargs='+', default=['deepest', 'all'], choices=['deepest', 'all'])
    ap.add_argument('--n-perturb', type=int, default=5)
    ap.add_argument('--no-tune', action='store_true', help="keep glibc's malloc defaults")
    a = ap.parse_args()
    print(f"tune_cpu_memory: {False if a.no_tune else tune_cpu_memory()}")
    lm = load_model('efficientnet_lite0')
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, EfficientNet-Lite0, 1 photo 224 px, RobustCAM 6 views, "
          f"median of {a.reps} interleaved reps")
    for c in a.configs: bench(lm, lm.layers[-1:] if c == 'deepest' else lm.layers, a.reps, a.n_perturb)
