"""robustcam.metrics against Quantus, on the same inputs and the same perturbation samples.

Quantus gotchas handled here (each would make a comparison disagree for reasons that are not the metric):
* it broadcasts a (N,1,H,W) map over the 3 channels, so "features" are channel values: deletion steps are given in
  features (3 per pixel), and ROAD needs the map already broadcast, because it sizes its top-k by `a[0,:,:].size`;
* `normalise=True` (the default of most metrics) divides by the max over the whole batch: switched off;
* its 'black' baseline is the per-sample minimum and its 'mean' the mean of the array being perturbed (which drifts in a
  cumulative deletion), so the blur and mean baselines are passed as a perturbation function replacing the deleted
  features by our baseline image's values; 'zero' uses Quantus's own constant baseline 0.0;
* `np.argsort(-a)` is not stable, so maps with ties inside a top-k set are avoided (continuous maps, checked).
Quantus has no twin for the warp-back metrics (Consist, Cons, the protocol) or for Var; their pieces are checked
(IoU, Pearson, Spearman) and the warps are tested in the notebook.
"""
import warnings
from contextlib import contextmanager, nullcontext
import numpy as np, pytest, torch, torch.nn as nn, torch.nn.functional as F
from conftest import need
from robustcam.core import gradcam
from robustcam.models import load_model
from robustcam.validate import n_top
from robustcam.deletion import deletion_baseline, FAITH_KS
from robustcam.metrics import (topk_iou, topk_mask, pearson, spearman, localisation_accuracy, noise_stability, faithfulness,
    fidelity, pairwise_spearman)
from robustcam.protocol import make_perturbations, add_noise, unwarp_perturbed, compute_all_metrics
from robustcam.explainers import GradCAMExplainer, RobustCAMExplainer

try: import quantus
except ImportError: quantus = None

TOL = 1e-6

@pytest.fixture(scope='module')
def q():
    need(quantus is not None, "quantus is not installed (pip install quantus)")
    warnings.filterwarnings('ignore', module='quantus')
    return quantus

@pytest.fixture(scope='module')
def lite0(): return load_model('efficientnet_lite0')

@pytest.fixture(scope='module')
def cams(lite0):
    "Grad-CAM maps (2 images x 3 layers, 224 px) of the real Lite0: realistic maps, with ReLU zeros (ties)."
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    r = gradcam(lite0.model, lite0.normalize(x), lite0.layers, targets=[1, 281])
    assert not r.degenerate.any()
    return x, r.maps

def _wrapped(lm): return nn.Sequential(lm.normalize, lm.model).eval()

def _with_softmax(lm):
    "Ending the model with nn.Softmax keeps Quantus from deep-copying it on every predict (softmax=True uses it as is)."
    return nn.Sequential(lm.normalize, lm.model, nn.Softmax(-1)).eval()

@contextmanager
def float64():
    "Quantus feeds numpy arrays to the model through `torch.Tensor(x)` (the default dtype): make that float64."
    old = torch.get_default_dtype(); torch.set_default_dtype(torch.float64)
    try: yield
    finally: torch.set_default_dtype(old)

def _toy64():
    "A small CNN in float64 (float64 convolutions of a real network are too slow on CPU for a test)."
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 5, stride=2, padding=2), nn.ReLU(), nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(64, 10)).double().eval()
    with torch.no_grad(): net[-1].weight.mul_(20)   # spread the logits so deletions move the probabilities
    return net

def _smooth_maps(n, m, size, seed):
    "Continuous maps without ties: random 6x6 fields upsampled bicubically, plus a tiny random ramp."
    g = torch.Generator().manual_seed(seed)
    low = F.interpolate(torch.rand(n, m, 6, 6, generator=g), size=size, mode='bicubic', align_corners=False)
    return (low + 1e-4 * torch.rand(n, m, *size, generator=g)).clamp(0, 1)

