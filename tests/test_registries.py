"""One registry per extension point: each test adds a toy by one edit in one place and shows that every consumer sees it.

- a metric: one `Metric` in `robustcam.metrics.METRICS` -> the protocol computes it, the statistics and tables take its
  direction, the plots draw it;
- a CAM method: one entry in `robustcam.core.CAM_METHODS` -> `gradcam`, `RobustCAM` and the explainer adapters take it;
- an architecture: one `ArchSpec` in `robustcam.models.ARCHS` -> `load_model` builds it, the sanity check finds its blocks;
- an explainer by name: one entry in `robustcam.explainers.EXPLAINERS` -> `make_explainer`, the sanity check's Quantus
  adapter and every factory by name build it.
Each test removes its toy again (`registered`), so the other tests see the built-ins only.
"""
import contextlib, warnings
import numpy as np, pandas as pd, pytest, torch, torch.nn as nn
from robustcam.core import CAM_METHODS, gradcam
from robustcam.fusion import RobustCAM
from robustcam.explainers import EXPLAINERS, GradCAMExplainer, RobustCAMExplainer, make_explainer
from robustcam.metrics import METRICS, Metric, directions
from robustcam.models import ARCHS, ArchSpec, load_model
from robustcam.protocol import compute_all_metrics, make_perturbations
from robustcam.sanity import quantus_explain_func, resolve_blocks, sanity_check
from robustcam.stats import compare_methods
from robustcam.tables import metrics_table, wide_table
from robustcam.viz import metric_bars

@contextlib.contextmanager
def registered(registry:dict, name, value):
    "Add `registry[name] = value` for the block (the one edit), then remove it."
    assert name not in registry
    registry[name] = value
    try: yield value
    finally: del registry[name]

def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3)).eval()

X = torch.rand(4, 3, 24, 24, generator=torch.Generator().manual_seed(1))

def test_metric_registry(tmp_path):
    "A toy metric (the maps' mean, lower is better, needs labels) reaches the protocol, stats, tables and plots."
    toy = Metric('Mean', False, lambda i: i.S.double().mean((-2, -1)), needs=('labels',), group='A')
    net, pert = _net(), make_perturbations(2, (24, 24), seed=0)
    with registered(METRICS, 'Mean', toy), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        ex = RobustCAMExplainer(net, ['2'], plain=True)
        df = compute_all_metrics(net, X, ex, labels=[0, 1, 2, 0], perturbations=pert)
        S = ex(X, torch.as_tensor(df.target.values[::2])).maps
        np.testing.assert_allclose(df.Mean.to_numpy(), S.double().mean((-2, -1)).reshape(-1).numpy(), rtol=1e-6)
        assert compute_all_metrics(net, X, ex, perturbations=pert).Mean.isna().all()   # a missing need: NaN
        assert directions()['Mean'] is False
        cm = compare_methods(df, baseline='gradcam', by=('layer',), n_boot=200)         # direction from the registry
        assert 'Mean' in set(cm.measure)
        # lower is better, so the paired gain over Grad-CAM is Grad-CAM's value minus RobustCAM's (positive = better)
        row = cm[(cm.measure == 'Mean') & (cm.method == 'robustcam-mean')].iloc[0]
        g = df[df.method == 'gradcam'].sort_values('image').Mean.to_numpy(); r = df[df.method == 'robustcam-mean'].sort_values('image').Mean.to_numpy()
        assert np.isclose(row['mean'], r.mean()) and np.isclose(row['mean_diff'], (g - r).mean())
        t = metrics_table({'toy': df}, n_boot=200)
        assert 'Mean' in set(t.measure) and 'Mean' in wide_table(t).columns
        metric_bars(tmp_path/'bars.png', t[t.family == 'toy'])
        assert (tmp_path/'bars.png').stat().st_size > 0
    assert 'Mean' not in METRICS and 'Mean' not in compute_all_metrics(net, X, GradCAMExplainer(net, '2'), perturbations=pert).columns

