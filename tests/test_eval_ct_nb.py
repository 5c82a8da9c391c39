"""30_eval_ct through papermill: a DenseNet-161 smoke run (random weights, a head from the 20_train_ct smoke run), and its bad-input errors.

The other bad inputs (lime_samples < 1, sanity_images = 1, ...) fail in `check_eval_params`, the notebook's first check,
whose errors nbs/03e_evaluate.ipynb tests; RobustCAM over LIME's/SHAP's views (`fused_max_images`) is tested there on a tiny CNN."""
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

@pytest.fixture(scope='module')
def dn_head(tmp_path_factory):
    "A DenseNet-161 head on random backbone weights, trained for one epoch on ~12 images by 20_train_ct."
    need(_have_data(), "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    pm = pytest.importorskip('papermill')
    d = tmp_path_factory.mktemp('dn')
    pm.execute_notebook(str(PROJECT_ROOT/'nbs'/'20_train_ct.ipynb'), str(d/'train.ipynb'), progress_bar=False,
                        parameters=dict(arch='densenet161', weights='random', limit=12, epochs=1, out_dir=str(d)))
    ck = d/'checkpoints'/'densenet161_iqothnccd.pth'
    assert ck.exists()
    return ck

def test_eval_ct_densenet_smoke(dn_head, tmp_path):
    out = tmp_path/'out'
    _run(tmp_path/'run.ipynb', arch='densenet161', checkpoint=str(dn_head), max_images=3, xai_max_images=3, fused_max_images=0, lime_samples=8, batch_size=6,
         shap_samples=2, n_perturb=2, sanity_images=2, sanity_methods=['gradcam'], out_dir=str(out))
    t = pd.read_csv(out/'tables'/'metrics_table_test_densenet161.csv', keep_default_na=False, na_values=[''])
    assert set(t.family) == {'all', 'xai'}
    a, x = t[t.family == 'all'], t[t.family == 'xai']
    assert set(a.layer) == {'features.denseblock3', 'features.denseblock4'}
    assert set(a.method) == {'gradcam', 'robustcam-mean', 'robustcam-median'}
    assert {'lime', 'shap', 'vote', 'gradcam', 'robustcam-mean'} <= set(x.method)
    assert (t.n == 3).all() and (t.arch == 'densenet161').all()
    assert {'Faith', 'LocAcc', 'Consist', 'Fid', 'Stab', 'Cons', 'OffBody', 'Var', 'IoU_k', 'Spear'} <= set(t.measure)
    # Group C only for multi-view methods; every metric of Group A/B finite for every method
    assert t[t.measure.isin(['Var', 'IoU_k', 'Spear'])].method.str.startswith('robustcam').all()
    ab = t[t.measure.isin(['Faith', 'Consist', 'Stab', 'Cons', 'OffBody'])]
    assert ab['mean'].map(math.isfinite).all()
    grp_c = t.measure.isin(['Var', 'IoU_k', 'Spear'])   # Grad-CAM has none: RobustCAM's are reported unpaired
    assert t[t.method == 'gradcam'].mean_diff.isna().all() and t[(t.method != 'gradcam') & ~grp_c].mean_diff.notna().all()
    assert t[grp_c].p_wilcoxon.isna().all() and t[grp_c]['mean'].notna().all()
    per = pd.read_csv(out/'tables'/'eval_ct_per_image_test_densenet161.csv')
    assert per.image.nunique() == 3 and per.OffBody.between(0, 1).all()
    ag = pd.read_csv(out/'tables'/'eval_ct_agreement_test_densenet161.csv')
    assert ag.IoU_k_mean.between(0, 1).all() and ag.Spear_mean.between(-1, 1).all() and (ag.n == 3).all()
    cl = pd.read_csv(out/'tables'/'eval_ct_claims_test_densenet161.csv')
    assert cl.claim.str.contains('SHAP is the most faithful').any() and cl.claim.str.contains('fidelity is negative').any()
    san = pd.read_csv(out/'tables'/'eval_ct_sanity_test_densenet161.csv')
    assert len(san) and set(san.method) >= {'gradcam'}
    figs = [p.name for p in (out/'figures'/'qualitative').glob('densenet161_slice_test_*.png')]
    assert figs and all((out/'figures'/'qualitative'/f).stat().st_size > 0 for f in figs)
    assert list((out/'figures'/'quantitative').glob('densenet161_slice_test_metrics_*.png'))
    assert (out/'mlflow.db').stat().st_size > 0

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

def test_eval_ct_checkpoint_of_another_arch(dn_head, tmp_path):
    _fails(tmp_path, ["holds a head for 'densenet161', not 'resnet50'"], arch='resnet50', checkpoint=str(dn_head), out_dir=str(tmp_path/'o'))

def test_eval_ct_empty_split(dn_head, tmp_path):
    from robustcam.ct_data import fake_release
    rel = fake_release(tmp_path/'rel', n=(1, 1, 1), dup=0)   # one image per class: all go to the training split
    _fails(tmp_path, ["The 'test' split of", "has no images"], arch='densenet161', checkpoint=str(dn_head), data_dir=str(rel), out_dir=str(tmp_path/'o'))
