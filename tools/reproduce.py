"""`make reproduce`: every experiment notebook through papermill, then the manuscript and the docs site.

    python tools/reproduce.py                 # the full runs (notebook defaults) into results/
    python tools/reproduce.py --smoke         # tiny parameters, into a temporary folder (CI)
    python tools/reproduce.py --archs efficientnet_lite0   # the per-network notebooks on the main network alone
    python tools/reproduce.py --jobs 1        # one stage at a time (the default is 2 lanes on a machine with 2 cores or more)
    python tools/reproduce.py --list          # runs nothing: the stages per lane, their parameters and last measured times, the expected wall time

Stages, in order: each experiment notebook of `nbs/` (found by glob: numbered notebooks without `default_exp`, in
numbered order; a notebook of `PER_NETWORK` runs once per network of `NETWORKS`, the second and third on the
`SUBSET` sizes; a notebook with a `split` parameter
runs once per split, 'slice' then 'grouped'), then `paper`
(tools/paper.py) and `docs` (tools/docsite.py). One line per stage with its wall time, then the total. With two jobs
(`lanes`, the default where the machine has two cores or more) the main network's stages run in this process and the
other networks' in a forked one, each kernel on half the cores; of the other networks' ImageNet stages, those whose
move makes the longer lane shortest by the last measured stage times (`results/tables/run_times.csv`) go to the first
lane; the stages that read every network's results (16, 32), the paper and the docs run after both lanes. The chain
stops at the first failing stage, naming it; what earlier stages wrote stays (notebooks write their outputs
atomically, and nothing here deletes a result). Executed notebooks go to `<out>/runs/`, and a light copy of each
(images as files) to `<out>/executed/`, which the docs site renders.

A smoke run passes the `SMOKE` values of the parameters a notebook declares (and `out_dir`, and for a notebook with
a `checkpoint` parameter the checkpoint the smoke training wrote), so every stage is tiny and nothing touches the
committed `results/`.
"""
from __future__ import annotations
import argparse, itertools, os, re, shutil, sys, tempfile, time, traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))

__all__ = ['SMOKE', 'SPLITS', 'NETWORKS', 'PER_NETWORK', 'SUBSET', 'EXTRA', 'RUN_RECORD', 'is_run_record', 'result_tables', 'table_differences', 'Stage', 'stages', 'stage_times', 'lanes', 'run_stage',
           'run_times', 'reproduce', 'main']

# Tiny values for the parameters experiment notebooks declare (only those a notebook declares are passed).
# Agreed with the notebooks' owners (10_exp_imagenet, 20_train_ct: H2; 30_eval_ct: H7) in coord/OWNERSHIP.md.
SMOKE = dict(n_images=2, n_perturb=2,                                  # 10_exp_imagenet
             epochs=2, limit=60,                                       # 20_train_ct
             max_images=3, xai_max_images=3, fused_max_images=0, lime_samples=20, shap_samples=20,
             sanity_images=2, sanity_methods=['gradcam'])             # 30_eval_ct
