"13_exp_uncertainty through papermill with 2 ImageNet images, 2 perturbations, both attributions, 2 CT test images of the slice split and 100 bootstrap draws (nbdev-test skips it: its defaults are the full run)."
import pandas as pd, pytest
from conftest import need
from robustcam.data import PROJECT_ROOT, dataset_path
from robustcam.uncertainty import PIXEL_SCORES

NB = PROJECT_ROOT/'nbs'/'13_exp_uncertainty.ipynb'
SMALL = dict(n_images=2, n_perturb=2, ct_images=2, ct_splits=['slice'], n_boot=100)

def _have(name):
    try: dataset_path(name); return True
    except FileNotFoundError: return False

def test_exp_uncertainty_smoke(tmp_path, monkeypatch):
    need(_have('imagenet50'), "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    need(_have('iqothnccd'), "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    need((PROJECT_ROOT/'results'/'checkpoints'/'efficientnet_lite0_iqothnccd.pth').exists(), "no trained Lite0 head (results/checkpoints/)")
    pm = pytest.importorskip('papermill')
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    out = tmp_path/'out'
    pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False, parameters=SMALL | dict(out_dir=str(out)))
    tab = lambda n: pd.read_csv(out/'tables'/f'uncertainty_{n}_efficientnet_lite0.csv')
    pix = tab('pixel')
    assert set(pix.score) == set(PIXEL_SCORES) and set(pix.attribution) == {'gradcam', 'layercam'}
    assert set(pix.dataset) == {'ImageNet-50', 'CT (slice split)'} and pix.auroc.between(0, 1).all()
    assert (pix[pix.score == 'constant'].auroc == 0.5).all(), "a constant score ties everywhere"
    img = tab('image')
    assert len(img) == (2 * 2 + 2) * 3 and img.trust.between(0, 1).all() and img.consist.between(0, 1).all()
    s = tab('pixel_summary')
    assert s[s.method == 'U'].mean_diff.isna().all() and {'p_wilcoxon_holm', 'ci_low'} <= set(s.columns)
    fl = tab('flags')
    assert set(fl.outcome) == {'unstable', 'wrong'} and set(fl.score) == {'mean U', 'mean U (CV)', 'view disagreement', 'low trust', 'low softmax prob'}
    assert set(tab('pixel_verdicts').verdict) <= {'beats', 'ties', 'loses'}
    assert len(tab('rank')) == 9
    for f in ('pixel', 'flags', 'seams', 'examples_efficientnet_lite0_imagenet', 'examples_efficientnet_lite0_ct_slice'):
        name = f if f.startswith('examples') else f'{f}_efficientnet_lite0'
        assert (out/'figures'/f'uncertainty_{name}.png').exists(), name

def test_exp_uncertainty_bad_attribution_fails_early(tmp_path):
    need(_have('imagenet50'), "ImageNet-50 sample images not found (set ROBUSTCAM_DATA)")
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match="attributions must be names of"):
        pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False,
                            parameters=dict(attributions=['gradcam', 'lime'], n_images=2, ct=False, out_dir=str(tmp_path/'out')))
    assert not list((tmp_path/'out').rglob('*.csv'))

def test_exp_uncertainty_unknown_preset_fails_early(tmp_path):
    "`-p views <name>`: an unknown preset is refused before any image is explained, with the known presets listed."
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match=r"Unknown views preset 'recomended'; known presets: \['report', 'report8', 'recommended'"):
        pm.execute_notebook(str(NB), str(tmp_path/'run.ipynb'), progress_bar=False,
                            parameters=dict(views='recomended', n_images=2, ct=False, out_dir=str(tmp_path/'out')))
    assert not list((tmp_path/'out').rglob('*.csv'))
