"""Run nbs/30_eval_ct.ipynb where papermill and Jupyter are not installed (the GPU machine): the notebook's code cells,
in order, in one namespace, with the parameters overridden as papermill would, and the executed copy (text outputs)
written as a notebook.

    # here, with the full release: which CT files the run reads (to carry to the GPU machine)
    .venv/bin/python benchmarks/gpu_eval_ct.py --list-files -p xai_max_images 219 > /tmp/files.txt
    # there (ROBUSTCAM_DATA -> a folder holding just those files, in the release's class folders):
    python benchmarks/gpu_eval_ct.py -p require_all False -p track False            # every default below
    python benchmarks/gpu_eval_ct.py -p split grouped -p require_all False -p track False
    python benchmarks/gpu_eval_ct.py -p require_all False -p track False -p resume True -p sanity False   # go on where a budget cut it

Defaults of this script (sized for ~8 min on one H100/H200; each overridable with -p NAME VALUE, Python literals):
device 'auto'; Grad-CAM + RobustCAM on all 219 test images; xai_max_images 219 with time_budget_s 420: LIME (1000
samples, lime's default), SHAP (200, shap's default) and the vote take the test images in class-interleaved order until
420 s after the start, then the tables say how many (n per row); fused_max_images 0 (RobustCAM over LIME's and SHAP's
views costs 7x a plain image: `-p fused_max_images 6` adds them, done first); sanity checks on 10 images for all four
methods; out_dir 'results/gpu'; run_name '<arch>-<split>-test-gpu'. The executed copy goes to
results/runs/30_eval_ct_gpu[_grouped].ipynb. Every stage writes its tables when it ends: a run cut short keeps them.
"""
import argparse, ast, contextlib, io, json, sys, time, traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT/'nbs'/'30_eval_ct.ipynb'
GPU_DEFAULTS = dict(device='auto', xai_max_images=219, fused_max_images=0, lime_samples=1000, shap_samples=200, time_budget_s=420,
                    sanity_images=10, sanity_methods=['gradcam', 'robustcam', 'lime', 'shap'], out_dir='results/gpu')

def _value(s):
    try: return ast.literal_eval(s)
    except (ValueError, SyntaxError): return s

class _Tee(io.TextIOBase):
    "Write to the terminal and keep a copy."
    def __init__(self, out): self.out, self.buf = out, io.StringIO()
    def write(self, s): self.out.write(s); self.out.flush(); return self.buf.write(s)
    def flush(self): self.out.flush()

def _display(*objs):
    for o in objs: print(o.to_string() if hasattr(o, 'to_string') else repr(o))

def run(params:dict, out:Path|None, stop_after:str|None=None)->dict:
    "Execute the notebook's code cells with `params`; return the namespace. `stop_after`: stop after the first cell containing it."
    import matplotlib; matplotlib.use('Agg')
    nb = json.loads(NB.read_text())
    ns = {'__name__': '__main__', 'display': _display}
    cells, done = [], False
    for c in nb['cells']:
        if c['cell_type'] != 'code': cells.append(c); continue
        src = ''.join(c['source'])
        if done: continue
        if 'parameters' in c.get('metadata', {}).get('tags', []):
            src += '\n# injected parameters\n' + '\n'.join(f'{k} = {v!r}' for k, v in params.items())
        tee_o, tee_e = _Tee(sys.stdout), _Tee(sys.stderr)
        t0, err = time.perf_counter(), None
        try:
            with contextlib.redirect_stdout(tee_o), contextlib.redirect_stderr(tee_e): exec(compile(src, f'<cell {len(cells)}>', 'exec'), ns)
        except BaseException as e: err = e
        outs = [dict(output_type='stream', name=n, text=t.buf.getvalue()) for n, t in (('stdout', tee_o), ('stderr', tee_e)) if t.buf.getvalue()]
        if err is not None: outs.append(dict(output_type='error', ename=type(err).__name__, evalue=str(err), traceback=traceback.format_exception(err)))
        cells.append(dict(c, source=src, outputs=outs, execution_count=len(cells), metadata=dict(c.get('metadata', {}), wall_s=round(time.perf_counter() - t0, 2))))
        if out is not None: out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(dict(nb, cells=cells), indent=1))
        if err is not None: raise err
        if stop_after and stop_after in src: done = True
    return ns

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('-p', nargs=2, action='append', default=[], metavar=('NAME', 'VALUE'), help='a notebook parameter (Python literal)')
    ap.add_argument('--list-files', action='store_true', help="print the release-relative paths of the CT files the run reads, and stop")
    ap.add_argument('--out', default=None, help='executed copy (default results/runs/30_eval_ct_gpu[_<split>].ipynb)')
    a = ap.parse_args(argv)
    params = GPU_DEFAULTS | {k: _value(v) for k, v in a.p}
    split, arch = params.get('split', 'slice'), params.get('arch', 'efficientnet_lite0')
    params.setdefault('run_name', f"{arch}-{split}-test-gpu")
    if a.list_files:
        with contextlib.redirect_stdout(io.StringIO()):
            ns = run(params | dict(track=False), None, stop_after="stages('checks')")
        files = sorted(set(ns['rows'].path) | set(ns['bg_rows'].path))
        print('\n'.join(files)); print(f"{len(files)} files", file=sys.stderr); return
    out = Path(a.out) if a.out else ROOT/'results'/'runs'/f"30_eval_ct_gpu{'' if split == 'slice' else '_' + split}.ipynb"
    t0 = time.perf_counter()
    run(params, out)
    print(f"done in {time.perf_counter() - t0:.0f} s; executed copy: {out}")

if __name__ == '__main__': main()
