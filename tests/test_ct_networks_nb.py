"""32_ct_networks through papermill on the committed CT tables of the three networks (it reads tables only: seconds),
and the error it gives when one network's run is missing."""
import shutil
import pandas as pd, pytest
from robustcam.data import PROJECT_ROOT
from robustcam.ct_eval import eval_tag

NETS = ['efficientnet_lite0', 'efficientnet_lite1', 'efficientnet_lite2']

def _tables(dst):
    (dst/'tables').mkdir(parents=True)
    names = ['architecture_comparison.csv'] + [f"{k}_{eval_tag(a, s)}.csv" for k in ('metrics_table', 'eval_ct_claims', 'eval_ct_sanity_passes')
                                               for a in NETS for s in ('slice', 'grouped')]
    for n in names: shutil.copy(PROJECT_ROOT/'results'/'tables'/n, dst/'tables'/n)

def test_ct_networks(tmp_path):
    pm = pytest.importorskip('papermill')
    _tables(tmp_path/'out')
    pm.execute_notebook(str(PROJECT_ROOT/'nbs'/'32_ct_networks.ipynb'), str(tmp_path/'run.ipynb'), progress_bar=False, parameters=dict(out_dir=str(tmp_path/'out')))
    cl = pd.read_csv(tmp_path/'out'/'tables'/'ct_claims_networks.csv')
    assert set(zip(cl.network, cl.split)) == {(a, s) for a in NETS for s in ('slice', 'grouped')}
    assert (cl[cl.network != 'efficientnet_lite0'].n >= 20).all()   # the subsets of the second and third networks: n >= 20 per split
    mv = pd.read_csv(tmp_path/'out'/'tables'/'ct_metrics_networks.csv')
    assert set(mv.reference) == {'gradcam'} and {'robustcam-mean', 'robustcam-median'} == set(mv.method) and mv.verdict.isin(['beats', 'ties', 'loses']).all()
    assert set(mv[mv.network == 'efficientnet_lite2'].n) == {60} and set(mv[(mv.network == 'efficientnet_lite0') & (mv.split == 'slice')].n) == {219}

def test_ct_networks_missing_run(tmp_path):
    pm = pytest.importorskip('papermill')
    _tables(tmp_path/'out')
    (tmp_path/'out'/'tables'/f"metrics_table_{eval_tag('efficientnet_lite2', 'grouped')}.csv").unlink()
    with pytest.raises(pm.PapermillExecutionError, match="papermill nbs/30_eval_ct.ipynb out.ipynb -p arch efficientnet_lite2 -p split grouped"):
        pm.execute_notebook(str(PROJECT_ROOT/'nbs'/'32_ct_networks.ipynb'), str(tmp_path/'run.ipynb'), progress_bar=False, parameters=dict(out_dir=str(tmp_path/'out')))
