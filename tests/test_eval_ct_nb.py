"""30_eval_ct through papermill: smoke runs and the bad-input errors.

In `make test`: EfficientNet-Lite0 with the committed head, 3 images (one run, shared by the smoke assertions and as the
uninterrupted reference of the resume test). DenseNet-161, the user's `-p arch densenet161` path, is in
tests/test_eval_ct_densenet_nb.py, a file of its own so that pytest-xdist (`--dist loadfile`) runs it beside this one.

The other bad inputs (lime_samples < 1, sanity_images = 1, ...) fail in `check_eval_params`, the notebook's first check,
whose errors nbs/06f_ct_eval.ipynb tests; RobustCAM over LIME's/SHAP's views (`fused_max_images`) is tested there on a tiny CNN."""
import math, pandas as pd, pytest
from conftest import need
from robustcam.data import PROJECT_ROOT, dataset_path

NB = PROJECT_ROOT/'nbs'/'30_eval_ct.ipynb'

def _have_data():
    try: dataset_path('iqothnccd'); return True
    except FileNotFoundError: return False

def _run(out, **params):
    pm = pytest.importorskip('papermill')
    return pm.execute_notebook(str(NB), str(out), progress_bar=False, parameters=params)

def _fails(tmp_path, contains, **params):
    "The notebook stops with an error whose text holds every string of `contains`."
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError) as e: _run(tmp_path/'bad.ipynb', **params)
    msg = str(e.value)
    for c in contains: assert c in msg, (c, msg[-2000:])
    return msg

def _smoke(out, arch, layers, tag, n=3):
    "The tables and figures of a smoke run of `n` images in `out` are whole and consistent."
    t = pd.read_csv(out/'tables'/f'metrics_table_{tag}.csv', keep_default_na=False, na_values=[''])
    assert set(t.family) == {'all', 'xai'}
    a, x = t[t.family == 'all'], t[t.family == 'xai']
    assert set(a.layer) == set(layers)
    assert set(a.method) == {'gradcam', 'robustcam-mean', 'robustcam-median'}
    assert {'lime', 'shap', 'vote', 'gradcam', 'robustcam-mean'} <= set(x.method)
    assert (t.n == n).all() and (t.arch == arch).all()
    assert {'Faith', 'LocAcc', 'Consist', 'Fid', 'Stab', 'Cons', 'OffBody', 'Var', 'IoU_k', 'Spear'} <= set(t.measure)
    # Group C only for multi-view methods; every metric of Group A/B finite for every method
    assert t[t.measure.isin(['Var', 'IoU_k', 'Spear'])].method.str.startswith('robustcam').all()
    ab = t[t.measure.isin(['Faith', 'Consist', 'Stab', 'Cons', 'OffBody'])]
    assert ab['mean'].map(math.isfinite).all()
    grp_c = t.measure.isin(['Var', 'IoU_k', 'Spear'])   # Grad-CAM has none: RobustCAM's are reported unpaired
    assert t[t.method == 'gradcam'].mean_diff.isna().all() and t[(t.method != 'gradcam') & ~grp_c].mean_diff.notna().all()
    assert t[grp_c].p_wilcoxon.isna().all() and t[grp_c]['mean'].notna().all()
    per = pd.read_csv(out/'tables'/f'eval_ct_per_image_{tag}.csv')
    assert per.image.nunique() == n and per.OffBody.between(0, 1).all()
    ag = pd.read_csv(out/'tables'/f'eval_ct_agreement_{tag}.csv')
    assert ag.IoU_k_mean.between(0, 1).all() and ag.Spear_mean.between(-1, 1).all() and (ag.n == n).all()
    cl = pd.read_csv(out/'tables'/f'eval_ct_claims_{tag}.csv')
    assert cl.claim.str.contains('SHAP is the most faithful').any() and cl.claim.str.contains('fidelity is negative').any()
    san = pd.read_csv(out/'tables'/f'eval_ct_sanity_{tag}.csv')
    assert len(san) and set(san.method) >= {'gradcam'}
    figs = [p.name for p in (out/'figures'/'qualitative').glob(f'{arch}_slice_test_*.png')]
    assert figs and all((out/'figures'/'qualitative'/f).stat().st_size > 0 for f in figs)
    assert list((out/'figures'/'quantitative').glob(f'{arch}_slice_test_metrics_*.png'))
    assert (out/'mlflow.db').stat().st_size > 0

