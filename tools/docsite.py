"""A static HTML docs site without Quarto: nbdev's processed notebooks rendered with nbconvert.

Build tooling, not part of the `robustcam` package (it needs the dev-only dependencies nbdev, nbconvert and
latex2mathml). Where Quarto is installed, `nbdev-docs` builds the real site; `make docs` picks the right one.

    python tools/docsite.py --out _site      # then open _site/index.html (works from file://, offline)

What it does:
- every notebook in `nbs/` (found by glob, so new notebooks appear without changes here) is processed by nbdev's
  own doc processors (`FilterDefaults`: adds and runs a `show_doc` cell after every exported definition, removes
  `#| hide` cells, turns the title into frontmatter) and rendered by nbconvert's `lab` template;
- experiment notebooks (no `default_exp`) are rendered from their executed copies in `results/executed/`
  (one page per committed run, written by `tools/reproduce.py`), so their pages show tables and figures; an
  experiment without an executed copy gets its source page and a note saying how to produce one;
- an experiment's page opens with its headline: the cells its source notebook tags `headline` (a table, a figure),
  repeated at the top from the run copy;
- TeX (`$...$`, `$$...$$`) becomes MathML at build time (latex2mathml): no CDN, no JavaScript;
- images are files next to the pages (`<page>_files/`), never base64 blobs;
- a sidebar lists every page in the sections and order of `nbs/sidebar.yml` (the file `nbdev-docs` reads too), each
  with its notebook's number and title.
  At a phone's width it collapses behind a "Menu" button above the page;
- executed copies show no stray `Path` values and no absolute paths of the machine that ran them (`scrub_outputs`).
"""
from __future__ import annotations
import argparse, hashlib, html, os, re, shutil, sys, time, yaml
from pathlib import Path
from urllib.parse import urljoin, unquote
import nbformat
from latex2mathml.converter import convert as _tex2mml
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor, ExtractOutputPreprocessor

__all__ = ['constants_md', 'proc_nb', 'proc_nbs', 'fix_md', 'pop_frontmatter', 'prep_nb', 'tex_to_mathml', 'nav_html', 'read_sidebar', 'lift_headline', 'render_page',
           'is_experiment', 'find_runs', 'rel_paths', 'scrub_outputs', 'lighten_nb', 'build_site', 'main']

ROOT = Path(__file__).resolve().parents[1]
RUNS = 'results/executed'   # committed, light executed copies of the experiment runs (see `lighten_nb`)

# ---------------------------------------------------------------------------------------------------------------
# Processing notebooks with nbdev

