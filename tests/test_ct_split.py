"The committed grouped split: no group straddles splits, classes stratified 60/20/20, and it loads through ct_split (no images needed except the last test)."
import pandas as pd, pytest
from conftest import need
from robustcam.ct_data import GROUPED_SPLIT_CSV, SPLIT_CSV, SPLITS, SPLIT_FRACS, CT_CLASSES, read_split, check_groups, ct_split, split_counts, write_split
from robustcam.data import dataset_path

@pytest.fixture(scope='module')
def grouped():
    assert GROUPED_SPLIT_CSV.exists(), f"{GROUPED_SPLIT_CSV} is missing: run nbs/15_audit_ct.ipynb"
    return read_split(GROUPED_SPLIT_CSV)

def test_no_group_straddles(grouped):
    assert len(grouped) == 1097 and grouped.group.notna().all()
    assert grouped.groupby('group').split.nunique().max() == 1
    assert grouped.groupby('sha256').split.nunique().max() == 1          # identical files together
    assert grouped.groupby('group')['class'].nunique().max() == 1        # a pseudo-patient has one class
    check_groups(grouped)

def test_same_files_as_slice_split(grouped):
    sl = read_split(SPLIT_CSV)
    assert sorted(zip(sl.path, sl.sha256, sl.label)) == sorted(zip(grouped.path, grouped.sha256, grouped.label))

def test_stratified(grouped):
    c = split_counts(grouped)
    for cls in CT_CLASSES:
        biggest = grouped[grouped['class'] == cls].groupby('group').size().max()
        for s, f in zip(SPLITS, SPLIT_FRACS):   # whole groups are dealt out: within one group's size of the target
            assert abs(c.loc[cls, s] - f * c.loc[cls, 'images']) <= biggest, (cls, s, c.loc[cls, s], biggest)
        assert (c.loc[cls, list(SPLITS)] > 0).all(), (cls, c.loc[cls])

def test_straddling_file_refused(grouped, tmp_path):
    bad = grouped.copy(); g = bad.group.iloc[0]
    i = bad.index[bad.group == g][0]; bad.loc[i, 'split'] = 'test' if bad.split[i] != 'test' else 'train'
    write_split(bad, tmp_path/'bad.csv')
    with pytest.raises(ValueError, match=f"group '{g}' straddles splits"): check_groups(read_split(tmp_path/'bad.csv'))

def test_loads_against_release(grouped):
    try: dataset_path('iqothnccd'); ok = True
    except FileNotFoundError: ok = False
    need(ok, "IQ-OTH/NCCD not found (set ROBUSTCAM_DATA)")
    sp = ct_split(scheme='grouped')
    assert sp.scheme == 'grouped' and len(sp.df) == 1097
    assert (sp.df.set_index('path').split.reindex(grouped.path).to_numpy() == grouped.split.to_numpy()).all()