SMOKE = dict(max_images=3, xai_max_images=3, fused_max_images=0, lime_samples=8, shap_samples=2, n_perturb=2, sanity_images=2, sanity_methods=['gradcam'])

LITE0 = PROJECT_ROOT/'results'/'checkpoints'/'efficientnet_lite0_iqothnccd.pth'

@pytest.fixture(scope='module')
def lite0_run(tmp_path_factory):
    "One smoke run of the default architecture with its committed head (what `make reproduce` evaluates), 3 images."
    need(_have_data(), "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    d = tmp_path_factory.mktemp('lite0')
    _run(d/'run.ipynb', arch='efficientnet_lite0', checkpoint=str(LITE0), out_dir=str(d/'out'), **SMOKE)
    return d/'out'

def test_eval_ct_lite0_smoke(lite0_run):
    _smoke(lite0_run, 'efficientnet_lite0', ['blocks.4', 'blocks.6', 'bn2'], 'test')

def test_eval_ct_missing_checkpoint(tmp_path):
    need(_have_data(), "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    _fails(tmp_path, ["No checkpoint for resnet101", "papermill nbs/20_train_ct.ipynb", "-p arch resnet101", "resnet101-"],
           arch='resnet101', checkpoint=str(tmp_path/'missing.pth'), out_dir=str(tmp_path/'o'))

@pytest.mark.parametrize('params,contains', [
    (dict(arch='densenet_161'), ["Unknown arch 'densenet_161'", "densenet161"]),
    (dict(xai_max_images=500), ["xai_max_images: asked for 500 images, but the split has 219"]),
])
def test_eval_ct_bad_params(tmp_path, params, contains):
    need(_have_data(), "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    _fails(tmp_path, contains, out_dir=str(tmp_path/'o'), **params)

def test_eval_ct_resume(lite0_run, tmp_path):
    "A run cut by its time budget, then `resume=True`: the same tables as one uninterrupted run; another configuration is refused."
    # the reference is the shared smoke run: its sanity checks and MLflow come after, and apart from, these tables
    p = dict(SMOKE, arch='efficientnet_lite0', checkpoint=str(LITE0), sanity=False, track=False)
    _run(tmp_path/'b1.ipynb', out_dir=str(tmp_path/'b'), time_budget_s=1e-3, **p)   # the budget is spent at once: LIME/SHAP on one image
    cut = pd.read_csv(tmp_path/'b'/'tables'/'eval_ct_per_image_test.csv')
    assert cut[cut.subset == 'xai'].image.nunique() == 1
    _run(tmp_path/'b2.ipynb', out_dir=str(tmp_path/'b'), resume=True, **p)
    for f in ('metrics_table_test.csv', 'eval_ct_per_image_test.csv', 'eval_ct_claims_test.csv', 'eval_ct_agreement_test.csv'):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path/'b'/'tables'/f), pd.read_csv(lite0_run/'tables'/f), obj=f, atol=1e-6)   # float round-off: LIME/SHAP ran in other batches
    st = pd.read_csv(tmp_path/'b'/'tables'/'eval_ct_stages_test.csv')
    assert set(st.session) == {0, 1} and 'Grad-CAM + RobustCAM' not in set(st[st.session == 1].stage)   # kept, not rerun
    assert (tmp_path/'b'/'tables'/'eval_ct_per_image_test.config.json').exists()
    _fails(tmp_path, ["written by a run of another configuration", "max_images 3 there, 6 here"], out_dir=str(tmp_path/'b'), resume=True, **(p | dict(max_images=6, xai_max_images=3)))