SMOKE |= dict(faith_images=2, ct_images=2, quantus_images=2, quantus_samples=1)   # 11_exp_baselines (with n_images, n_perturb above)
SMOKE |= dict(n_grids=1, num_views=[6], lime_grids=1, hi_grids=1, ct_grids=1, ct_pool=48)   # 12_exp_gridpg (with lime_samples, shap_samples above)
SMOKE |= dict(n_boot=100)                                               # 13_exp_uncertainty (with n_images, n_perturb, ct_images above)
SMOKE |= dict(n_dev=1, n_test=1, view_families=['report', 'rotshift', 'stride'], sizes=[2, 6, 8], faith_dev_images=1, timing_images=1)   # 14_exp_views (with n_perturb, n_grids above)
SPLITS = ('slice', 'grouped')
# The three networks with real ImageNet weights offline; the first is the main network (the notebooks' default). The
# notebooks of PER_NETWORK run once per network (`make reproduce ARCHS=efficientnet_lite0` runs the main one alone);
# a notebook with an `archs` parameter (16_exp_networks) gets the list and runs when it holds two networks or more.
# The main network runs every notebook at its defaults. The others run 10 and 20 in full, and 11, 12, 13 and 30 with
# the SUBSET values below (issue 36's budget: subsets, each table stating its n, never below robustcam.files.MIN_N = 20
# photos, grids or CT slices per split): 11 on 20 photos without Quantus, 12 on ImageNet alone (p_min 0.5: at 0.9
# Lite1 and Lite2 each keep 2 of the 50 photos, their top-1 probabilities being lower than Lite0's), 13 on 25 photos
# and 21 CT slices per split, 30 on 60 test slices per split (LIME and SHAP on 21 of them).
NETWORKS = ('efficientnet_lite0', 'efficientnet_lite1', 'efficientnet_lite2')
PER_NETWORK = ('10_exp_imagenet', '11_exp_baselines', '12_exp_gridpg', '13_exp_uncertainty', '20_train_ct', '30_eval_ct')
SUBSET = {'11_exp_baselines': dict(n_images=20, quantus=False),
          '12_exp_gridpg': dict(n_grids=25, p_min=0.5, lime_grids=0, hi_grids=0, ct=False),
          '13_exp_uncertainty': dict(n_images=25, ct_images=21),
          '30_eval_ct': dict(max_images=60, xai_max_images=21, sanity_images=4)}

# Extra runs of a notebook on the main network, each with other parameters: 13 once more with the shipped preset's
# views (issue 35: the uncertainty flags and trust score recomputed for `recommended`; its tables are named
# ..._<arch>_recommended).
EXTRA = {'13_exp_uncertainty': [dict(views='recommended')]}

# The one rule for determinism checks. Two runs with the same seeds must give the same *results*; the columns that
# describe the *run* differ between any two runs and are left out of every comparison: wall times (seconds, minutes,
# durations, per-image times and ratios of times), dates and timestamps, host names, PIDs, devices and library
# versions. A column is a run record when one of these words is a whole `_`-separated part of its name
# (`cache_s`, `s_per_image`, `time_x_gradcam`, `runtime_ratio_8_over_6`, `date`, `device`), so `n_samples` or
# `split_sha256` stay results.
RUN_RECORD = re.compile(r'(^|_)(s|secs?|seconds?|minutes?|hours?|runtime|time|wall|duration|date|timestamp|'
                        r'host|hostname|pid|device|versions?)(_|$)', re.I)

def is_run_record(
    column:str  # a column name of a results table
)->bool:        # True when the column describes the run (time, date, host, ...) rather than its results
    "The determinism rule: `RUN_RECORD` matches the column's name."
    return bool(RUN_RECORD.search(str(column)))

def result_tables(
    out:Path  # a results folder
)->dict:      # relative path -> DataFrame of every CSV under out/tables, without its run-record columns
    "What two runs with the same seeds must agree on: every table under `out/tables`, run-record columns dropped."
    import pandas as pd
    res = {}
    for p in sorted((Path(out)/'tables').rglob('*.csv')):
        df = pd.read_csv(p)
        res[str(p.relative_to(Path(out)/'tables'))] = df.drop(columns=[c for c in df.columns if is_run_record(c)])
    return res

def table_differences(
    a:Path,  # one results folder
    b:Path   # another, from a run with the same seeds and parameters
)->list:     # one line per difference (a table only one has, or a table whose results differ); empty when identical
    "Compare two runs' results exactly, by `result_tables` (run records left out)."
    import pandas as pd
    ta, tb = result_tables(a), result_tables(b)
    res = [f"{n}: only in {a if n in ta else b}" for n in sorted(set(ta) ^ set(tb))]
    for n in sorted(set(ta) & set(tb)):
        try: pd.testing.assert_frame_equal(ta[n], tb[n], check_exact=True, obj=n)
        except AssertionError as e: res.append(' '.join(str(e).split()))
    return res