def constants_md(
    src:str   # source of an exported code cell
)->str:       # markdown: one API entry per public top-level assignment (empty if none)
    "API entries for the constants an export cell defines: `show_doc` documents only functions and classes."
    import ast
    try: tree = ast.parse(src)
    except SyntaxError: return ''
    lines, md = src.splitlines(), []
    for node in tree.body:
        tgts = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        tgts = [e for t in tgts for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
        names = [t.id for t in tgts if isinstance(t, ast.Name) and not t.id.startswith('_')]
        if not names or (isinstance(node, ast.AnnAssign) and node.value is None): continue
        code = lines[node.lineno-1:node.end_lineno]
        if len(code) > 12: code = code[:11] + ['    ...']
        for n in names:
            md.append(f'<h4 id="{n.lower()}" class="rc-const"><code>{n}</code></h4>\n\n```python\n' + '\n'.join(code) + '\n```')
    return '\n\n'.join(md)

def _filter_defaults():
    "nbdev's `FilterDefaults`, plus an API entry for each exported constant (before export cells are removed)."
    from fastcore.nbio import mk_cell
    from nbdev.process import Processor
    from nbdev.processors import FilterDefaults, rm_export, _want_doc
    class add_constant_docs(Processor):
        def begin(self):
            for c in reversed([c for c in self.nb.cells if _want_doc(c)]):
                if md := constants_md(c.source): self.nb.cells.insert(c.idx_+1, mk_cell(md, 'markdown'))
    class RCFilterDefaults(FilterDefaults):
        def base_procs(self):
            ps = super().base_procs()
            return ps[:ps.index(rm_export)] + [add_constant_docs] + ps[ps.index(rm_export):]
    return RCFilterDefaults

def proc_nb(
    src:Path, # source notebook
    dst:Path  # processed notebook to write
)->str|None:  # None, or the error that stopped processing
    "Process `src` with nbdev's doc processors (`FilterDefaults`: adds and runs `show_doc` cells) into `dst`."
    import nbdev.serve_drv
    try: Path(dst).parent.mkdir(parents=True, exist_ok=True); nbdev.serve_drv.main((Path(src), Path(dst), _filter_defaults()))
    except Exception as e: return f"{type(e).__name__}: {e}"

def _proc_one(o): return proc_nb(*o)

def proc_nbs(
    todo:list,          # (source, processed copy) pairs
    force:bool=False,   # reprocess notebooks whose processed copy is newer than the source
    n_workers:int=None  # processes (0: serial, in this process); default one per notebook, up to the CPU count
)->dict:                # {source notebook: error} for those that failed
    "Process the notebooks in `todo` that changed since their processed copy, in parallel; return the failures."
    from fastcore.parallel import parallel
    todo = [(Path(s), Path(d)) for s,d in todo]
    # A processed copy is stale when its notebook changed, and also when the symbol index did: nbdev writes the
    # backtick links (`FeatureCache` -> train.html#featurecache) at processing time, so a symbol that moved to
    # another module would otherwise keep linking to its old page.
    idx = [ROOT/'robustcam'/'_modidx.py', Path(__file__)]
    t_idx = max((f.stat().st_mtime for f in idx if f.exists()), default=0)
    todo = [(s,d) for s,d in todo if force or not d.exists() or d.stat().st_mtime < max(s.stat().st_mtime, t_idx)]
    if n_workers is None: n_workers = min(len(todo), os.cpu_count() or 1)
    if str(ROOT/'tools') not in sys.path: sys.path.insert(0, str(ROOT/'tools'))
    from docsite import _proc_one  # by its importable name, also when this file runs as `__main__` (spawned workers)
    errs = parallel(_proc_one, todo, n_workers=n_workers, method='spawn', pause=0.01) if todo else []
    return {s:e for (s,_),e in zip(todo, errs) if e}

# ---------------------------------------------------------------------------------------------------------------
# From Quarto markdown to plain HTML

def fix_md(
    s:str,          # markdown
    base:str='',    # URL of the published docs, made relative
    pages:dict=None # notebook stem -> page, to point `.ipynb` links at pages
)->str:
    "Markdown without pandoc-only syntax (`{...}` attributes, `:::` fences) and with links to this site made relative."
    s = re.sub(r'(\]\([^)\s]*\))\{[^}\n]*\}', r'\1', s)
    s = re.sub(r'(?m)^:::.*\n?', '', s)
    # nbdev links private names too (they are in _modidx), but `show_doc` gives them no entry: keep the name, no link
    s = re.sub(r'\[(`_\w[\w.]*`)\]\([^)\s]*#_[\w.-]*\)', r'\1', s)
    if base: s = s.replace(base, '')
    return re.sub(r'\]\(([\w./-]+?)\.ipynb', lambda m: f"]({(pages or {}).get(Path(m[1]).name, m[1]+'.html')}", s)

_re_fm = re.compile(r'^---\s*\n(.*?)\n---\s*$', re.S)
_re_opt = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')

def pop_frontmatter(
    nb:dict # processed notebook (changed in place)
)->dict:    # the frontmatter (title, description, output-file, ...)
    "Remove the raw YAML frontmatter cell nbdev puts first in `nb`, and return it parsed."
    c0 = nb.cells[0] if nb.cells else None
    m = c0 and c0.cell_type == 'raw' and _re_fm.match(c0.source.strip())
    if not m: return {}
    nb.cells.pop(0)
    return yaml.safe_load(m[1]) or {}

def prep_nb(
    nb:dict,        # processed notebook (changed in place)
    base:str='',    # passed to `fix_md`
    pages:dict=None # passed to `fix_md`
)->dict:            # `nb`
    "Apply Quarto cell options (`echo`, `include`, `output`) and `fix_md` so nbconvert shows `nb` as Quarto would."
    cells = []
    for c in nb.cells:
        if c.cell_type == 'markdown': c.source = fix_md(c.source, base, pages)
        if c.cell_type != 'code': cells.append(c); continue
        c.metadata.pop('execution', None)  # execnb's timings do not validate against the nbformat schema
        c.metadata.pop('papermill', None)
        lines, opts = c.source.splitlines(), {}
        while lines and (o := _re_opt.match(lines[0])): opts[o[1]] = o[2].strip('"\'').lower(); lines.pop(0)
        if opts.get('include') == 'false': continue
        c.source = '\n'.join(lines)
        if opts.get('echo') == 'false': c.metadata.setdefault('tags', []).append('remove_input')
        if opts.get('output') == 'false': c.outputs = []
        for o in c.outputs:
            if 'text/markdown' in o.get('data', {}): o.data['text/markdown'] = fix_md(o.data['text/markdown'], base, pages)
        cells.append(c)
    nb.cells = cells
    return nb

HEADLINE = 'headline'   # the tag, in an experiment notebook's source, of the cells that show its headline table and figure

def lift_headline(
    nb:dict,        # processed run copy of an experiment notebook (changed in place)
    source:Path,    # the experiment's source notebook: its cells tagged `HEADLINE` name the headline cells (by cell id)
)->dict:            # `nb`
    "Copy the run's headline cells (table, figure) to the top of its page, under a 'Headline' heading, so the page opens with its result."
    want = [c.get('id') for c in nbformat.read(source, as_version=4).cells if HEADLINE in c.metadata.get('tags', [])]
    picked = [c for i in want for c in nb.cells if c.get('id') == i and c.cell_type == 'code' and c.get('outputs')]
    if not picked: return nb
    at = next((i + 1 for i, c in enumerate(nb.cells) if c.cell_type == 'markdown'), 0)   # after the introduction's first paragraph
    intro = nbformat.v4.new_markdown_cell("## Headline\n\n*The run's headline table and figure, repeated from the sections below.*")
    lifted = [nbformat.from_dict({**c, 'id': f"{c['id']}-headline", 'metadata': {**c.metadata, 'tags': ['remove_input']}}) for c in picked]
    nb.cells[at:at] = [intro, *lifted]
    return nb

# ---------------------------------------------------------------------------------------------------------------
# Math: TeX -> MathML at build time

_re_math = re.compile(r'\$\$(.+?)\$\$|(?<![\\$\w])\$(?=[^\s$])([^$\n]+?)(?<=[^\s\\])\$(?![\w$])', re.S)
_skip_tags = {'pre', 'code', 'script', 'style', 'textarea', 'math'}

def tex_to_mathml(
    page:str,         # HTML whose text may hold `$...$` (inline) and `$$...$$` (display) TeX
    strict:bool=False # raise on TeX that latex2mathml cannot convert (else leave it as it was)
)->str:               # the HTML with every convertible formula as MathML
    "Replace TeX in the text of `page` (outside `pre`, `code`, `script`, `style`) by MathML."
    out, stack = [], []
    for tok in re.split(r'(<[^>]+>)', page):
        if tok.startswith('<'):
            m = re.match(r'<(/?)([a-zA-Z][\w-]*)', tok)
            if m and m[2].lower() in _skip_tags and not tok.endswith('/>'):
                if m[1]: stack and stack.pop()
                else: stack.append(m[2].lower())
            out.append(tok); continue
        if stack or '$' not in tok: out.append(tok); continue
        def conv(m):
            tex, disp = (m[1], 'block') if m[1] is not None else (m[2], 'inline')
            try: return _tex2mml(html.unescape(tex).strip(), display=disp)
            except Exception as e:
                if strict: raise ValueError(f"TeX that latex2mathml cannot convert: {tex!r} ({e})") from e
                return m[0]
        out.append(_re_math.sub(conv, tok))
    return ''.join(out)

# ---------------------------------------------------------------------------------------------------------------
# Pages

_css = """<style>
.rc-nav{position:fixed;top:0;left:0;bottom:0;width:17rem;overflow-y:auto;box-sizing:border-box;padding:1.2rem 1rem;
  background:#f6f8fa;border-right:1px solid #d0d7de;font:15px/1.45 system-ui,sans-serif;z-index:10}
.rc-nav .rc-brand{display:block;font-size:1.3em;font-weight:700;margin-bottom:.6rem;color:#24292f;text-decoration:none}
.rc-nav ul{list-style:none;padding:0;margin:0}.rc-nav li{margin:.3rem 0}
.rc-nav .rc-sec{margin:.9rem 0 .2rem;font-size:.8em;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:#57606a}
.rc-nav .rc-num{display:inline-block;min-width:2.4em;color:#57606a;font-variant-numeric:tabular-nums}
.rc-nav a{color:#0969da;text-decoration:none}.rc-nav a.active{font-weight:700;color:#24292f}
body.jp-Notebook>main{margin-left:17rem;max-width:62rem}
.jp-RenderedMarkdown pre{background:#f6f8fa;padding:.5rem .8rem;border-radius:4px}
.jp-RenderedHTMLCommon a code{color:#0969da}.jp-RenderedMarkdown a[href*="/blob/"]{float:right;font-size:smaller}
.rc-note{border-left:4px solid #bf8700;background:#fff8c5;padding:.5rem .8rem}
math[display="block"]{margin:.6em 0}
.rc-menu{display:none}
@media (max-width:800px){  /* a phone: the sidebar collapses behind a menu button above the page */
  .rc-nav{position:static;width:auto;bottom:auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;border-right:0;border-bottom:1px solid #d0d7de}
  .rc-nav .rc-brand{margin:0}.rc-nav ul{display:none;width:100%;margin-top:.4rem}.rc-nav.rc-open ul{display:block}
  .rc-menu{display:inline-block;font:inherit;padding:.25rem .8rem;border:1px solid #d0d7de;border-radius:6px;background:#fff;color:#24292f;cursor:pointer}
  body.jp-Notebook>main{margin-left:0;padding:0 .6rem}}
</style>"""

def nav_html(
    pages:list,          # (href, title, number) triples in order, or (href, title, number, section) quadruples; number may be ''
    current:str='',      # href of the page being written
    brand:str='Home'     # project title, linking to `index.html`
)->str:
    "A sidebar `<nav>` linking every page in order, each with its notebook number, the current one marked, under its section's heading."
    act = lambda h: ' class="active"' if h == current else ''
    num = lambda n: f'<span class="rc-num">{html.escape(n)}</span>' if n else ''
    li, sec = [], None
    for h, t, n, *rest in pages:
        if rest and rest[0] and rest[0] != sec:
            sec = rest[0]; li.append(f'<li class="rc-sec">{html.escape(sec)}</li>')
        li.append(f'<li><a href="{h}"{act(h)}>{num(n)}{html.escape(t)}</a></li>')
    menu = ('<button class="rc-menu" type="button" aria-expanded="false" onclick="const n=this.parentNode;'
            'n.classList.toggle(\'rc-open\');this.setAttribute(\'aria-expanded\',n.classList.contains(\'rc-open\'))">Menu</button>')
    return f'<nav class="rc-nav"><a class="rc-brand" href="index.html">{html.escape(brand)}</a>{menu}<ul>{"".join(li)}</ul></nav>'

SIDEBAR = 'nbs/sidebar.yml'   # the sections of the sidebar, as `nbdev-docs` (Quarto) reads them

def read_sidebar(
    path:Path=ROOT/SIDEBAR  # nbdev's sidebar.yml: `website.sidebar.contents`, notebook names and `section:` groups
)->dict:                    # notebook stem -> (position, section or ''), in the file's order
    "The order and section of every notebook the sidebar file lists (nested sections take the innermost name)."
    res = {}
    def walk(items, sec):
        for it in items:
            if isinstance(it, str): res.setdefault(Path(it).stem, (len(res), sec))
            elif isinstance(it, dict): walk(it.get('contents') or [], it.get('section', sec))
    walk(((yaml.safe_load(path.read_text()) or {}).get('website') or {}).get('sidebar', {}).get('contents') or [], '')
    return res

def _copy_asset(src:Path, out:Path, sub:str)->str:
    "Copy `src` into `out/sub/` under a content-addressed name; return its path relative to `out`."
    h = hashlib.sha1(src.read_bytes()).hexdigest()[:10]
    rel = f"{sub}/{src.stem}-{h}{src.suffix}"
    (out/sub).mkdir(parents=True, exist_ok=True)
    if not (out/rel).exists(): shutil.copyfile(src, out/rel)
    return rel

def render_page(
    nb:dict,          # notebook prepared by `prep_nb`
    title:str,        # page title, shown as H1 and in the browser tab
    desc:str='',      # subtitle
    nav:str='',       # sidebar from `nav_html`
    img_path:str='.', # folder that relative image links (markdown, or outputs of executed copies) start from
    site:str='',      # project title appended to the tab title
    out:Path=None,    # site folder: output images and local images are written under `out/<href stem>_files/`
    href:str='page.html', # the page's file name (names its images folder)
    note:str='',      # HTML shown under the title (e.g. "no executed run yet")
    strict:bool=False # raise on TeX that cannot be converted
)->str:               # the page's HTML
    "One HTML page for `nb`: title and subtitle, cells as nbconvert's `lab` template shows them, images as files."
    nb = nbformat.from_dict(nb)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"# {title}" + (f"\n\n> {desc}" if desc else '')))
    if note: nb.cells.insert(1, nbformat.v4.new_markdown_cell(f'<div class="rc-note">{note}</div>'))
    nb.metadata['title'] = title if not site or title == site else f"{title} – {site}"
    files = f"{Path(href).stem}_files"
    ex = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True, embed_images=False)
    ex.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    ex.register_preprocessor(ExtractOutputPreprocessor(), enabled=True)
    body, res = ex.from_notebook_node(nb, resources={'metadata': {'path': str(img_path)}, 'output_files_dir': files})
    if out is not None:
        for rel, data in (res.get('outputs') or {}).items():
            (Path(out)/rel).parent.mkdir(parents=True, exist_ok=True); (Path(out)/rel).write_bytes(data)
        extracted = set(res.get('outputs') or {})
        def local_img(m):
            src = unquote(m[2])
            if re.match(r'^(data:|https?:|#)', src) or src in extracted: return m[0]
            p = (Path(img_path)/src).resolve()
            return m[1] + _copy_asset(p, Path(out), files) + m[3] if p.is_file() else m[0]
        body = re.sub(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', local_img, body)
    body = re.sub(r'<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>\s*', '', body)  # require.js, MathJax: CDN scripts
    body = re.sub(r'<script type="text/x-mathjax-config">.*?</script>\s*', '', body, flags=re.S)
    body = re.sub(r'<script type="module">.*?</script>\s*', lambda m: '' if 'https://' in m[0] else m[0], body, flags=re.S)  # mermaid from a CDN
    body = re.sub(r'(<h\d id="|class="anchor-link" href="#)([^"]+)"', lambda m: m[1]+m[2].lower()+'"', body)
    body = tex_to_mathml(body, strict=strict)
    return body.replace('</head>', _css+'\n</head>', 1).replace('<main>', nav+'\n<main>', 1)

# ---------------------------------------------------------------------------------------------------------------
# Experiment runs

def is_experiment(
    nb_path:Path # source notebook
)->bool:         # True for experiment notebooks (papermill `parameters`, nothing exported)
    "Whether `nb_path` is an experiment notebook: a `parameters` cell (papermill) and no `#| default_exp` cell; the index, gallery and other pages have neither."
    if Path(nb_path).stem == 'index': return False
    nb = nbformat.read(nb_path, as_version=4)
    return (not any(c.cell_type == 'code' and re.search(r'^#\|\s*default_exp\b', c.source, re.M) for c in nb.cells)
            and any('parameters' in c.metadata.get('tags', []) for c in nb.cells if c.cell_type == 'code'))

def find_runs(
    stem:str,           # source notebook stem, e.g. '20_train_ct'
    runs:Path=ROOT/RUNS # folder of executed copies
)->list:                # executed copies of `stem`: `<stem>.ipynb` or `<stem>_<variant>.ipynb`, sorted
    "The executed copies of experiment `stem` in `runs`."
    runs = Path(runs)
    if not runs.is_dir(): return []
    return sorted(p for p in runs.glob(f'{stem}*.ipynb') if p.stem == stem or p.stem.startswith(stem + '_'))

_re_abs = re.compile(r"(?<![\w.:/~<>-])/(?:[\w@+-][\w.@+-]*/)+")   # the folders of an absolute path (not a URL's, not `<project>/../x`)
_ANCHORS = ('site-packages', 'results', 'robustcam', 'nbs', 'data', 'papers', 'tools', 'benchmarks', 'tests')
_re_path_repr = re.compile(r"^(?:Posix|Windows)?Path\('[^']*'\)$")

def rel_paths(
    text:str  # an output's text
)->str:       # the same with each absolute folder path cut to its project part (`results/...`, `site-packages/...`), or dropped
    "Absolute paths of the machine that ran a notebook, as a reader of its page should see them: relative."
    def cut(m):
        parts = m[0].strip('/').split('/')
        i = next((i for i, p in enumerate(parts) if p in _ANCHORS), None)
        return '' if i is None else '/'.join(parts[i:]) + '/'
    return _re_abs.sub(cut, text)

def scrub_outputs(
    nb:dict  # an executed notebook (changed in place)
)->dict:     # `nb`
    "Drop stray `Path` return values (a cell that saved a file and showed its path) and make absolute paths in outputs relative."
    for c in nb.cells:
        if c.cell_type != 'code': continue
        c.outputs = [o for o in c.outputs if not (o.output_type == 'execute_result' and set(o.get('data', {})) == {'text/plain'}
                                                  and _re_path_repr.match(''.join(o.data['text/plain']).strip()))]
        for o in c.outputs:
            if o.output_type == 'stream': o.text = rel_paths(''.join(o.text))
            for k in [k for k in o.get('data', {}) if k.startswith('text/')]: o.data[k] = rel_paths(''.join(o.data[k]))
    return nb

def lighten_nb(
    src:Path,        # executed notebook (e.g. papermill's output in results/runs/)
    dst:Path,        # light copy to write; its images go to `<dst stem>_files/` beside it
    figures:list=(), # figure files the run wrote (saved, not displayed): shown in a last section "Figures of this run"
    root:Path=None   # folder the figures' captions are relative to
)->Path:             # `dst`
    "Copy an executed notebook with every image output moved to a file (light for git), plus the run's saved figures; stray path values dropped, absolute paths made relative (`scrub_outputs`)."
    import base64
    src, dst = Path(src), Path(dst)
    nb = nbformat.read(src, as_version=4)
    files = dst.parent/f"{dst.stem}_files"
    if files.exists(): shutil.rmtree(files)
    ext = {'image/png': 'png', 'image/jpeg': 'jpg', 'image/svg+xml': 'svg'}
    for i, c in enumerate(nb.cells):
        c.metadata.pop('execution', None)
        if c.cell_type != 'code': continue
        for j, o in enumerate(c.outputs):
            mime = next((m for m in ext if m in o.get('data', {})), None)
            if not mime: continue
            data = o.data[mime]
            raw = data.encode() if mime == 'image/svg+xml' else base64.b64decode(''.join(data))
            files.mkdir(parents=True, exist_ok=True)
            name = f"cell{i:03d}_{j}.{ext[mime]}"
            (files/name).write_bytes(raw)
            o.data = {'text/markdown': f"![{o.data.get('text/plain', '').strip()}]({files.name}/{name})",
                      'text/plain': o.data.get('text/plain', '')}
            o.metadata = {}
    if figures:  # referenced where they are (results/figures/...), not copied: git keeps one copy
        md = ["## Figures of this run", "The figures this run saved (beside the tables and figures shown above)."]
        for f in map(Path, figures):
            cap = str(f.relative_to(root)) if root and f.is_relative_to(root) else f.name
            md.append(f"![{cap}]({Path(os.path.relpath(f.resolve(), dst.parent.resolve())).as_posix()})\n\n`{cap}`")
        nb.cells.append(nbformat.v4.new_markdown_cell('\n\n'.join(md)))
    scrub_outputs(nb)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + '.part')
    nbformat.write(nb, tmp); tmp.replace(dst)
    return dst

