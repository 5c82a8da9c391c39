"""30_eval_ct through papermill on DenseNet-161, the user's `-p arch densenet161` path: random backbone weights and a head
from the 20_train_ct smoke run; the checks a head of another network and an empty split get.

Two images (the Lite0 smoke in tests/test_eval_ct_nb.py has three): DenseNet-161 costs about twenty Lite0s a pass, and what
this file checks is the architecture's path through the notebook, not the statistics."""
import pandas as pd, pytest
from conftest import need
from robustcam.data import PROJECT_ROOT
from test_eval_ct_nb import SMOKE, _fails, _have_data, _run, _smoke

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

def test_eval_ct_checkpoint_of_another_arch(dn_head, tmp_path):
    _fails(tmp_path, ["holds a head for 'densenet161', not 'resnet50'"], arch='resnet50', checkpoint=str(dn_head), out_dir=str(tmp_path/'o'))

def test_eval_ct_empty_split(dn_head, tmp_path):
    from robustcam.ct_data import fake_release
    rel = fake_release(tmp_path/'rel', n=(1, 1, 1), dup=0)   # one image per class: all go to the training split
    _fails(tmp_path, ["The 'test' split of", "has no images"], arch='densenet161', checkpoint=str(dn_head), data_dir=str(rel), out_dir=str(tmp_path/'o'))


def test_eval_ct_densenet_smoke(dn_head, tmp_path):
    _run(tmp_path/'run.ipynb', arch='densenet161', checkpoint=str(dn_head), out_dir=str(tmp_path/'out'), batch_size=6,
         **(SMOKE | dict(max_images=2, xai_max_images=2)))
    _smoke(tmp_path/'out', 'densenet161', ['features.denseblock3', 'features.denseblock4'], 'test_densenet161', n=2)
