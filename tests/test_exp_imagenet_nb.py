"10_exp_imagenet through papermill with 2 images and 2 perturbations (nbdev-test skips it: its defaults are the full run)."
import pandas as pd, pytest
from conftest import need
from robustcam.data import PROJECT_ROOT, dataset_path

def test_exp_imagenet_smoke(tmp_path):
    try: dataset_path('imagenet50'); have = True
    except FileNotFoundError: have = False
    need(have, "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    pm = pytest.importorskip('papermill')
    out = tmp_path/'out'
    pm.execute_notebook(str(PROJECT_ROOT/'nbs'/'10_exp_imagenet.ipynb'), str(tmp_path/'run.ipynb'), progress_bar=False,
                        parameters=dict(n_images=2, n_perturb=2, out_dir=str(out)))
    rows = pd.read_csv(out/'tables'/'imagenet_stability_efficientnet_lite0.csv')
    assert set(rows.method) == {'gradcam', 'robustcam-mean', 'robustcam-median'} and rows.image.nunique() == 2
    assert rows.layer.nunique() == 3 and rows[['Var', 'IoU_k', 'Spear']].notna().all().all()
    s = pd.read_csv(out/'tables'/'imagenet_stability_efficientnet_lite0_summary.csv')
    assert {'p_wilcoxon_holm', 'cohens_d', 'rel_improvement'} <= set(s.columns) and (s.n_images == 2).all()
    v = pd.read_csv(out/'tables'/'imagenet_views_efficientnet_lite0.csv')
    assert v.runtime_ratio_8_over_6.iloc[0] > 0
    figs = sorted(p.name for p in (out/'figures').iterdir())
    assert 'imagenet_efficientnet_lite0_depth.png' in figs and len(figs) == 3   # two domains + depth chart

def test_exp_imagenet_unknown_layer_fails_early(tmp_path):
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match="Closest valid names"):
        pm.execute_notebook(str(PROJECT_ROOT/'nbs'/'10_exp_imagenet.ipynb'), str(tmp_path/'run.ipynb'), progress_bar=False,
                            parameters=dict(layers=['blocks.44'], n_images=2, n_perturb=2, out_dir=str(tmp_path/'out')))
    assert not (tmp_path/'out').exists()
