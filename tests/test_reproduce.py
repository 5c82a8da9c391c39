"""`make reproduce` (tools/reproduce.py): the chain's stages, its failure behaviour, and that two smoke runs with the
same seeds give identical tables."""
import os, re, sys, time
from pathlib import Path
import pandas as pd, pytest
from conftest import need

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import reproduce as rp
from docsite import is_experiment

def test_stages_found_by_glob(tmp_path):
    sts = rp.stages(tmp_path, smoke=True)
    names = [s.name for s in sts]
    exps = [p for p in sorted((ROOT/'nbs').glob('[0-9]*.ipynb')) if is_experiment(p)]
    runs = lambda p: ((len(rp.NETWORKS) if p.stem in rp.PER_NETWORK else 1) + len(rp.EXTRA.get(p.stem, []))) * (len(rp.SPLITS) if 'split' in rp._declared(p) else 1)
    assert [n.split('[')[0] for n in names[:-2]] == [p.stem for p in exps for _ in range(runs(p))]
    assert names[-2:] == ['paper', 'docs']
    assert '10_exp_imagenet' in names and '20_train_ct[split=slice]' in names and '20_train_ct[split=grouped]' in names
    assert '10_exp_imagenet[arch=efficientnet_lite2]' in names and '20_train_ct[arch=efficientnet_lite1][split=grouped]' in names
    assert next(s for s in sts if s.name.startswith('16_exp_networks')).params['archs'] == list(rp.NETWORKS)
    main = [s.name for s in rp.stages(tmp_path, smoke=True, archs=['efficientnet_lite0'])]
    assert not any('arch=' in n or n.startswith('16_exp_networks') for n in main), "ARCHS=efficientnet_lite0: the main network alone"
    with pytest.raises(SystemExit, match="unknown or not offline network"): rp.stages(tmp_path, smoke=True, archs=['resnet50'])
    for s in sts[:-2]:
        decl = rp._declared(s.nb)
        assert set(s.params) <= set(decl), f"{s.name}: passes parameters it does not declare: {set(s.params) - set(decl)}"
        assert s.params.get('out_dir') == str(tmp_path), "a smoke run writes into its own folder"
        assert all(s.params[k] == v for k, v in rp.SMOKE.items() if k in decl)
    full = rp.stages(ROOT/'results', smoke=False)
    main = [s for s in full[:-2] if 'arch=' not in s.name]
    assert all(set(s.params) <= {'split', 'archs'} | {k for e in rp.EXTRA.get(s.nb.stem, []) for k in e} for s in main), "the full run uses the notebooks' defaults on the main network"
    assert '13_exp_uncertainty[views=recommended]' in [s.name for s in main]   # 13 once more with the shipped preset
    assert not any('views=' in s.name for s in full if 'arch=' in s.name), "extra runs are of the main network only"
    for s in full[:-2]:
        if 'arch=' in s.name: assert set(s.params) - {'split', 'arch'} == set(rp.SUBSET.get(s.nb.stem, {})), s.name   # the others: the stated subsets
    assert {s.nb.stem for s in full[:-2] if 'arch=efficientnet_lite2' in s.name} == set(rp.PER_NETWORK)

def test_fails_at_first_failing_stage(tmp_path, monkeypatch):
    "The chain stops at the failing stage, names it, and keeps what earlier stages wrote; one line per stage + total."
    done = []
    def ok(): (tmp_path/'first.csv').write_text('a\n1\n'); done.append('first')
    def bad(): raise ValueError("data folder not found: /nowhere")
    def never(): done.append('never')
    monkeypatch.setattr(rp, 'stages', lambda out, smoke, **kw: [rp.Stage('first', run=ok), rp.Stage('second', run=bad), rp.Stage('third', run=never)])
    lines = []
    with pytest.raises(SystemExit, match=r"failed at stage 'second': ValueError: data folder not found"):
        rp.reproduce(smoke=True, out=tmp_path, log=lines.append)
    assert done == ['first'] and (tmp_path/'first.csv').read_text() == 'a\n1\n'
    assert re.search(r"\[1/3\] first\s+ok\s+\d+\.\d s", lines[1]), lines
    assert re.search(r"\[2/3\] second\s+FAILED after\s+\d+\.\d s: ValueError: data folder not found", lines[2]), lines
    assert re.search(r"^total \d+\.\d s; stopped at stage 'second'; results of earlier stages are kept", lines[3]), lines

def test_stage_lines_and_total(tmp_path, monkeypatch):
    monkeypatch.setattr(rp, 'stages', lambda out, smoke, **kw: [rp.Stage('a', run=lambda: None), rp.Stage('b', run=lambda: None)])
    lines = []
    rp.reproduce(smoke=True, out=tmp_path, log=lines.append)
    assert len(lines) == 4 and re.search(r"\[1/2\] a\s+ok\s+\d+\.\d s", lines[1]) and lines[3].startswith('total ')   # a time, not its value