# ---------------------------------------------------------------------------------------------------------------
# The site

def _rel(p:Path, root:Path)->str:
    "`p` relative to `root` where it is inside it, else as it is."
    p = Path(p)
    return str(p.relative_to(root)) if p.is_absolute() and p.is_relative_to(root) else str(p)

def _num(stem:str)->str:
    m = re.match(r'^(\d+[a-z]?)_', stem)
    return m[1] if m else ''

def _variant(run:Path, stem:str)->str:
    "A run's variant label: the file name after the notebook stem (`20_train_ct_grouped` -> 'grouped')."
    return run.stem[len(stem):].strip('_')

def build_site(
    out:str='_site',     # folder for the HTML site
    proc:str='_proc',    # folder for nbdev's processed notebooks
    runs:str=RUNS,       # folder of executed experiment copies (see `lighten_nb`)
    run_proc:bool=True,  # process notebooks first (else use those already in `proc`)
    force:bool=False,    # reprocess every notebook, even unchanged ones
    strict:bool=False,   # raise if any notebook fails to process or holds unconvertible TeX
    n_workers:int=None   # processing workers (0: serial); default one per notebook up to the CPU count
)->Path:                 # `out`
    "Build a static HTML docs site from the project's notebooks into `out` (a Quarto-free fallback for `nbdev-docs`)."
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    cfg = get_config()
    root, path = cfg.config_path, cfg.nbs_path
    out, proc, runs = root/out, root/proc, root/runs
    sf = path/Path(SIDEBAR).name
    side = read_sidebar(sf) if sf.exists() else {}
    nbs = nbglob(path, as_path=True)
    lost = sorted(p.name for p in nbs if p.stem not in side)
    if side and lost: print(f"Warning: {', '.join(lost)} not in {SIDEBAR}: listed last, under 'Not in the sidebar file'; add them to a section there")
    where = lambda p: side.get(p.stem, (len(side), 'Not in the sidebar file' if side else ''))
    nbs = sorted(nbs, key=lambda p: (p.stem != 'index', where(p)[0], str(p)))
    # one entry per page: (source notebook, notebook to process, processed copy, run variant or None)
    entries = []
    for s in nbs:
        rs = find_runs(s.stem, runs) if is_experiment(s) else []
        if rs: entries += [(s, r, proc/'_runs'/r.name, _variant(r, s.stem)) for r in rs]
        else: entries.append((s, s, proc/s.relative_to(path), None))
    errs = {}
    if run_proc: errs = proc_nbs([(src, dst) for _,src,dst,_ in entries], force=force, n_workers=n_workers)
    if errs:
        msg = '\n'.join(f"{_rel(s, root)}: {e}" for s,e in errs.items())
        if strict: raise RuntimeError(f"Notebooks failed to process:\n{msg}")
        print(f"Warning: left out of the site, as these notebooks failed to process:\n{msg}")
    base = urljoin(cfg.doc_host or '', cfg.doc_baseurl or '').rstrip('/') + '/'
    docs = []
    for s, src, d, var in entries:
        if src in errs or not d.exists(): continue
        nb = nbformat.read(d, as_version=4); fm = pop_frontmatter(nb)
        href = (f"{s.stem}_{var}.html" if var else f"{s.stem}.html") if var is not None else \
               str(Path(fm.get('output-file') or s.stem).with_suffix('.html'))
        title = str(fm.get('title') or s.stem) + (f" ({var})" if var else '')
        if any(href == d[4] for d in docs):  # two notebooks, one page name (kept for safety: nbdev drops the number, so 06e_x and 15_x would share x.html)
            print(f"Warning: {s.name} and another notebook both make {href}; this one becomes {s.stem}.html")
            href = f"{s.stem}.html"
        docs.append((s, src, nb, fm, href, title, var))
    pages = {}
    for s,_,_,_,href,_,var in docs: pages.setdefault(s.stem, href)
    nav = [(href, 'Home' if s.stem == 'index' else title, _num(s.stem), where(s)[1]) for s,_,_,_,href,title,_ in docs]
    out.mkdir(parents=True, exist_ok=True)
    for f in out.glob('*.html'): f.unlink()  # pages of notebooks since removed
    for f in out.glob('*_files'): shutil.rmtree(f)
    for s, src, nb, fm, href, title, var in docs:
        note = ''
        if var is None and is_experiment(s):
            note = (f"No executed copy of a full run is committed yet (<code>{RUNS}/{s.stem}*.ipynb</code>), so this "
                    f"page shows the code without its results: run <code>make reproduce</code>.")
        elif var is not None:
            note = f"Executed copy of a run: <code>{_rel(src, root)}</code>."
        if var is not None: lift_headline(nb, s)
        page = render_page(prep_nb(scrub_outputs(nb), base, pages), title, fm.get('description', ''), nav_html(nav, href, cfg.title),
                           src.parent, cfg.title, out=out, href=href, note=note, strict=strict)
        (out/href).write_text(page, encoding='utf-8')
    if not (out/'index.html').exists(): print("Warning: no index.ipynb, so no index.html")
    return out

def main(argv=None):
    "Command line: build the static HTML docs site (use `nbdev-docs` instead where Quarto is installed)."
    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument('--out', default='_site', help="folder for the HTML site")
    p.add_argument('--proc', default='_proc', help="folder for nbdev's processed notebooks")
    p.add_argument('--runs', default=RUNS, help="folder of executed experiment copies")
    p.add_argument('--no-proc', action='store_true', help="use the notebooks already in --proc")
    p.add_argument('--force', action='store_true', help="reprocess every notebook")
    p.add_argument('--strict', action='store_true', help="fail if any notebook fails to process")
    p.add_argument('--n-workers', type=int, default=None, help="processing workers (0: serial)")
    a = p.parse_args(argv)
    t = time.time()
    o = build_site(a.out, a.proc, a.runs, run_proc=not a.no_proc, force=a.force, strict=a.strict, n_workers=a.n_workers)
    print(f"Built {len(list(o.glob('*.html')))} pages in {time.time()-t:.0f}s: open {(o/'index.html').as_uri()}")

if __name__ == '__main__': main()
