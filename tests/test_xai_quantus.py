"""robustcam.sanity against Quantus's randomisation metrics, on the same model, inputs and re-initialisation rule.

* `MPRT` (cascading, `layer_order='top_down'`): per-layer Spearman scores equal ours per block when each block is one
  layer, for the signed maps (`abs=False`) and their absolute values (`abs=True`). Quantus rescales by the maximum
  (`normalise=True`), which leaves ranks unchanged, so it stays on.
* `EfficientMPRT`: (H(fully random) - H(original)) / H(original) per image equals our `emprt` (100 bins).
* The explainers are built by `quantus_explain_func` on the deep copy Quantus passes, finding their layers by name.
"""
import copy, warnings
import numpy as np, pytest, torch, torch.nn as nn
from conftest import need
from robustcam.explainers import GradCAMExplainer
from robustcam.shap import ShapExplainer
from robustcam.sanity import sanity_check, quantus_explain_func, randomized_models

try: import quantus
except ImportError: quantus = None

@pytest.fixture(scope='module')
def q():
    need(quantus is not None, "quantus is not installed (pip install quantus)")
    warnings.filterwarnings('ignore', module='quantus')
    return quantus

def _toy():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3)).eval()

LAYERS = ['6', '2', '0']   # Quantus's top_down order of the modules with reset_parameters

@pytest.fixture(scope='module')
def data():
    x = torch.rand(5, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    bg = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    return x, torch.tensor([0, 1, 2, 0, 1]), bg

def _ours(model, x, y, factory, measure):
    res = sanity_check(model, x, {'m': factory}, LAYERS, targets=y, modes=('cascading',), measures=(measure,))
    s = res.scores
    return {b: s[s.block == b].sort_values('image').value.to_numpy() for b in LAYERS}, res

def _mprt(q, model, x, y, func, abs_):
    m = q.MPRT(layer_order='top_down', seed=42, abs=abs_, normalise=True, disable_warnings=True)
    return m(model=model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=None, explain_func=func, softmax=False, batch_size=8)

@pytest.mark.parametrize('method', ['gradcam', 'shap'])
def test_mprt_per_layer(q, data, method):
    x, y, bg = data
    model = _toy()
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    if method == 'gradcam':
        factory, func = (lambda m: GradCAMExplainer(m, '2')), quantus_explain_func('gradcam', layers='2')
    else:
        factory, func = (lambda m: ShapExplainer(m, bg, nsamples=8)), quantus_explain_func('shap', background=bg, nsamples=8)
    for measure, abs_ in (('spearman', False), ('spearman_abs', True)):
        ours, _ = _ours(model, x, y, factory, measure)
        theirs = _mprt(q, model, x, y, func, abs_)
        assert list(theirs) == ['original', *LAYERS]
        # Quantus gives NaN where a map is constant (e.g. a Grad-CAM that is all zero after ReLU); we use the
        # metrics' fallback there (1 if both maps are equal, else 0): compare the others, and there must be some.
        for b in ['original', *LAYERS]:
            ok = np.isfinite(theirs[b])
            assert ok.sum() >= 2, (method, measure, b, theirs[b])
            np.testing.assert_allclose((ours[b] if b != 'original' else 1.)[ok] if b != 'original' else 1., np.asarray(theirs[b])[ok], atol=1e-6, err_msg=f"{method} {measure} layer {b}")
    assert all(torch.equal(v, sd[k]) for k, v in model.state_dict().items())   # neither run touched the model

def test_efficient_mprt(q, data):
    x, y, bg = data
    model = _toy()
    _, res = _ours(model, x, y, lambda m: ShapExplainer(m, bg, nsamples=8), 'spearman')
    e = q.EfficientMPRT(complexity_func_kwargs={'n_bins': 100}, layer_order='bottom_up', seed=42, abs=True, normalise=True, disable_warnings=True)
    theirs = e(model=model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=None, explain_func=quantus_explain_func('shap', background=bg, nsamples=8),
               softmax=True, batch_size=8)   # softmax: its model-entropy side scores need probabilities
    np.testing.assert_allclose(res.emprt.sort_values('image').emprt.to_numpy(), theirs, rtol=1e-6, atol=1e-9)

def test_weights_byte_identical(data):
    "The randomised copies never share storage with the caller's model: its bytes are unchanged after a full run."
    model = _toy()
    before = {k: v.numpy().tobytes() for k, v in model.state_dict().items()}
    for mode in ('cascading', 'independent'):
        for _, m in randomized_models(model, LAYERS, mode):
            for p in m.parameters(): p.data.add_(1.)   # even writing into the copy leaves the original alone
    assert {k: v.numpy().tobytes() for k, v in model.state_dict().items()} == before
