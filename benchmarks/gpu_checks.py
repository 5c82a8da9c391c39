"""Run the notebooks' `#| cuda` cells where nbdev is not installed (the lent GPU machine), the way
`nbdev-test --flags cuda` runs them: each notebook's code cells in order, in one namespace, from `nbs/`, skipping
cells that nbdev-test skips (`#| eval: false`, and flags other than the ones asked for), and stopping after the
notebook's last cell carrying a requested flag (the cells after it only document or export).

    python benchmarks/gpu_checks.py                   # every notebook with a `#| cuda` cell
    python benchmarks/gpu_checks.py nbs/02a_lime.ipynb --flags cuda

Prints one line per notebook (ok, or the failing cell and its error) and exits non-zero if any failed.
With `nbdev` installed, `nbdev-test --flags cuda nbs/<name>.ipynb` does the same.
"""
import argparse, contextlib, io, json, os, re, sys, time, traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KNOWN = ('slow', 'cuda')   # the project's tst_flags (pyproject.toml)

def directives(src:str)->list:
    "The cell's `#|` directive lines, as lists of words (`#| eval: false` -> ['eval:', 'false'])."
    out = []
    for line in src.splitlines():
        if not line.strip(): continue
        if not line.startswith('#|'): break
        out.append(line[2:].split())
    return out

def cell_flags(src:str)->set: return {d[0] for d in directives(src) if d and d[0] in KNOWN}
def skipped(src:str, flags)->bool:
    ds = directives(src)
    return any(d[:2] == ['eval:', 'false'] for d in ds) or bool(cell_flags(src) - set(flags))

def run_notebook(path:Path, flags=('cuda',))->tuple:
    "Execute `path`'s code cells up to its last cell flagged with one of `flags`; return (ok, message, seconds)."
    cells = [''.join(c['source']) for c in json.loads(path.read_text())['cells'] if c['cell_type'] == 'code']
    marked = [i for i, s in enumerate(cells) if cell_flags(s) & set(flags)]
    if not marked: return True, 'no flagged cells', 0.
    import matplotlib; matplotlib.use('Agg')
    ns, t0, cwd = {'__name__': '__main__'}, time.perf_counter(), os.getcwd()
    os.chdir(path.parent)
    try:
        for i, src in enumerate(cells[:marked[-1] + 1]):
            if skipped(src, flags): continue
            try:
                with contextlib.redirect_stdout(io.StringIO()): exec(compile(src, f'{path.name}[code cell {i}]', 'exec'), ns)
            except BaseException as e:
                return False, f"code cell {i} failed: {type(e).__name__}: {e}\n{''.join(traceback.format_exception(e)[-4:])}", time.perf_counter() - t0
    finally: os.chdir(cwd)
    return True, f"ok ({len(marked)} flagged cell(s) of {len(cells)} code cells)", time.perf_counter() - t0

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('paths', nargs='*', help='notebooks (default: every nbs/*.ipynb holding a flagged cell)')
    ap.add_argument('--flags', default='cuda', help="space-separated test flags, as nbdev-test's --flags")
    a = ap.parse_args(argv)
    flags = tuple(a.flags.split())
    if bad := set(flags) - set(KNOWN): sys.exit(f"Unknown flag(s) {sorted(bad)}: the project's test flags are {list(KNOWN)}.")
    paths = [Path(p).resolve() for p in a.paths] or sorted(p for p in (ROOT/'nbs').glob('*.ipynb')
                                                          if any(cell_flags(''.join(c['source'])) & set(flags) for c in json.loads(p.read_text())['cells']))
    sys.path.insert(0, str(ROOT))
    failed = 0
    for p in paths:
        ok, msg, s = run_notebook(p, flags)
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} {p.name} [{s:.1f} s]: {msg}", flush=True)
    print(f"{len(paths) - failed} of {len(paths)} notebook(s) passed their {' '.join(flags)} cells")
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
