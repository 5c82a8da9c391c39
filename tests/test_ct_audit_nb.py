"15_audit_ct through papermill on a small class-stratified subset, 1 epoch (nbdev-test skips it: its defaults are the full audit). About 1-2 min."
import pandas as pd, pytest
from conftest import need
from robustcam.data import PROJECT_ROOT, dataset_path
from robustcam.ct_data import GROUPED_SPLIT_CSV

def test_ct_audit_smoke(tmp_path):
    pm = pytest.importorskip('papermill')
    try: dataset_path('iqothnccd'); ok = True
    except FileNotFoundError: ok = False
    need(ok, "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    before = GROUPED_SPLIT_CSV.read_bytes() if GROUPED_SPLIT_CSV.exists() else None
    out = tmp_path/'out'
    pm.execute_notebook(str(PROJECT_ROOT/'nbs'/'15_audit_ct.ipynb'), str(tmp_path/'run.ipynb'), progress_bar=False,
                        parameters=dict(limit=60, epochs=1, out_dir=str(out), cache_dir=str(tmp_path/'cache')))
    for f in ['figures/ct_masks.png', 'figures/ct_near_duplicates.png', 'figures/ct_group_sizes.png', 'figures/ct_group_cuts.png']:
        assert (out/f).stat().st_size > 0, f
    probes = pd.read_csv(out/'tables'/'ct_probes.csv')
    assert set(probes.split) == {'slice', 'grouped'} and len(probes) == 6 and probes.baseline.between(0, 1).all()
    comp = pd.read_csv(out/'tables'/'ct_split_comparison.csv')
    assert comp.split.tolist() == ['slice', 'grouped'] and comp.test_acc.between(0, 1).all()
    nd = pd.read_csv(out/'tables'/'ct_near_duplicates.csv')
    assert set(nd.measure) == {'cosine', 'phash'} and (nd.with_near_twin_in_train <= nd.test_slices).all()
    # a smoke run never touches the committed grouped split
    assert (GROUPED_SPLIT_CSV.read_bytes() if GROUPED_SPLIT_CSV.exists() else None) == before