class Stage:
    "One step of the chain: a notebook run with parameters, or a build function."
    def __init__(self, name:str, nb:Path=None, params:dict=None, run=None, variant:str=''):
        self.name, self.nb, self.params, self.run, self.variant = name, nb, params or {}, run, variant
    @property
    def record(self)->str:
        "Its name in `run_times.csv` (and of its executed copy): the notebook's stem and the variant."
        return (self.nb.stem if self.nb else self.name) + (f"_{self.variant}" if self.variant else '')
    def __repr__(self): return f"Stage({self.name!r})"

def _declared(nb:Path)->dict:
    "The parameters a notebook's `parameters` cell declares, with their defaults (None where not a literal)."
    import ast, nbformat
    cells = [c for c in nbformat.read(nb, as_version=4).cells if 'parameters' in c.metadata.get('tags', [])]
    if not cells: return {}
    res = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                if isinstance(t, ast.Name):
                    try: res[t.id] = ast.literal_eval(node.value)
                    except ValueError: res[t.id] = None
    return res

def stages(
    out:Path,              # results folder of this run (results/ for the full run)
    smoke:bool=False,      # tiny parameters
    docs_out:Path=None,    # docs site folder (default: _site for the full run, <out>/site for a smoke run)
    paper_out:Path=None,   # manuscript folder (default: papers/ for the full run, <out>/papers for a smoke run)
    archs=NETWORKS,        # networks of the PER_NETWORK notebooks (and of a notebook's `archs` parameter)
)->list:                   # the `Stage`s in order
    "The chain: experiment notebooks (by glob, numbered order, one run per network and split), then the paper and the docs."
    from docsite import is_experiment
    archs = list(archs)
    if unknown := [a for a in archs if a not in NETWORKS]:
        raise SystemExit(f"ARCHS: unknown or not offline network(s) {unknown}; choose from {', '.join(NETWORKS)}.")
    nbs = [p for p in sorted((ROOT/'nbs').glob('[0-9]*.ipynb')) if is_experiment(p)]
    res = []
    for nb in nbs:
        decl = _declared(nb)
        if 'archs' in decl and len(archs) < 2: continue   # a comparison of networks needs two
        base = {k: v for k, v in SMOKE.items() if k in decl} if smoke else {}
        if 'out_dir' in decl and (smoke or out.resolve() != (ROOT/'results').resolve()): base['out_dir'] = str(out)
        if 'archs' in decl: base['archs'] = archs
        default = decl.get('arch') or NETWORKS[0]
        for arch in (archs if nb.stem in PER_NETWORK and 'arch' in decl else [default]):
          for extra in [{}] + (EXTRA.get(nb.stem, []) if arch == NETWORKS[0] else []):
            for split in (SPLITS if 'split' in decl else (None,)):
                p = dict(base) | extra
                if arch != default: p['arch'] = arch
                if arch != NETWORKS[0]: p |= {k: v for k, v in SUBSET.get(nb.stem, {}).items() if not (smoke and k in SMOKE)}   # SMOKE's sizes win in a smoke run; the rest (p_min, ct=False) holds
                if split: p['split'] = split
                if smoke and 'checkpoint' in decl:
                    from robustcam.checkpoints import checkpoint_name
                    p['checkpoint'] = str(out/'checkpoints'/checkpoint_name(arch, split or 'slice'))
                tags = ([f"arch={arch}"] if arch != default else []) + [f"{k}={v}" for k, v in extra.items()] + ([f"split={split}"] if split else [])
                res.append(Stage(nb.stem + ''.join(f"[{t}]" for t in tags), nb, p,
                                 variant='_'.join(str(v) for v in (arch if arch != default else '', *extra.values(), split or '') if v)))
    paper_out = paper_out or (out/'papers' if smoke else ROOT/'papers')
    docs_out = docs_out or (out/'site' if smoke else ROOT/'_site')
    def paper():
        from paper import build_paper
        build_paper(out, paper_out)
    def docs():
        import shutil as sh
        if not smoke and sh.which('quarto'):
            import subprocess; subprocess.run([str(Path(sys.executable).parent/'nbdev-docs')], cwd=ROOT, check=True); return
        from docsite import build_site
        build_site(out=docs_out, proc=(out/'_proc' if smoke else ROOT/'_proc'), runs=out/'executed', strict=True)
    return res + [Stage('paper', run=paper), Stage('docs', run=docs)]