def test_run_record_rule():
    "The one determinism rule: times, dates, hosts, PIDs, devices and versions are run records; results are not."
    for c in ['seconds', 'minutes', 'date', 'cache_s', 'fit_s', 's_per_image', 'time_x_gradcam', 'runtime_ratio_8_over_6',
              'seconds_rc', 'device', 'hostname', 'pid', 'torch_version', 'wall_time', 'duration']:
        assert rp.is_run_record(c), c
    for c in ['stage', 'accuracy', 'valid_loss', 'n_samples', 'split_sha256', 'kept_p_min', 'method', 'passes', 'test_acc', 'mins_n']:
        assert not rp.is_run_record(c), c

def _write(out:Path, name:str, df:pd.DataFrame):
    p = out/'tables'/name; p.parent.mkdir(parents=True, exist_ok=True); df.to_csv(p, index=False)

def test_table_differences_sees_one_value_not_a_time(tmp_path):
    "Two runs that differ only in wall times and dates agree; one changed result, or a missing table, is a difference."
    a, b = tmp_path/'a', tmp_path/'b'
    res = pd.DataFrame(dict(epoch=[1, 2], accuracy=[0.61, 0.7], fit_s=[2.4, 2.5]))
    for out, mins in ((a, 0.4), (b, 0.5)):
        _write(out, 'run_times.csv', pd.DataFrame(dict(stage=['20_train_ct_slice'], seconds=[25.0 + 5 * mins], minutes=[mins], date=['2026-12-07'])))
        _write(out, 'training/history.csv', res.assign(fit_s=res.fit_s + mins))
    assert rp.table_differences(a, b) == []
    _write(b, 'training/history.csv', res.assign(accuracy=[0.61, 0.7000001]))
    d = rp.table_differences(a, b)
    assert len(d) == 1 and 'training/history.csv' in d[0] and 'accuracy' in d[0], d
    _write(b, 'extra.csv', res)
    assert any(x.startswith('extra.csv: only in') for x in rp.table_differences(a, b))

# One smoke stage runs twice here: the training (random head init, shuffled batches, so the most likely to drift);
# the two 10+20 chains H6 ran took 583 s under load. The whole smoke chain is `make reproduce SMOKE=1` (CI).
DETERMINISM = ['20_train_ct[split=slice]']

def test_smoke_runs_identical(tmp_path):
    "Two smoke runs with the same seeds give the same results (run records left out by `rp.RUN_RECORD`); one changed value fails."
    a, b = tmp_path/'run0', tmp_path/'run1'
    for out in (a, b): rp.reproduce(smoke=True, out=out, only=DETERMINISM, log=lambda s: None)
    assert rp.result_tables(a), "the smoke run wrote no tables"
    assert rp.table_differences(a, b) == []
    # the same comparison fails when a single result value of this real run changes
    h = next((b/'tables'/'training').glob('*_history.csv'))
    df = pd.read_csv(h); df.loc[len(df) - 1, 'valid_loss'] += 1e-9; df.to_csv(h, index=False)
    d = rp.table_differences(a, b)
    assert len(d) == 1 and h.name in d[0] and 'valid_loss' in d[0], d

def test_experiments_skip_nbdev_test():
    "nbdev-test must not run an experiment with its defaults (the full run, into results/): each says `skip_exec: true`."
    import nbformat
    exps = [p for p in sorted((ROOT/'nbs').glob('[0-9]*.ipynb')) if is_experiment(p)]
    assert len(exps) >= 10
    missing = [p.name for p in exps if 'skip_exec: true' not in nbformat.read(p, as_version=4).cells[0].source]
    assert not missing, f"experiment notebooks that nbdev-test would run in full: {missing}"

def test_lanes_split():
    "--jobs 2: the main network's stages in one lane, the other networks' in the other, each in chain order; 16/32, paper and docs after both."
    sts = rp.stages(ROOT/'results', smoke=False)
    first, second, last = rp.lanes(sts)
    assert sorted(s.name for s in first + second + last) == sorted(s.name for s in sts)
    assert second and all('arch=' in s.name for s in second) and not any('arch=' in s.name for s in first + last)
    assert [s.name for s in last] == ['16_exp_networks', '32_ct_networks', 'paper', 'docs']
    n2 = [s.name for s in second]
    assert n2.index('20_train_ct[arch=efficientnet_lite1][split=grouped]') < n2.index('30_eval_ct[arch=efficientnet_lite1][split=grouped]')   # a head before its evaluation
    assert rp.lanes(rp.stages(ROOT/'results', smoke=False, archs=['efficientnet_lite0']))[1] == []   # one network: nothing to run beside it