def test_pearson_spearman_match_quantus(q, cams):
    _, maps = cams
    zeros = (maps == 0).float().mean().item()
    assert zeros > 0.01, "maps without ties would not test the tie handling"
    a, b = maps[:, [0, 0, 1]], maps[:, [1, 2, 2]]                   # pairs of layers
    fa, fb = a.double().flatten(-2).reshape(6, -1).numpy(), b.double().flatten(-2).reshape(6, -1).numpy()
    for ours, ref in ((pearson(a, b), q.similarity_func.correlation_pearson), (spearman(a, b), q.similarity_func.correlation_spearman)):
        theirs = ref(fa, fb, batched=True)
        print(f"{ref.__name__} on Grad-CAM maps (ties: {zeros:.0%} zeros): max |diff| {np.abs(ours.reshape(-1).numpy() - theirs).max():.1e}")
        np.testing.assert_allclose(ours.reshape(-1).numpy(), theirs, rtol=0, atol=TOL)
    # on masked pixels (the pixels valid in both, as Cons and Spear use them), one pair at a time
    pert = make_perturbations(2, (224, 224), seed=0)
    _, valid = unwarp_perturbed(a[:, None].expand(2, 2, 3, 224, 224).contiguous(), pert)
    v = valid[:, 0, None]                                             # (2,1,H,W)
    for ours, ref in ((pearson(a, b, v), q.similarity_func.correlation_pearson), (spearman(a, b, v), q.similarity_func.correlation_spearman)):
        for n in range(2):
            for j in range(3):
                m = v[n, 0]
                theirs = ref(a[n, j][m].double().numpy(), b[n, j][m].double().numpy())
                assert abs(ours[n, j].item() - theirs) < TOL, (n, j, ours[n, j].item(), theirs)

def test_pairwise_spearman_of_robustcam_views_matches_quantus(q):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4)).eval()
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    e = RobustCAMExplainer(net, '2')(x, torch.tensor([0, 2]))
    views, valid = e.views[:, :, 0], e.valid[:, :, 0]                 # (N,V,H,W)
    ours = pairwise_spearman(views, valid)
    for n in range(2):
        rhos = []
        for i in range(6):
            for j in range(i + 1, 6):
                m = valid[n, i] & valid[n, j]
                rhos.append(q.similarity_func.correlation_spearman(views[n, i][m].double().numpy(), views[n, j][m].double().numpy()))
        print(f"pairwise Spearman of RobustCAM views: |diff| {abs(ours[n].item() - np.nanmean(rhos)):.1e}")
        assert abs(ours[n].item() - np.nanmean(rhos)) < TOL

def test_locacc_matches_relevance_mass_accuracy(q, lite0, cams):
    x, maps = cams
    masks = torch.zeros(2, 224, 224, dtype=torch.bool); masks[0, 40:150, 60:200] = True; masks[1, 100:, :120] = True
    ours = localisation_accuracy(maps, masks)
    rma = q.RelevanceMassAccuracy(normalise=False, abs=False, disable_warnings=True)
    for j in range(3):
        theirs = rma(_wrapped(lite0), x.numpy(), np.array([1, 281]), a_batch=maps[:, j:j+1].numpy(), s_batch=masks[:, None].numpy())
        print(f"LocAcc vs RelevanceMassAccuracy, layer {j}: max |diff| {np.abs(ours[:, j].numpy() - np.asarray(theirs, dtype=np.float64)).max():.1e}")
        np.testing.assert_allclose(ours[:, j].numpy(), np.asarray(theirs, dtype=np.float64), rtol=0, atol=TOL)

def test_topk_iou_matches_topk_intersection(q, lite0, cams):
    "With both top-k sets of size n, IoU = t/(2-t) where t = |T_k(a) & T_k(b)|/n is Quantus's TopKIntersection."
    x, _ = cams
    maps = _smooth_maps(2, 3, (224, 224), seed=3)  # Grad-CAM maps upsampled 32x have exact ties, also at the top-k boundary
    n = n_top(0.2, 224 * 224)
    srt = maps.flatten(-2).sort(-1, descending=True).values
    assert (srt[..., n - 1] > srt[..., n]).all(), "a tie at the top-k boundary would make the sets ambiguous"
    for i, j in ((0, 1), (0, 2), (1, 2)):
        t = q.TopKIntersection(k=n, normalise=False, abs=False, disable_warnings=True)(
            _wrapped(lite0), x.numpy(), np.array([1, 281]), a_batch=maps[:, i:i+1].numpy(), s_batch=topk_mask(maps[:, j:j+1], 0.2).numpy())
        t = np.asarray(t, dtype=np.float64)
        print(f"top-k IoU vs TopKIntersection: max |diff| {np.abs(topk_iou(maps[:, i], maps[:, j], 0.2).numpy() - t / (2 - t)).max():.1e}")
        np.testing.assert_allclose(topk_iou(maps[:, i], maps[:, j], 0.2).numpy(), t / (2 - t), rtol=0, atol=TOL)

