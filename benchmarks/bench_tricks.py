"""What each speed trick saves: `compute_all_metrics` with every trick, against the same call with one trick replaced by the
plain code it stands for, side by side, interleaved (ABBA), in one run; each plain variant is first checked to give the same
table (`DataFrame.equals`), so that only time differs.

Each call's CPU time (user + system) is the measure, with one torch thread by default: on a shared, loaded machine it
moves far less than wall time. The workload is `benchmarks/bench_metrics.py`'s: RobustCAM (6 views) on scikit-image's cat photo, 224 px, EfficientNet-Lite0,
P = 5, the nine metrics. A trick that saves less than 2% of this call's time, and makes the code harder to read, goes.

  grid        augment's lru_cache of the sampling grids of a warp       plain: the grid built at every warp
  mask        augment's lru_cache of the validity masks of a warp        plain: the mask built at every warp
  sortonce    Consist sorts each map once for its P masks                plain: sorted once per mask
  fusemask    fusion hands the view mask on as (N,V,1,H,W) when every view's maps are used  plain: expanded to (N,V,M,H,W)
Removed after this benchmark measured them (saving < 2%, and harder to read): the cache of the drawn perturbations
(-1.2%), the top-k by selection (kthvalue) in Consist (+0.2%), Pearson's fallback computed only where a map is constant
(+0.3%), the integer-key (radix) sort of long rows in `core.sort_desc` (+0.6%), fusion's skip of the range pass for views
whose values a flip keeps (0.0%; `View.keeps_values` went with it, and fusion now normalises the views with one `normalize_maps`
call), and int32 position sums in average ranks (-1.0%; now int64). What stays is no harder to read than the plain code:
the two warp caches (+0.9%, +1.5%: one decorator each), Consist's one sort per map (-1.7%: the plain variant is the
longer code), and the (N,V,1,H,W) fusion mask (+1.5%: `fuse` takes broadcastable masks, so the small mask is its
ordinary input, and `Explanation.valid` stays M times smaller). Savings are quiet-box medians, one thread.
Usage: python benchmarks/bench_tricks.py [--reps 7] [--layers deepest|all] [--threads 1] [--tricks grid mask ...]
"""
import argparse, contextlib, statistics, time, warnings
import torch
import robustcam.augment as augment, robustcam.fusion as fusion, robustcam.metrics as metrics
from robustcam.core import tune_cpu_memory
from robustcam.models import load_model
from robustcam.protocol import compute_all_metrics
from robustcam.explainers import RobustCAMExplainer

@contextlib.contextmanager
def patched(mod, name, value):
    old = getattr(mod, name); setattr(mod, name, value)
    try: yield
    finally: setattr(mod, name, old)

def _plain_consistency_iou(maps, aligned, valid=None, k=0.2):
    v = metrics._check_aligned(maps, aligned, valid); k = metrics.check_k(k)
    vf = v.expand_as(aligned).flatten(-2)
    order = metrics._desc_order(maps.flatten(-2)[:, None].expand(vf.shape).contiguous())   # each map sorted once per mask
    return metrics._mask_iou(metrics._topk_from_order(order, vf, k), metrics._topk_from_order(metrics._desc_order(aligned.flatten(-2)), vf, k)).nanmean(1)

TRICKS = {
    'grid':     lambda: patched(augment, '_affine_grid', augment._affine_grid.__wrapped__),
    'mask':     lambda: patched(augment, '_affine_valid', augment._affine_valid.__wrapped__),
    'sortonce': lambda: patched(metrics, 'consistency_iou', _plain_consistency_iou),
    'fusemask': lambda: patched(fusion, '_fusion_mask', lambda valid, used: valid[:, :, None] & used[..., None, None]),
}

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--reps', type=int, default=7)
    ap.add_argument('--layers', default='deepest', choices=['deepest', 'all']); ap.add_argument('--tricks', nargs='+', default=list(TRICKS))
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    tune_cpu_memory(); torch.set_num_threads(a.threads)
    import skimage.data, torchvision.transforms.v2 as T
    img = T.Compose([T.ToImage(), T.ToDtype(torch.float32, scale=True), T.Resize(256), T.CenterCrop(224)])(skimage.data.chelsea())[None].clamp(0, 1)
    lm = load_model('efficientnet_lite0')
    layers = lm.layers[-1:] if a.layers == 'deepest' else lm.layers
    expl = RobustCAMExplainer(lm.model, layers, lm.normalize, num_aug=6)
    with torch.no_grad(): top = lm.model(lm.normalize(img)).argmax(-1)
    run = lambda: compute_all_metrics(lm.model, img, expl, normalize=lm.normalize, labels=top, n_perturb=5)
    warnings.simplefilter('ignore')
    ref = run()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU seconds; compute_all_metrics, RobustCAM 6 views, layers {layers}, P=5; "
          f"median of {a.reps} ABBA reps per trick")
    print(f"{'trick':9s} {'with':>7s} {'plain':>7s} {'saves':>7s}  (median of per-rep (plain - with) / with)  same table")
    for name in a.tricks:
        with TRICKS[name](): same = run().equals(ref)
        t = {'with': [], 'plain': []}
        for rep in range(a.reps):
            for side in (['with', 'plain'] if rep % 2 == 0 else ['plain', 'with']):
                with (TRICKS[name]() if side == 'plain' else contextlib.nullcontext()):
                    c0 = time.process_time(); run(); t[side].append(time.process_time() - c0)
        saves = statistics.median((p - w) / w for w, p in zip(t['with'], t['plain']))
        print(f"{name:9s} {statistics.median(t['with']):6.2f}s {statistics.median(t['plain']):6.2f}s {saves:+7.1%}  {same}")

if __name__ == '__main__': main()
