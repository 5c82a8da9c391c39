"12_exp_gridpg through papermill with one ImageNet grid, 6 views only, LIME/SHAP and the 448 px check on that grid, one CT grid of the slice split drawn from 48 test slices (16 a class: enough confidently Normal ones) (nbdev-test skips it: its defaults are the full run)."
import pandas as pd, pytest
from conftest import need
from robustcam.data import PROJECT_ROOT, dataset_path

NB = PROJECT_ROOT/'nbs'/'12_exp_gridpg.ipynb'
SMALL = dict(n_grids=1, num_views=[6], lime_grids=1, lime_samples=20, shap_samples=20, hi_grids=1, ct_grids=1, ct_pool=48, ct_splits=['slice'])

def _have(name):
    try: dataset_path(name); return True
    except FileNotFoundError: return False

def test_exp_gridpg_smoke(tmp_path, monkeypatch):
    need(_have('imagenet50'), "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    need(_have('iqothnccd'), "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    need((PROJECT_ROOT/'results'/'checkpoints'/'efficientnet_lite0_iqothnccd.pth').exists(), "no trained Lite0 head (results/checkpoints/)")
    pm = pytest.importorskip('papermill'); pytest.importorskip('lime'); pytest.importorskip('shap')
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    out = tmp_path/'out'
    pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False, parameters=SMALL | dict(out_dir=str(out)))
    tab = lambda n: pd.read_csv(out/'tables'/f'gridpg_{n}_efficientnet_lite0.csv')
    names = {'gradcam', 'aug-smooth', 'robustcam6-mean', 'robustcam6-median', 'gradcam-blur-matched6', 'smoothgrad-cam6', 'augmented-gradcam6'}
    rows = tab('pairs')
    assert set(rows.method) == names and rows.pair.nunique() == 4 and set(rows.layer) == {'blocks.4', 'blocks.6', 'bn2'}
    assert rows[['gridpg', 'hit', 'energy']].apply(lambda c: c.between(0, 1)).all().all()
    assert (rows.energy - rows.gridpg).abs().max() < 1e-5, "every map is min-max normalised: energy = GridPG"
    rc = rows[rows.method.str.startswith('robustcam')]
    assert rc.u_tile_auroc.notna().all() and rc.u_peak.notna().any() and rows[rows.method == 'gradcam'].u_peak.isna().all()   # U at a peak in a rotated view's lost corner is undefined (NaN)
    for t in ('summary', 'photo_summary'):
        s = tab(t)
        assert set(s.baseline) == {'gradcam', 'robustcam6-mean'} and set(s.measure) == {'gridpg', 'hit'} and {'p_wilcoxon_holm', 'cohens_d', 'ci_low'} <= set(s.columns)
    ls = tab('lime_shap'); assert {'lime', 'shap'} <= set(ls.method) and (ls.n_pairs == 4).all()
    u = tab('uncertainty'); assert set(u.dataset) == {'imagenet', 'ct_slice'} and set(u.method) == {'robustcam6-mean', 'robustcam6-median'}
    c = tab('confounds'); assert list(c.grid_px[c.dataset == 'imagenet']) == [224, 448] and 'ct_slice' in set(c.dataset)
    assert c.kept_images.iloc[0] == 50 and 0 < c.kept_confident.iloc[0] <= 50 and c[c.dataset == 'imagenet'].tile_acc_alone.between(0, 1).all()
    h = tab('hires'); assert set(h.method) == {'gradcam', 'robustcam6-mean', 'robustcam6-median'} and {'gridpg_224px', 'gridpg_448px'} <= set(h.columns)
    ct = tab('ct'); assert set(ct.split) == {'slice'} and ct.grid.nunique() == 1 and set(ct.target_class) <= {'Benign', 'Malignant'} and set(ct.method) == names
    cs = tab('ct_summary'); assert set(cs.unit) == {'grid', 'slice'}
    r = tab('rao2022'); assert r[r.source == 'Rao et al. 2022'].gridpg.isna().all() and r[r.source == 'this run'].gridpg.notna().all()
    for f in ('aggatt_imagenet', 'bars_imagenet', 'bars_ct'): assert (out/'figures'/f'gridpg_{f}_efficientnet_lite0.png').exists()

def test_exp_gridpg_too_few_classes_fails_early(tmp_path):
    "An 8x8 grid needs 64 distinct confident classes; the 50 photos cannot give them: refused before any explanation or table."
    need(_have('imagenet50'), "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match=r"a 8x8 grid needs 64 distinct classes"):
        pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False, parameters=SMALL | dict(n=8, tile=28, ct=False, out_dir=str(tmp_path/'out')))
    assert not list((tmp_path/'out').rglob('*.csv'))

def test_exp_gridpg_small_grid_resized_with_note(tmp_path):
    "Lite1 with Lite0's tile (a 224 px grid for a 240 px input): the tiles are resized to 120 px and the confounds table says so."
    need(_have('imagenet50'), "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    pm = pytest.importorskip('papermill')
    out = tmp_path/'out'
    pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False,
                        parameters=dict(arch='efficientnet_lite1', layers=['bn2'], tile=112, p_min=0.5, n_grids=1, num_views=[6], lime_grids=0, hi_grids=0, ct=False, out_dir=str(out)))
    c = pd.read_csv(out/'tables'/'gridpg_confounds_efficientnet_lite1.csv')
    assert list(c.grid_px) == [240] and list(c.input_px) == [240]
    assert c.input_note.iloc[0] == "tile=112 gives a 224 px grid, below efficientnet_lite1's 240 px input: tiles resized to 120 px"
    assert pd.read_csv(out/'tables'/'gridpg_pairs_efficientnet_lite1.csv').pair.nunique() == 4