def test_cam_registry():
    "A toy CAM weighting (activations summed over channels, gradients ignored) works in gradcam, RobustCAM and the adapters."
    net = _net()
    with registered(CAM_METHODS, 'actsum', lambda a, g: a.sum(1)):
        r = gradcam(net, X, '2', attribution='actsum')
        ref = nn.functional.interpolate(net[:3](X).detach().sum(1, keepdim=True).relu(), size=(24, 24), mode='bilinear', align_corners=False)[:, 0]
        ref = (ref - ref.amin((-2, -1), keepdim=True)) / (ref.amax((-2, -1), keepdim=True) - ref.amin((-2, -1), keepdim=True))
        torch.testing.assert_close(r.maps[:, 0], ref, atol=1e-5, rtol=0)
        rc = RobustCAM(net, ['2'], attribution='actsum')(X)
        assert rc.attribution == 'actsum' and rc.fused.shape == (4, 1, 24, 24)
        torch.testing.assert_close(rc.plain[:, 0], r.maps[:, 0], atol=1e-5, rtol=0)
        assert RobustCAMExplainer(net, '2', attribution='actsum', plain=True)(X).methods == ['actsum', 'robustcam-mean']
    with pytest.raises(ValueError, match="Unknown attribution 'actsum'"): gradcam(net, X, '2', attribution='actsum')

def test_arch_registry():
    "A toy architecture (torchvision's resnet18: layers, head, normalisation and sanity blocks in one ArchSpec)."
    blocks = (('fc', ('fc',)), ('layer4', ('layer4',)), ('layer3', ('layer3',)), ('stem', ('conv1', 'bn1')))
    spec = ArchSpec('torchvision', 'resnet18', ('layer3', 'layer4'), 'fc', 'ResNet18_Weights.IMAGENET1K_V1', mean=(0.5,) * 3, std=(0.25,) * 3,
                    input_size=64, blocks=blocks)
    with registered(ARCHS, 'resnet18_toy', spec):
        lm = load_model('resnet18_toy', 'random', num_classes=3)
        assert lm.layers == ['layer3', 'layer4'] and lm.input_size == 64 and lm.model.fc.out_features == 3
        torch.testing.assert_close(lm.normalize(torch.full((1, 3, 2, 2), .75)), torch.ones(1, 3, 2, 2))
        assert [b for b, _ in resolve_blocks(lm.model, 'resnet18_toy')] == ['fc', 'layer4', 'layer3', 'stem']
        x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            res = sanity_check(lm.model, x, {'gradcam': lambda m: GradCAMExplainer(m, 'layer4', lm.normalize)}, 'resnet18_toy',
                               normalize=lm.normalize, modes=('cascading',), measures=('spearman',), n_pairs=2)
        assert res.blocks == ['fc', 'layer4', 'layer3', 'stem']
        assert set(res.table[res.table['mode'] == 'cascading'].block) == {'original', 'fc', 'layer4', 'layer3', 'stem'}
    with pytest.raises(ValueError, match="Unknown arch 'resnet18_toy'"): load_model('resnet18_toy', 'random')

def test_explainer_registry():
    "A toy explainer (the image's brightness) by name: make_explainer and the Quantus adapter build it for any model."
    bright = lambda model, layers=None, normalize=None, **kw: (lambda x, t=None: x.mean(1))
    net = _net()
    with registered(EXPLAINERS, 'brightness', bright):
        torch.testing.assert_close(make_explainer('brightness', net)(X), X.mean(1))
        f = quantus_explain_func('brightness')
        a = f(model=net, inputs=X.numpy(), targets=np.zeros(4, int))
        assert a.shape == (4, 1, 24, 24) and a.dtype == np.float32
        np.testing.assert_allclose(a[:, 0], X.mean(1).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="method must be one of"): make_explainer('brightness', net)
