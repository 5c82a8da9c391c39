"11_exp_baselines through papermill with 2 images, 2 perturbations, one layer and one fixed blur, Faith on 2 images, 2 CT test images of the slice split, Quantus on 2 images with 1 draw (nbdev-test skips it: its defaults are the full run)."
import pandas as pd, pytest
from conftest import need
from robustcam.data import PROJECT_ROOT, dataset_path

NB = PROJECT_ROOT/'nbs'/'11_exp_baselines.ipynb'
SMALL = dict(n_images=2, n_perturb=2, layers=['bn2'], sigmas=[4.], faith_images=2, ct=True, ct_images=2, ct_splits=['slice'], quantus_images=2, quantus_samples=1)   # ct=True: the CT part, off by default

def _have(name):
    try: dataset_path(name); return True
    except FileNotFoundError: return False

def test_exp_baselines_smoke(tmp_path, monkeypatch):
    need(_have('imagenet50'), "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    need(_have('iqothnccd'), "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    need((PROJECT_ROOT/'results'/'checkpoints'/'efficientnet_lite0_iqothnccd.pth').exists(), "no trained Lite0 head (results/checkpoints/)")
    pm = pytest.importorskip('papermill'); pytest.importorskip('quantus')
    monkeypatch.setenv('OMP_NUM_THREADS', '1')   # the kernel's batches are tiny: one thread is faster on a shared CPU
    out = tmp_path/'out'
    pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False, parameters=SMALL | dict(out_dir=str(out)))
    tab = lambda n: pd.read_csv(out/'tables'/f'baselines_{n}_efficientnet_lite0.csv')
    names = {'gradcam', 'gradcam-blur4', 'aug-smooth', 'robustcam6-mean', 'robustcam6-median', 'gradcam-blur-matched6', 'smoothgrad-cam6', 'augmented-gradcam6'}
    rows = tab('stability')
    assert set(rows.method) == names and rows.image.nunique() == 2 and set(rows.layer) == {'bn2'}
    assert rows[['Var', 'IoU_k', 'Spear']].notna().all().all()
    cost = tab('cost').set_index('method')
    assert cost.passes.to_dict() == {n: 1 if n in ('gradcam', 'gradcam-blur4') else 6 for n in names}
    r = cost.roughness
    assert r['gradcam-blur4'] < r['gradcam'] and r['gradcam-blur-matched6'] <= r['gradcam'] * (1 + 1e-6), "blurs make maps smoother"
    s = tab('summary')
    assert {'p_wilcoxon_holm', 'cohens_d', 'rel_improvement', 'passes'} <= set(s.columns) and (s.n_images == 2).all()
    assert s[s.method == 'robustcam6-mean'].rel_improvement.isna().all(), "RobustCAM-mean is the reference of the paired table"
    # faithfulness beside stability, on ImageNet and CT
    f = tab('faith')
    assert set(f.method) == names and f.image.nunique() == 2 and f[['Faith', 'Consist', 'Fid', 'Stab', 'Cons']].notna().all().all()
    fs = tab('faith_summary'); assert set(fs.measure) == {'Faith', 'Consist', 'Fid', 'Stab', 'Cons'} and (fs.n_images == 2).all()
    ct = tab('ct'); assert set(ct.split) == {'slice'} and ct.image.nunique() == 2 and set(ct.method) == names
    cs = tab('ct_summary'); assert {'Var', 'IoU_k', 'Faith'} <= set(cs.measure) and set(cs.layer) == set(ct.layer)
    for fig in ('imagenet', 'ct_slice'): assert (out/'figures'/f'baselines_tradeoff_{fig}_efficientnet_lite0.png').exists()
    # Quantus: four methods, three metrics, its version and draws recorded
    q = tab('quantus')
    assert set(q.method) == {'gradcam', 'gradcam-blur-matched6', 'aug-smooth', 'robustcam6-mean'} and q.image.nunique() == 2
    assert set(q.metric) == {'MaxSensitivity', 'LocalLipschitzEstimate', 'RelativeInputStability'} and (q.quantus == '0.6.0').all() and (q.nr_samples == 1).all()
    v = tab('verdicts')
    assert set(v.verdict) <= {'beats', 'ties', 'loses'} and 'robustcam6-mean' not in set(v.method)
    assert {'ImageNet', 'CT (slice split)', 'ImageNet (Quantus)'} == set(v.dataset)

def test_exp_baselines_bad_view_count_fails_early(tmp_path):
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match="num_views must be 6 and/or 8"):
        pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False,
                            parameters=dict(num_aug=7, n_images=2, n_perturb=2, out_dir=str(tmp_path/'out')))
    assert not (tmp_path/'out').exists()

def test_exp_baselines_quantus_method_without_explain_func_fails_early(tmp_path):
    "A Quantus method with no explainer is refused in the checks cell, before any image is explained or any table written."
    need(_have('imagenet50'), "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match=r"No explainer for Quantus methods \['lime'\]"):
        pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False,
                            parameters=SMALL | dict(ct=False, quantus_methods=['gradcam', 'lime'], out_dir=str(tmp_path/'out')))
    assert not list((tmp_path/'out').rglob('*.csv'))