def run_stage(
    st:Stage, # the stage
    out:Path  # results folder: executed copies go to out/runs/ and out/executed/
):
    "Run one stage: a notebook through papermill (then its light executed copy), or a build function."
    if st.run: return st.run()
    import papermill as pm
    from docsite import lighten_nb
    name = st.record
    ex = out/'runs'/f"{name}.ipynb"; ex.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time() - 1
    pm.execute_notebook(str(st.nb), str(ex), parameters=st.params, cwd=str(ROOT), progress_bar=False, kernel_name='python3')
    figs = sorted(p for p in (out/'figures').rglob('*') if p.suffix in ('.png', '.jpg', '.svg') and p.stat().st_mtime >= t0) \
           if (out/'figures').exists() else []
    lighten_nb(ex, out/'executed'/f"{name}.ipynb", figs, out)
    run_times(out)

def run_times(
    out:Path  # a results folder
)->Path:      # its tables/run_times.csv
    "Each experiment's last wall time, from the papermill record in its executed copy (out/executed/*.ipynb), as a table the manuscript reads."
    import json, pandas as pd
    from robustcam.files import save_csv
    rows = []
    for f in sorted((Path(out)/'executed').glob('*.ipynb')):
        m = json.loads(f.read_text()).get('metadata', {}).get('papermill', {})
        if m.get('duration') is not None:
            rows.append(dict(stage=f.stem, seconds=round(float(m['duration']), 1), minutes=round(float(m['duration']) / 60, 1),
                             date=(m.get('end_time') or '')[:10]))
    df = pd.DataFrame(rows, columns=['stage', 'seconds', 'minutes', 'date'])
    return save_csv(df, Path(out)/"tables"/"run_times.csv")

