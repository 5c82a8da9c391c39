"""README.md from nbs/index.ipynb (`make readme`; `make check-export` runs it too and fails on a diff).

Build tooling, not part of the package. nbdev-readme needs Quarto; this does the same conversion with nbconvert, after
running the notebook's code cells (the findings table reads `results/tables/` through `tools/paper.py`) so the
README and the docs' landing page show today's numbers:

    python tools/readme.py            # runs nbs/index.ipynb, stores its outputs in it, writes README.md

- cells flagged `#| slow` are not run (the figure cell: rerun it by hand, or `nbdev-test --flags slow`);
- `#| hide` cells are left out of the README, `#| echo: false` cells show their output only;
- images are linked from the repository root (`images/x.png` in the notebook is `nbs/images/x.png` in the README);
- the notebook is written back only where an output changed, in nbdev-clean's form.
"""
from __future__ import annotations
import argparse, copy, re, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]
INDEX, README = ROOT/'nbs'/'index.ipynb', ROOT/'README.md'
_re_opt = re.compile(r'^#\|\s*([\w-]+)\s*(?::\s*(.*?))?\s*$')

def cell_opts(src:str)->tuple:
    "The `#|` directives at the top of a cell ({name: value or ''}), and the source without them."
    lines, opts = src.splitlines(), {}
    while lines and (m := _re_opt.match(lines[0])): opts[m[1]] = (m[2] or '').strip('"\'').lower(); lines.pop(0)
    for w in (lines[0].split() if lines and lines[0].startswith('#|') else []): opts.setdefault(w, '')
    return opts, '\n'.join(lines)

def run_index(nb_path:Path=INDEX, timeout:int=600)->nbformat.NotebookNode:
    "Run the notebook's code cells (not `#| slow` ones) in a fresh kernel in its folder; return it with the new outputs."
    from nbclient import NotebookClient
    nb = nbformat.read(nb_path, as_version=4)
    run = copy.deepcopy(nb)
    skip = []
    for c in run.cells:
        if c.cell_type == 'code' and 'slow' in cell_opts(c.source)[0]: skip.append(c.get('id')); c.source = ''
    NotebookClient(run, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(nb_path.parent)}}).execute()
    for c, r in zip(nb.cells, run.cells):
        if c.cell_type != 'code' or c.get('id') in skip: continue
        c.outputs = [o for o in r.outputs if o.output_type != 'stream' or o.name != 'stderr']
        for o in c.outputs:
            if 'execution_count' in o: o.execution_count = None
        c.execution_count = None
    return nb

def to_markdown(nb:nbformat.NotebookNode)->str:
    "The README's markdown: hidden cells dropped, echo-false cells as their output, images linked from the root."
    from nbconvert import MarkdownExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    nb = copy.deepcopy(nb)
    cells = []
    for c in nb.cells:
        if c.cell_type == 'code':
            opts, src = cell_opts(c.source)
            if 'hide' in opts or opts.get('include') == 'false': continue
            c.source = '' if opts.get('echo') == 'false' else src
            if opts.get('echo') == 'false': c.metadata.setdefault('tags', []).append('remove_input')
        cells.append(c)
    nb.cells = cells
    ex = MarkdownExporter()
    ex.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    md, _ = ex.from_notebook_node(nb)
    md = re.sub(r'(\]\(|src=")images/', r'\1nbs/images/', md)
    md = re.sub(r'\n{3,}', '\n\n', md).strip() + '\n'
    md += '\n<!-- Generated from nbs/index.ipynb by `make readme` (tools/readme.py): edit the notebook, not this file. -->\n'
    return md

def build(nb_path:Path=INDEX, readme:Path=README, run:bool=True)->Path:
    "Run `nb_path` (unless `run` is False), store its outputs where they changed, and write `readme`."
    if run:
        nb = run_index(nb_path)
        old = nbformat.read(nb_path, as_version=4)
        if [c.get('outputs') for c in nb.cells] != [c.get('outputs') for c in old.cells]:
            nbformat.write(nb, nb_path)
            from nbdev.clean import nbdev_clean
            nbdev_clean(fname=str(nb_path))
    md = to_markdown(nbformat.read(nb_path, as_version=4))
    readme.write_text(md, encoding='utf-8')
    return readme

def main(argv=None):
    "Command line: build README.md from nbs/index.ipynb."
    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument('--no-run', action='store_true', help="convert the outputs stored in the notebook, without running it")
    a = p.parse_args(argv)
    r = build(run=not a.no_run)
    print(f"Wrote {r.relative_to(ROOT)} ({len(r.read_text().splitlines())} lines) from {INDEX.relative_to(ROOT)}")

if __name__ == '__main__': main()
