"The uncertainty map for every kind of attribution RobustCAM takes, on a real network, and the trust score through the CLI."
import csv, json, warnings, io, contextlib
import numpy as np, pytest, torch, torch.nn as nn
from robustcam.fusion import RobustCAM, fuse, mean_uncertainty, uncertainty_as, trust_score, UncertaintyWarning, UNCERTAINTY_FORMAT
from robustcam.core import normalize_maps

def _toy():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4)).eval()

def _check(res):
    "U: NaN exactly outside u_valid, defined where every used view saw the pixel, the std of the views there; the fused map as before."
    assert torch.equal(res.uncertainty.isnan(), ~res.u_valid)
    seen = (res.valid[:, :, None] | ~res.used[..., None, None]).all(1)
    assert torch.equal(res.u_valid, seen & (res.used.sum(1) >= 2)[..., None, None])
    f, s, _ = fuse(res.view_maps, res.fusion_mask)
    assert torch.equal(res.fused, normalize_maps(f)[0])
    assert torch.allclose(res.uncertainty[res.u_valid], s[res.u_valid])
    assert (~res.u_valid).any() and res.u_valid.any()              # the rotated view's corners: undefined
    mu = mean_uncertainty(res)
    assert mu.isfinite().all() and (mu > 0).all() and (mu <= .5).all()
    assert ((res.trust >= 0) & (res.trust <= 1)).all()

@pytest.mark.parametrize('attribution', ['gradcam++', 'layercam'])
def test_cam_methods(attribution):
    _check(RobustCAM(_toy(), ['0', '2'], attribution=attribution)(torch.rand(2, 3, 32, 32)))

def test_lime_callable():
    "LIME as a callable explainer: each view explained on its own, U defined the same way."
    from robustcam.lime import LimeExplainer, grid_segmentation
    net = _toy()
    lime = LimeExplainer(net, num_samples=40, segmentation=grid_segmentation(4), seed=0)
    res = RobustCAM(net, attribution=lime)(torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(3)), targets=[1])
    _check(res)
    cv = uncertainty_as(res, 'cv')
    assert torch.equal(cv.isnan(), ~res.u_valid) and (cv[res.u_valid] >= 0).all()

def test_peer_method():
    "A pytorch-grad-cam class by name (XGradCAM) goes through the same path."
    net = _toy()
    _check(RobustCAM(net, ['2'], attribution='pgc.XGradCAM')(torch.rand(2, 3, 32, 32)))

def test_view_blind_explainer_warns():
    "An explainer that ignores its input: U = 0 and a warning, not the spread of one map warped six ways."
    net = _toy()
    fixed = torch.rand(1, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    with pytest.warns(UncertaintyWarning, match='did not respond to the views'):
        res = RobustCAM(net, attribution=lambda x, t: fixed.expand(len(x), 1, 32, 32))(torch.rand(2, 3, 32, 32))
    assert (res.uncertainty[res.u_valid] == 0).all() and (res.trust == res.agreement).all()

def test_real_model_and_cli(tmp_path):
    "EfficientNet-Lite0 on a photo through `robustcam explain`: summary.csv's trust, run.json's format, --distrust-below."
    from robustcam.cli import main, save_samples
    save_samples(tmp_path/'in', ('chelsea', 'coffee'))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = main(['explain', str(tmp_path/'in'), '--out', str(tmp_path/'out'), '--no-progress', '--no-panels', '--distrust-below', '1'])
    assert rc == 0, out.getvalue()
    rows = list(csv.DictReader(open(tmp_path/'out'/'summary.csv')))
    assert len(rows) == 2 and all(0 <= float(r['trust']) <= 1 for r in rows)
    z = np.load(tmp_path/'out'/'chelsea.npz')
    u = z['uncertainty']; assert np.isnan(u).any() and np.isfinite(u).any()
    r = rows[0]
    assert abs(float(r['trust']) - float(trust_score(torch.tensor(float(r['view_agreement'])), torch.tensor(float(np.nanmean(u)))))) < 2e-4
    assert json.loads((tmp_path/'out'/'run.json').read_text())['uncertainty'] == UNCERTAINTY_FORMAT
    assert '2 explanation(s) not to trust (trust below 1' in out.getvalue()   # every trust is < 1 on real photos