def test_lanes_balanced_by_stage_times():
    "With stage times, the other networks' ImageNet stages that shorten the longer lane most move to the first lane; stages that need a head trained in the chain stay."
    sts = rp.stages(ROOT/'results', smoke=False)
    heavy = lambda s: s.nb is not None and s.nb.stem == '30_eval_ct' and 'arch' in s.params
    t = {s.record: 1000 if heavy(s) else 100 for s in sts}       # the other networks' CT evaluation dominates their lane
    first, second, last = rp.lanes(sts, t)
    f0, s0, l0 = rp.lanes(sts)                                   # no times: no balancing
    span = lambda l: sum(t[s.record] for s in l)
    assert sorted(s.name for s in first + second + last) == sorted(s.name for s in sts) and last == l0
    moved = [s for s in first if 'arch' in s.params]
    assert moved and all('split' not in s.params for s in moved), [s.name for s in moved]
    assert first[:len(f0)] == f0 and [s for s in s0 if s not in moved] == second   # each lane keeps chain order
    assert max(span(first), span(second)) < max(span(f0), span(s0))
    assert all(span(first) + t[s.record] >= span(second) for s in second if 'split' not in s.params)   # no move left that would shorten the longer lane
    t2 = t | {s.record: 4000 for s in s0 if s.nb.stem == '11_exp_baselines'}   # two heavy movable stages: the second would make the first lane the longer
    first2, second2, _ = rp.lanes(sts, t2)
    assert [s.nb.stem for s in first2 if 'arch' in s.params].count('11_exp_baselines') == 1 and len(second2) < len(s0)
    assert rp.lanes(sts, {s.record: 1 for s in sts if s in f0})[1] == s0       # the first lane already the longer: nothing moves
    lines = rp.plan(sts, 2, t)                                   # what `--list` prints: per lane, and the expected wall time
    assert lines[0].startswith(f"lane 1: {len(first)} stages") and any(l.startswith(f"lane 2: {len(second)} stages") for l in lines)
    assert lines[-1].startswith(f"expected wall time: {rp._hm(max(span(first), span(second)) + span(last))} ")
    assert rp.plan(sts, 1, t)[-1].startswith(f"expected wall time: {rp._hm(span(sts))} ")

def _marking(rec, name, fail=False):
    "A build function that records its process and the order it finished in."
    def f():
        time.sleep(0.2)
        (rec/name).write_text(f"{os.getpid()} {time.time()}")
        if fail: raise ValueError(f"{name} broke")
    return f

def test_two_lanes_run_side_by_side(tmp_path, monkeypatch):
    rec = tmp_path/'rec'; rec.mkdir()
    nb = ROOT/'nbs'/'10_exp_imagenet.ipynb'
    def fake(fail=''):
        return [rp.Stage('a0', nb, {}, _marking(rec, 'a0')), rp.Stage('b1', nb, {'arch': 'x'}, _marking(rec, 'b1')),
                rp.Stage('a1', nb, {}, _marking(rec, 'a1')), rp.Stage('b2', nb, {'arch': 'y'}, _marking(rec, 'b2', fail == 'b2')),
                rp.Stage('all', nb, {'archs': ['x', 'y']}, _marking(rec, 'all')), rp.Stage('paper', run=_marking(rec, 'paper'))]
    monkeypatch.setattr(rp, 'stages', lambda out, smoke, **kw: fake())
    rp.reproduce(smoke=True, out=tmp_path/'o', log=lambda s: None, jobs=2)
    got = {n: (int(p), float(t)) for n in ('a0', 'a1', 'b1', 'b2', 'all', 'paper') for p, t in [(rec/n).read_text().split()]}
    assert got['a0'][0] == got['a1'][0] == os.getpid() and got['b1'][0] == got['b2'][0] != os.getpid()   # two processes
    assert got['all'][1] > max(got['a1'][1], got['b2'][1]) and got['paper'][1] > got['all'][1]   # what needs every network runs after both lanes
    for f in rec.iterdir(): f.unlink()
    monkeypatch.setattr(rp, 'stages', lambda out, smoke, **kw: fake(fail='b2'))
    with pytest.raises(SystemExit, match="lane 2"): rp.reproduce(smoke=True, out=tmp_path/'o', log=lambda s: None, jobs=2)
    assert (rec/'a1').exists() and (rec/'b2').exists() and not (rec/'all').exists()   # lane 1 finished, nothing after the failure ran
    with pytest.raises(SystemExit, match="--jobs must be 1 or 2"): rp.reproduce(smoke=True, out=tmp_path/'o', jobs=3)