def _noise_func(pert):
    "Quantus perturb_func returning clip(x + e_p) for p = 0, 1, ... on successive calls: the same samples as ours."
    calls = iter(range(len(pert)))
    def f(arr, indices, **kw):
        p = next(calls)
        return np.clip(arr + pert.eps[p].reshape(1, -1).numpy(), 0, 1)
    return f

def _quantus_explain(expl, j=0):
    return lambda model, inputs, targets, **kw: expl(torch.as_tensor(inputs), torch.as_tensor(targets)).maps[:, j:j+1].numpy()

def test_stab_matches_avg_sensitivity_lite0(q, lite0):
    "compute_all_metrics' Stab on the real Lite0 (Grad-CAM, deepest layer) = 1 - AvgSensitivity with the same noise."
    x = torch.rand(2, 3, 96, 96, generator=torch.Generator().manual_seed(2))
    pert = make_perturbations(3, (96, 96), seed=5, max_shift=5)
    expl = GradCAMExplainer(lite0.model, lite0.layers[-1], lite0.normalize)
    df = compute_all_metrics(lite0.model, x, expl, normalize=lite0.normalize, perturbations=pert)
    t = torch.tensor(df.target.to_numpy())
    a = expl(x, t).maps
    avs = q.AvgSensitivity(nr_samples=3, perturb_func=_noise_func(pert), normalise=False, abs=False, disable_warnings=True)
    theirs = np.asarray(avs(_wrapped(lite0), x.numpy(), t.numpy(), a_batch=a.numpy(), explain_func=_quantus_explain(expl)), dtype=np.float64)
    print(f"Stab (compute_all_metrics, Lite0 Grad-CAM) vs 1 - AvgSensitivity: max |diff| {np.abs(df.Stab.to_numpy() - 1 + theirs).max():.1e}")
    np.testing.assert_allclose(df.Stab.to_numpy(), 1 - theirs, rtol=0, atol=TOL)

def test_stab_matches_avg_sensitivity_robustcam(q):
    "noise_stability() for RobustCAM's fused maps (toy CNN) = 1 - AvgSensitivity with the same noise."
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4)).eval()
    x = torch.rand(3, 3, 32, 32, generator=torch.Generator().manual_seed(3)); t = net(x).argmax(1)
    pert = make_perturbations(4, (32, 32), seed=1)
    expl = RobustCAMExplainer(net, ['0', '2'], fusions=('mean', 'median'))
    S = expl(x, t).maps
    noisy = expl(add_noise(x, pert).flatten(0, 1), t.repeat_interleave(4)).maps.unflatten(0, (3, 4))
    ours = noise_stability(S, noisy)
    for j in range(4):
        avs = q.AvgSensitivity(nr_samples=4, perturb_func=_noise_func(pert), normalise=False, abs=False, disable_warnings=True)
        theirs = np.asarray(avs(net, x.numpy(), t.numpy(), a_batch=S[:, j:j+1].numpy(), explain_func=_quantus_explain(expl, j)), dtype=np.float64)
        print(f"Stab (RobustCAM {expl.rc.layers[j // 2]}, map {j}) vs 1 - AvgSensitivity: max |diff| {np.abs(ours[:, j].numpy() - 1 + theirs).max():.1e}")
        np.testing.assert_allclose(ours[:, j].numpy(), 1 - theirs, rtol=0, atol=TOL)

def _replace_by(base_flat):
    "Quantus perturb_func replacing the given features of each (batched, flattened) image by our baseline's values."
    def f(arr, indices, **kw):
        out = arr.copy(); rows = np.arange(len(arr))[:, None]
        out[rows, indices] = base_flat[rows, indices]
        return out
    return f

