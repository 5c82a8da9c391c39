"20_train_ct through papermill with a small size limit and 1 epoch (nbdev-test skips it: its defaults are the full run)."
import pandas as pd, pytest, torch
from conftest import need
from robustcam.data import PROJECT_ROOT, dataset_path
from robustcam.ct_data import CT_CLASSES
from robustcam.checkpoints import load_checkpoint, read_checkpoint

def _have_data():
    try: dataset_path('iqothnccd'); return True
    except FileNotFoundError: return False

def _run(tmp_path, **params):
    pm = pytest.importorskip('papermill')
    pm.execute_notebook(str(PROJECT_ROOT/'nbs'/'20_train_ct.ipynb'), str(tmp_path/'run.ipynb'), progress_bar=False, parameters=params)

@pytest.mark.parametrize('arch,weights,limit,split', [('efficientnet_lite0', 'imagenet', 60, 'slice'), ('resnet50', 'random', 30, 'grouped')])
def test_train_ct_smoke(tmp_path, arch, weights, limit, split):
    need(_have_data(), "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    out = tmp_path/'out'
    _run(tmp_path, arch=arch, weights=weights, limit=limit, epochs=1, out_dir=str(out), split=split)
    row = pd.read_csv(out/'tables'/'architecture_comparison.csv').set_index('arch').loc[arch]
    assert (row.split, row.epochs, row.best_epoch, row.weights) == (split, 1, 1, weights)
    assert row.n_train + row.n_val + row.n_test <= limit + 9
    rep = pd.read_csv(out/'tables'/'classification_report.csv')
    assert rep['class'].tolist()[:3] == list(CT_CLASSES) and set(rep.split) == {split}
    name = arch if split == 'slice' else f'{arch}_{split}'
    for f in [f'figures/training/{name}_curves.png', f'figures/training/{name}_confusion_test.png', f'tables/training/{name}_history.csv', 'mlflow.db']:
        assert (out/f).stat().st_size > 0, f
    ck = out/'checkpoints'/(f'{arch}_iqothnccd.pth' if split == 'slice' else f'{arch}_iqothnccd_{split}.pth')
    meta = read_checkpoint(ck)
    assert (meta['arch'], meta['classes'], meta['limit'], meta['epoch'], meta['split']) == (arch, list(CT_CLASSES), limit, 1, split)
    assert meta['split_sha256'] == row.split_sha256
    lm = load_checkpoint(ck, arch=arch, classes=CT_CLASSES)
    with torch.no_grad(): assert lm.model(lm.normalize(torch.rand(1, 3, lm.input_size, lm.input_size))).shape == (1, 3)
    other = 'resnet50' if arch != 'resnet50' else 'efficientnet_lite0'
    with pytest.raises(ValueError, match=f"holds a head for '{arch}', not '{other}'"): load_checkpoint(ck, arch=other)

def test_train_ct_unknown_split_fails_early(tmp_path):
    pm = pytest.importorskip('papermill')
    with pytest.raises(pm.PapermillExecutionError, match="Unknown split 'patient'"):
        _run(tmp_path, split='patient', limit=30, epochs=1, out_dir=str(tmp_path/'out'))
    assert not (tmp_path/'out').exists()
