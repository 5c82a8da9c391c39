"The shipped presets agree with the evidence: `recommended` and `recommended8` are 14_exp_views' dev-half choices (results/tables/views_choice_*.csv)."
import pandas as pd, pytest
from robustcam.data import PROJECT_ROOT
from robustcam.views import PRESETS, DEFAULT_PRESET, preset_views

CHOICE = PROJECT_ROOT/'results'/'tables'/'views_choice_efficientnet_lite0.csv'

def test_recommended_presets_are_the_dev_choice():
    if not CHOICE.exists(): pytest.skip("no committed 14_exp_views run")
    c = pd.read_csv(CHOICE).set_index('budget')
    for b, name in ((6, 'recommended'), (8, 'recommended8')):
        p = PRESETS[name]
        assert (p['family'], p['n'], p['fusion']) == (c.loc[b, 'family'], b, c.loc[b, 'rule']), f"{name} is {p}, the run chose {c.loc[b, 'method']}"
        assert ' '.join(v.name for v in preset_views(name, stride=32)[0]) == c.loc[b, 'view_names']

def test_report_preset_is_the_reports_call():
    from robustcam.augment import default_views
    for name, n in (('report', 6), ('report8', 8)):
        vs, fusion = preset_views(name)
        assert [v.name for v in vs] == [v.name for v in default_views(n)] and fusion == 'mean'
    assert DEFAULT_PRESET in PRESETS
