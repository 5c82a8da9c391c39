"14_exp_views through papermill with 2 photos (1 dev, 1 test) and 3 CT test slices per split, 2 perturbed copies, three view families at 2 and 6 views, three rules and one grid (nbdev-test skips it: its defaults are the full run)."
import pandas as pd, pytest
from conftest import need
from robustcam.data import PROJECT_ROOT, dataset_path

NB = PROJECT_ROOT/'nbs'/'14_exp_views.ipynb'
SMALL = dict(n_dev=1, n_test=1, n_perturb=2, view_families=['report', 'rotshift', 'stride'], sizes=[2, 6], budgets=[6], rules=['mean', 'trimmed', 'superres'],
             superres_families=['rotshift'], n_grids=1, faith_dev_images=1, timing_images=1, chunk=2, ct_images=3, ct_grids=1, ct_pool=48)

def _have(name):
    try: dataset_path(name); return True
    except FileNotFoundError: return False

def test_exp_views_smoke(tmp_path, monkeypatch):
    need(_have('imagenet50'), "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    need(_have('iqothnccd'), "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    need(all((PROJECT_ROOT/'results'/'checkpoints'/f'efficientnet_lite0_iqothnccd{s}.pth').exists() for s in ('', '_grouped')), "no trained Lite0 heads (results/checkpoints/)")
    pm = pytest.importorskip('papermill')
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    out = tmp_path/'out'
    pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False, parameters=SMALL | dict(out_dir=str(out)))
    tab = lambda n: pd.read_csv(out/'tables'/f'views_{n}_efficientnet_lite0.csv')
    h = tab('halves'); assert len(h) == 50 and (h.groupby('domain').half.apply(lambda s: (s == 'dev').sum()) == 5).all()   # fixed halves on all 50 photos
    s = tab('dev_stability')
    assert set(s.family) == {'A', 'B', 'C'} and s.photo.nunique() == 1 and set(s.layer) == {'blocks.6', 'bn2'}
    assert {'gradcam', 'report6-mean', 'rotshift6-trimmed', 'rotshift6-superres', 'stride2-mean', 'identity+hflip', 'report6-without-grey'} <= set(s.method)
    assert 'report6-superres' not in set(s.method) and s[['IoU_k', 'Spear']].notna().all().all()
    assert not set(s.photo) & set(tab('test_stability').photo), "dev and test photos are disjoint"
    c = tab('choice'); assert list(c.budget) == [6] and c.method.iloc[0].endswith(tuple(SMALL['rules'])) and c.views.iloc[0] == 6
    r = tab('ranked'); assert r.chosen.sum() == 1 and r[r.chosen].method.iloc[0] == c.method.iloc[0]
    v = tab('confirm'); assert {'test', 'dev', 'ct-slice', 'ct-grouped'} == set(v.half) and {'IoU_k', 'Spear', 'gridpg', 'Faith'} <= set(v.measure)
    assert {'A', 'B', 'C', 'grid'} <= set(v.family) and f"gradcam-blur-matched:{c.method.iloc[0]}" in set(v.method)
    assert set(tab('verdicts').verdict) <= {'beats', 'ties', 'loses'}
    t = tab('targets'); assert t.met.dtype == bool and len(t) >= 6 and {'test', 'ct-slice', 'ct-grouped'} == set(t.half)
    cs = tab('ct_stability'); assert set(cs.half) == {'ct-slice', 'ct-grouped'} and cs.groupby('half').photo.nunique().eq(3).all()   # one slice per class
    assert set(cs.family) == {'A', 'B', 'C'} and c.method.iloc[0] in set(cs.method) and len(tab('ct_gridpg')) and len(tab('ct_faith'))
    cost = tab('cost').set_index('method'); assert cost.loc['gradcam', 'time_x_gradcam'] == 1 and cost.loc['report6-mean', 'passes'] == 6
    assert tab('pareto').pareto.any() and 'auroc' in tab('uflag')
    for f in ('ablation', 'cost_curves'): assert (out/'figures'/f'views_{f}_efficientnet_lite0.png').exists()

@pytest.mark.parametrize('bad, msg', [(dict(view_families=['report', 'rotshift', 'spin']), "Unknown view family 'spin'"),
                                      (dict(pert_families=['A', 'Z']), "Unknown perturbation family 'Z'"),
                                      (dict(sizes=[1, 6]), "at least 2 for a fused method"),
                                      (dict(tv=0.), "TV weight must be a positive")])
def test_exp_views_bad_input_fails_early(tmp_path, bad, msg):
    "Bad parameters are refused in the set-up cell, before any image is explained or any table written."
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match=msg):
        pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False, parameters=SMALL | bad | dict(out_dir=str(tmp_path/'out')))
    assert not list((tmp_path/'out').rglob('*.csv'))