def _faith_vs_pixel_flipping(q, model, norm, x, maps, baseline):
    """Faith = mean over k of (p_c(x) - p_c(del_k))/p_c(x); Quantus's PixelFlipping deletes cumulatively in the same
    order, so its curve at 10%, 20%, ... is p_c(del_k). 60x60 images: 360 px per 10%, 120 px (360 features) per step.
    One Quantus call: its rows are the (image, map) pairs. Returns max |ours - Quantus| and our values."""
    (N, M), (H, W) = maps.shape[:2], maps.shape[-2:]
    net, net_sm = nn.Sequential(norm, model).eval(), nn.Sequential(norm, model, nn.Softmax(-1)).eval()  # Softmax last: Quantus uses the model as is
    with torch.no_grad(): t = net(x).argmax(1)
    ours = faithfulness(model, x, maps, t, normalize=norm, baseline=baseline).reshape(-1)
    xr, tr = x.repeat_interleave(M, 0), t.repeat_interleave(M)       # row n*M+j: image n, map j
    with torch.no_grad(): p0 = net(xr).double().softmax(-1).gather(1, tr[:, None]).numpy()
    kw = dict(perturb_baseline=0.0) if baseline == 'zero' else dict(perturb_func=_replace_by(deletion_baseline(xr, baseline).reshape(N * M, -1).numpy()))
    pf = q.PixelFlipping(features_in_step=360, normalise=False, abs=False, disable_warnings=True, **kw)
    with float64() if x.dtype == torch.float64 else nullcontext():
        curve = np.asarray(pf(net_sm, xr.numpy(), tr.numpy(), a_batch=maps.reshape(N * M, 1, H, W).numpy()), dtype=np.float64)
    assert curve.shape == (N * M, 30)
    pk = curve[:, [3 * (i + 1) - 1 for i in range(len(FAITH_KS))]]
    return np.abs(ours.numpy() - ((p0 - pk) / p0).mean(1)).max(), ours

@pytest.mark.parametrize('baseline', ['blur', 'mean', 'zero'])
def test_faith_matches_pixel_flipping_float64(q, baseline):
    "In float64 the two computations agree to round-off."
    x = torch.rand(3, 3, 60, 60, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    diff, ours = _faith_vs_pixel_flipping(q, _toy64(), nn.Identity(), x, _smooth_maps(3, 2, (60, 60), seed=4).double(), baseline)
    print(f"Faith[{baseline}] vs PixelFlipping, float64 CNN: max |diff| {diff:.1e}")
    assert diff < TOL
    assert ours.abs().max() > 1e-2, "no probability moved: the comparison would be vacuous"

def test_faith_matches_pixel_flipping_lite0(q, lite0):
    """The real Lite0 in float32: its logits change by ~1e-7 with the batch composition (ours: all deletions in one
    batch; Quantus: one batch per step), and (p0 - pk)/p0 amplifies that when p0 is small; hence 1e-5 here."""
    x = torch.rand(2, 3, 60, 60, generator=torch.Generator().manual_seed(5))
    diff, ours = _faith_vs_pixel_flipping(q, lite0.model, lite0.normalize, x, _smooth_maps(2, 2, (60, 60), seed=5), 'blur')
    print(f"Faith[blur] vs PixelFlipping, Lite0 float32: max |diff| {diff:.1e}")
    assert diff < 1e-5 and ours.abs().max() > 1e-3

@pytest.mark.parametrize('baseline', ['blur', 'zero'])
def test_fid_matches_road(q, lite0, baseline):
    """Fid = acc(x) - acc(del_0.2) over a data set; Quantus's ROAD at 20% with our baseline as its imputation is
    acc(del_0.2) (it sizes top-k by the map's size, so the map is passed broadcast to 3 channels)."""
    H = W = 60
    x = torch.rand(8, 3, H, W, generator=torch.Generator().manual_seed(6))
    maps = _smooth_maps(8, 1, (H, W), seed=6)
    net = _with_softmax(lite0)
    pred = net(x).detach().argmax(1)
    y = torch.where(torch.arange(8) % 3 == 0, (pred + 1) % 1000, pred)   # a third of the labels wrong
    ours = fidelity(lite0.model, x, maps, y, normalize=lite0.normalize, baseline=baseline)[:, 0]
    def impute(arr, indices, **kw):
        out = arr.copy().reshape(-1)
        out[indices] = deletion_baseline(torch.from_numpy(arr)[None], baseline)[0].numpy().reshape(-1)[indices]
        return out.reshape(arr.shape)
    road = q.ROAD(percentages=[20], perturb_func=impute, normalise=False, abs=False, disable_warnings=True)
    acc_del = road(net, x.numpy(), y.numpy(), a_batch=np.broadcast_to(maps.numpy(), x.shape).copy(), softmax=True)[20]
    theirs = (pred == y).double().mean().item() - acc_del
    print(f"Fid[{baseline}] vs acc - ROAD@20%: {ours.mean().item():+.4f} vs {theirs:+.4f}")
    assert abs(ours.mean().item() - theirs) < TOL, (ours.tolist(), theirs)
    assert ours.abs().sum() > 0 or baseline == 'blur', "no decision changed: the comparison would be vacuous"
