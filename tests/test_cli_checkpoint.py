"`robustcam explain --checkpoint`: CT slices explained with a trained head, read as training reads them."
import contextlib, io
from pathlib import Path
import numpy as np, pytest
from robustcam.cli import main
from robustcam.outputs import COLUMNS, CSVLog
from robustcam.ct_data import load_ct
from robustcam.data import PROJECT_ROOT, dataset_path

CKPT = PROJECT_ROOT/'results'/'checkpoints'/'efficientnet_lite0_iqothnccd.pth'

@pytest.fixture(scope='module')
def slices():
    if not CKPT.exists(): pytest.skip(f'no trained head at {CKPT} (run 20_train_ct)')
    try: root = dataset_path('iqothnccd')
    except FileNotFoundError as e: pytest.skip(str(e))
    # a non-square slice (801x512) shows the training's square-fit policy at work
    return [root/'Malignant cases'/'Malignant case (1).jpg', next(p for p in sorted((root/'Normal cases').iterdir()) if p.suffix == '.jpg')]

def _run(args):
    with contextlib.redirect_stdout(io.StringIO()) as o, contextlib.redirect_stderr(io.StringIO()) as e: code = main(args)
    return code, o.getvalue(), e.getvalue()

def test_checkpoint_explains_ct_slices_as_trained(slices, tmp_path):
    code, out, err = _run(['explain', *map(str, slices), '--checkpoint', str(CKPT), '--out', str(tmp_path), '--no-progress', '--no-panels'])
    assert code == 0, err
    rows = CSVLog(tmp_path/'summary.csv', COLUMNS).rows()
    assert [r['arch'] for r in rows] == ['efficientnet_lite0'] * 2 and all(r['predicted'] in ('Normal', 'Benign', 'Malignant') for r in rows), rows
    for f, r in zip(slices, rows):
        z = np.load(tmp_path/f"{r['output']}.npz")
        assert np.array_equal(z['image'], (load_ct(f, 224, 'pad') * 255).round().numpy().astype(np.uint8))   # read as training reads them
        assert z['view_prob'].shape == (6,) and z['fused'].shape == (3, 224, 224)
    import json; meta = json.loads((tmp_path/'run.json').read_text())
    assert meta['checkpoint'] == str(CKPT.resolve()) and meta['num_classes'] == 3

def test_checkpoint_refuses_other_arch_and_weights(slices, tmp_path):
    code, _, err = _run(['explain', str(slices[0]), '--checkpoint', str(CKPT), '--arch', 'resnet50', '--out', str(tmp_path)])
    assert code == 2 and "holds a head for 'efficientnet_lite0', not 'resnet50'" in err, err
    code, _, err = _run(['explain', str(slices[0]), '--checkpoint', str(CKPT), '--weights', 'random', '--out', str(tmp_path)])
    assert code == 2 and 'either --weights or --checkpoint' in err, err