def reproduce(
    smoke:bool=False,     # tiny parameters into a temporary folder
    out:str|Path=None,    # results folder (default: results/, or a new temporary folder for a smoke run)
    only:list=None,       # run only the stages whose name starts with one of these
    skip:list=None,       # leave out the stages whose name starts with one of these
    log=print,            # where the stage lines go
    archs=NETWORKS,       # networks of the per-network notebooks
    jobs:int=None,        # 2: two lanes side by side, each on half the cores (`lanes`); 1: one stage at a time; None: 2 where the machine has 2 cores or more
    times:dict=None       # stage record -> seconds, for balancing the lanes (default: `stage_times()` of the committed results/)
)->Path:                  # the results folder
    "Run the chain; raise `SystemExit` naming the first failing stage (earlier results stay)."
    jobs = jobs or _default_jobs()
    if jobs not in (1, 2): raise SystemExit(f"--jobs must be 1 or 2 (the main network and the others side by side), got {jobs}.")
    out = Path(out) if out else (Path(tempfile.mkdtemp(prefix='robustcam-smoke-')) if smoke else ROOT/'results')
    out.mkdir(parents=True, exist_ok=True)
    sts = _select(stages(out, smoke, archs=archs), only, skip)
    log(f"reproduce{' (smoke)' if smoke else ''}: {len(sts)} stages into {out}" + (f", {jobs} at once" if jobs > 1 else ''))
    t_all = time.time()
    times = stage_times() if times is None else times
    if jobs > 1 and (ls := lanes(sts, times))[1]:
        first, second, last = ls
        for i, l in enumerate((first, second), 1): log(f"lane {i}: {len(l)} stages" + ('' if smoke else f", {_hm(_span(l, times))} by the stage table"))
        import multiprocessing as mp
        threads = os.environ.get('OMP_NUM_THREADS')
        os.environ['OMP_NUM_THREADS'] = str(max(1, (os.cpu_count() or 2) // 2))   # half the cores per lane: the kernels papermill starts inherit it
        child = mp.get_context('fork').Process(target=_lane, args=(second, out, log, t_all))
        child.start()
        try: _run(first, out, log, t_all, 'lane 1')
        except SystemExit:
            child.terminate(); child.join()
            log(f"lane 2 stopped; what its finished stages wrote is kept in {out}")
            raise
        finally:
            if threads is None: os.environ.pop('OMP_NUM_THREADS', None)
            else: os.environ['OMP_NUM_THREADS'] = threads
        child.join()
        if child.exitcode:
            log(f"total {time.time()-t_all:.1f} s; stopped: lane 2 failed (its line above names the stage); results of earlier stages are kept in {out}")
            raise SystemExit(f"reproduce failed in lane 2 (the networks {', '.join(dict.fromkeys(s.params.get('arch', '') for s in second))}); see its stage line")
        sts = last
    _run(sts, out, log, t_all)
    log(f"total {time.time()-t_all:.1f} s -> {out}")
    return out

def stage_times(
    out:Path=ROOT/'results'  # a results folder
)->dict:                     # stage record (`Stage.record`) -> seconds of its last run; empty without a stage table
    "The last measured wall time of each stage, from `out/tables/run_times.csv` (`run_times`)."
    import pandas as pd
    f = Path(out)/'tables'/'run_times.csv'
    return dict(pd.read_csv(f)[['stage', 'seconds']].values) if f.is_file() else {}

def lanes(
    sts:list,        # the chain's stages, in order
    times:dict=None  # stage record -> seconds (`stage_times`); None or empty: no balancing
)->tuple:            # (the first lane's stages, the second lane's, the stages that need every network's results)
    """The chain split for two workers: the main network's stages and the other networks' side by side, then 16/32 (an
    `archs` parameter), the paper and the docs. With `times`, some of the other networks' ImageNet stages (no `split`: they
    need no head trained in the chain) move to the end of the first lane: of all subsets of them (a few hundred), the one
    that makes the longer lane shortest, and of equals the smallest."""
    last = [s for s in sts if s.nb is None or 'archs' in s.params]
    second = [s for s in sts if s not in last and 'arch' in s.params]
    first = [s for s in sts if s not in last and s not in second]
    if not times: return first, second, last
    t1, t2 = _span(first, times), _span(second, times)
    movable = [s for s in second if 'split' not in s.params]
    subsets = (c for r in range(len(movable) + 1) for c in itertools.combinations(movable, r))
    moved = min(subsets, key=lambda c: (max(t1 + _span(c, times), t2 - _span(c, times)), len(c)))
    return first + list(moved), [s for s in second if s not in moved], last

def _select(sts, only, skip):
    "The stages whose name starts with one of `only` (all when None), less those starting with one of `skip`."
    pick = lambda s, pre: any(s.name.startswith(p) for p in pre)
    return [s for s in sts if (not only or pick(s, only)) and not (skip and pick(s, skip))]

def _default_jobs()->int: return 2 if (os.cpu_count() or 1) >= 2 else 1
def _span(sts, times)->float: return sum(times.get(s.record, 0) for s in sts)
def _hm(seconds:float)->str: m = round(seconds / 60); return f"{m // 60} h {m % 60:02d} min"

def plan(
    sts:list,         # the chain's stages
    jobs:int=None,    # as `reproduce`
    times:dict=None   # stage record -> seconds (default: `stage_times()`)
)->list:              # lines: each stage with its parameters and last measured time, per lane, and the expected total
    "The chain as `reproduce` would run it, with the stage table's times: per lane, and the expected wall time (the longer lane, then the rest)."
    times, jobs = stage_times() if times is None else times, jobs or _default_jobs()
    fmt = lambda s: f"  {s.name:<52} {_hm(times[s.record]) if s.record in times else 'not timed':>12}  {s.params if s.nb else ''}"
    span = lambda l: _span(l, times)
    ls = lanes(sts, times)   # as `reproduce`: two lanes only when the second keeps a stage
    groups = list(zip(('lane 1', 'lane 2', 'after both lanes'), ls)) if jobs > 1 and ls[1] else [('one stage at a time', sts)]
    res = []
    for name, l in groups: res += [f"{name}: {len(l)} stages, {_hm(span(l))} by the stage table"] + [fmt(s) for s in l]
    total = max(span(groups[0][1]), span(groups[1][1])) + span(groups[2][1]) if len(groups) == 3 else span(sts)
    untimed = sum(s.record not in times for s in sts)
    return res + [f"expected wall time: {_hm(total)} (the stage table's last measured times" + (f"; {untimed} stages not timed)" if untimed else ')')]

def _run(sts, out, log, t_all, lane=''):
    "Run stages in order; at the first failure log it and raise `SystemExit` naming it (earlier results stay)."
    tag = f"{lane} " if lane else ''
    for i, st in enumerate(sts, 1):
        t = time.time()
        try: run_stage(st, out)
        except BaseException as e:
            if hasattr(e, 'ename'): why = f"{e.ename}: {e.evalue}"   # papermill: the error raised in the notebook
            else: why = f"{type(e).__name__}: {e}"
            why = ' '.join(why.split())
            log(f"{tag}[{i}/{len(sts)}] {st.name:<48} FAILED after {time.time()-t:7.1f} s: {why}")
            log(f"total {time.time()-t_all:.1f} s; stopped at stage {st.name!r}; results of earlier stages are kept in {out}")
            raise SystemExit(f"reproduce failed at stage {st.name!r}: {why}") from e
        log(f"{tag}[{i}/{len(sts)}] {st.name:<48} ok     {time.time()-t:7.1f} s")

def _lane(sts, out, log, t_all):
    "The second lane, in a forked process: exit status 1 when a stage fails."
    try: _run(sts, out, log, t_all, 'lane 2')
    except SystemExit: os._exit(1)

def main(argv=None):
    "Command line for `reproduce`."
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--smoke', action='store_true', help="tiny parameters, into a temporary folder")
    p.add_argument('--out', default=None, help="results folder (default: results/, or a temporary folder with --smoke)")
    p.add_argument('--only', nargs='*', default=None, help="run only these stages (name prefixes)")
    p.add_argument('--skip', nargs='*', default=None, help="leave out these stages (name prefixes)")
    p.add_argument('--archs', default=','.join(NETWORKS),
                   help=f"comma-separated networks of the per-network notebooks {PER_NETWORK} (default: {','.join(NETWORKS)})")
    p.add_argument('--jobs', type=int, default=None, help="2: two lanes, the main network's stages beside the other networks', each on half the cores; "
                                                         "1: one stage at a time (default: 2 where the machine has 2 cores or more)")
    p.add_argument('--list', action='store_true', help="list the stages per lane with their parameters and last measured times, and the expected wall time; run nothing")
    a = p.parse_args(argv)
    archs = [x for x in a.archs.split(',') if x]
    if a.list:
        out = Path(a.out or (tempfile.gettempdir() + '/robustcam-smoke' if a.smoke else ROOT/'results'))
        print('\n'.join(plan(_select(stages(out, a.smoke, archs=archs), a.only, a.skip), a.jobs)))
        return
    reproduce(a.smoke, a.out, a.only, a.skip, log=lambda s: print(s, flush=True), archs=archs, jobs=a.jobs)

if __name__ == '__main__': main()
