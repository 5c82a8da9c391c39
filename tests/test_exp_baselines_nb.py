"11_exp_baselines through papermill with 2 images, 2 perturbations, one layer and one fixed blur (nbdev-test skips it: its defaults are the full run)."
import pandas as pd, pytest
from conftest import need
from robustcam.data import PROJECT_ROOT, dataset_path

NB = PROJECT_ROOT/'nbs'/'11_exp_baselines.ipynb'

def test_exp_baselines_smoke(tmp_path, monkeypatch):
    try: dataset_path('imagenet50'); have = True
    except FileNotFoundError: have = False
    need(have, "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    pm = pytest.importorskip('papermill')
    monkeypatch.setenv('OMP_NUM_THREADS', '1')   # the kernel's batches are tiny: one thread is faster on a shared CPU
    out = tmp_path/'out'
    pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False,
                        parameters=dict(n_images=2, n_perturb=2, layers=['bn2'], sigmas=[4.], out_dir=str(out)))
    names = {'gradcam', 'gradcam-blur4', 'aug-smooth', 'robustcam6-mean', 'robustcam6-median', 'gradcam-blur-matched6', 'smoothgrad-cam6', 'augmented-gradcam6'}
    rows = pd.read_csv(out/'tables'/'baselines_stability_efficientnet_lite0.csv')
    assert set(rows.method) == names and rows.image.nunique() == 2 and set(rows.layer) == {'bn2'}
    assert rows[['Var', 'IoU_k', 'Spear']].notna().all().all()
    cost = pd.read_csv(out/'tables'/'baselines_cost_efficientnet_lite0.csv').set_index('method')
    assert cost.passes.to_dict() == {n: 1 if n in ('gradcam', 'gradcam-blur4') else 6 for n in names}
    r = cost.roughness
    assert r['gradcam-blur4'] < r['gradcam'] and r['gradcam-blur-matched6'] <= r['gradcam'] * (1 + 1e-6), "blurs make maps smoother"
    s = pd.read_csv(out/'tables'/'baselines_summary_efficientnet_lite0.csv')
    assert {'p_wilcoxon_holm', 'cohens_d', 'rel_improvement', 'passes'} <= set(s.columns) and (s.n_images == 2).all()
    assert s[s.method == 'robustcam6-mean'].rel_improvement.isna().all(), "RobustCAM-mean is the reference of the paired table"

def test_exp_baselines_bad_view_count_fails_early(tmp_path):
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match="num_views must be 6 and/or 8"):
        pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False,
                            parameters=dict(num_aug=7, n_images=2, n_perturb=2, out_dir=str(tmp_path/'out')))
    assert not (tmp_path/'out').exists()
