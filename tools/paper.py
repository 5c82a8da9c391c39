"""The manuscript (`papers/paper.ipynb`) built from `results/tables/*.csv` and `results/figures/`.

Build tooling, not part of the package. Every number the manuscript shows comes from a CSV at build time through
`Results.v` (one value) or `Results.table` (a table), which tag it in the HTML with where it came from:

    <span class="gen" data-src="tables/x.csv" data-where='{"layer": "bn2"}' data-col="mean" data-fmt=".3f">0.003</span>

so `tests/test_paper.py` can recompute every tagged value from its CSV and fail on any number in the text that is
not tagged (a hand-typed one). A table that is not there yet renders a "not yet produced: run ..." note instead.

    python tools/paper.py --results results --out papers    # -> papers/paper.html (+ papers/paper_files/), papers/paper.pdf

Where Quarto is installed it also renders the executed notebook to HTML and PDF (`--quarto`, on by default).
"""
from __future__ import annotations
import argparse, html, json, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd

__all__ = ['Results', 'fmt_value', 'select', 'wd', 'words', 'cmp', 'tally', 'chromium', 'write_pdf', 'build_paper', 'main']

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT/'papers'/'paper.ipynb'
REPORT = ROOT/'papers'/'original_report.csv'   # the original report's numbers, transcribed once, with their place

def fmt_value(
    v,             # a CSV cell (number or text)
    fmt:str=None   # Python format spec; None: 3 decimals for floats, as-is for the rest
)->str:
    "A CSV value as the manuscript prints it (the test formats the CSV's value the same way and compares)."
    if isinstance(v, str): return v
    if fmt is None: fmt = '.3f' if isinstance(v, float) else ''
    if isinstance(v, float) and v != v: return 'n/a'
    return format(v, fmt)

_AGGS = {'count': len, 'sum': 'sum', 'min': 'min', 'max': 'max', 'mean': 'mean', 'nunique': 'nunique'}

def select(
    df:pd.DataFrame, # a table
    where:dict=None  # column -> value, list of values, or {op: value} with op in lt/le/gt/ge/ne; all must hold
)->pd.DataFrame:     # the matching rows
    "Rows of `df` where every column in `where` equals its value (is in it, for a list; compares, for a dict)."
    m = pd.Series(True, index=df.index)
    for c, v in (where or {}).items():
        if c not in df.columns: raise KeyError(f"no column {c!r} (columns: {list(df.columns)})")
        if isinstance(v, dict):  # {'le': 0}: a comparison
            for op, x in v.items(): m &= getattr(df[c], op)(x)
        else: m &= df[c].isin(v) if isinstance(v, list) else (df[c] == v)
    return df[m]

class Results:
    "The CSVs and figures of one results folder, and the tagged HTML/Markdown that shows them."
    def __init__(self,
                 results:str|Path='results',  # folder holding tables/ and figures/
                 out:str|Path='papers',       # where the manuscript is written (figures are copied to out/paper_files/)
                 target:str='html',           # 'html' (nbconvert: tagged HTML spans) or 'quarto' (pandoc spans)
                 report:str|Path=REPORT,      # the original report's numbers
                 tables:str='tables'):        # the tables' folder inside `results` (e.g. 'gpu/tables': a run kept in a folder of its own)
        self.results, self.out, self.target, self.report, self.tables = Path(results), Path(out), target, Path(report), tables
        self.missing, self._cache, self.figs_shown = {}, {}, set()

    # -- tables ---------------------------------------------------------------------------------------------
    def src(self, name:str)->str:
        "How a tag names a table: `<tables>/<name>` (from `results`) or `report` for the original report's numbers."
        return 'report' if name == 'report' else f"{self.tables}/{name}"

    def path(self, name:str)->Path: return self.report if name == 'report' else self.results/self.tables/name

    def load(self, name:str, how:str='')->pd.DataFrame|None:
        "The table `name` (e.g. 'architecture_comparison.csv'), or None (remembered as missing, with `how`)."
        if name not in self._cache:
            p = self.path(name)
            self._cache[name] = pd.read_csv(p) if p.exists() else None
            if self._cache[name] is None: self.missing[name] = how
        return self._cache[name]

    def has(self, name:str|None)->bool: return name is not None and self.path(name).exists()

    def glob(self, pattern:str)->list:
        "Names of the tables matching `pattern` (e.g. 'metrics_table_*.csv'), sorted."
        d = self.results/self.tables
        return sorted(str(p.relative_to(d)) for p in d.glob(pattern)) if d.exists() else []

    def placeholder(self, name:str, how:str)->str:
        "The note a section shows where its table is not produced yet."
        self.missing.setdefault(name, how)
        key = name if self.tables == 'tables' else self.src(name)   # another tables folder: named from results/
        return (f'<div class="missing" data-missing="{html.escape(key)}"><b>Not yet produced:</b> '
                f'<code>{html.escape(str(self.path(name).relative_to(self.results.parent) if name != "report" else name))}</code>'
                f' (run <code>{html.escape(how)}</code>).</div>\n')

    def _tag(self, text:str, name:str, attrs:dict, tag:str='span')->str:
        if self.target == 'quarto': return f"[{text}]{{.gen}}"
        a = ' '.join(f"data-{k}='{html.escape(json.dumps(v) if isinstance(v, dict) else str(v), quote=True)}'"
                     for k, v in attrs.items() if v is not None)
        return f'<{tag} class="gen" data-src="{self.src(name)}" {a}>{html.escape(text)}</{tag}>'

    def value(self, name:str, where:dict=None, col:str=None, agg:str=None):
        "The raw value: one cell (`agg=None`, exactly one row must match) or an aggregate of `col` over the rows."
        df = self.load(name)
        if df is None: raise FileNotFoundError(f"{name} is not produced yet")
        rows = select(df, where)
        if agg == 'count': return len(rows)
        if agg: return getattr(rows[col], _AGGS[agg])()
        if len(rows) != 1: raise ValueError(f"{name} where {where}: {len(rows)} rows match, expected exactly one")
        v = rows.iloc[0][col]
        v = v.item() if hasattr(v, 'item') else v
        if name == 'report' and isinstance(v, str):  # the report's column mixes text and numbers
            for t in (int, float):
                try: return t(v)
                except ValueError: pass
        return v

    def v(self,
          name:str,         # table file name in results/tables (or 'report')
          where:dict=None,  # row selection (`select`)
          col:str=None,     # the column
          fmt:str=None,     # format spec (`fmt_value`)
          agg:str=None,     # None (one cell) or count/sum/min/max/mean/nunique over the selected rows
          scale:float=None  # multiply before formatting (e.g. 100 for a percentage printed with 'd')
         )->str:            # the tagged value
        "One number (or text) from a table, tagged with where it came from."
        v = self.value(name, where, col, agg)
        if scale is not None: v = v * scale
        return self._tag(fmt_value(v, fmt), name, dict(where=where or {}, col=col, fmt=fmt, agg=agg, scale=scale))

    def table(self,
              name:str,            # table file name
              where:dict=None,     # row selection
              cols:list=None,      # columns to show, in order (default: all)
              rename:dict=None,    # column -> header
              fmt:dict=None,       # column -> format spec (default per `fmt_value`)
              caption:str='',      # table caption (may hold tagged values)
              how:str='make reproduce' # shown when the table is missing
             )->str:               # HTML (or a pipe table for Quarto), every cell tagged with its row and column
        "A table from a CSV, each cell tagged with its source row and column."
        df = self.load(name, how)
        if df is None: return self.placeholder(name, how)
        rows = select(df, where)
        cols = [c for c in (cols or list(df.columns)) if c in df.columns]
        fmt, rename = fmt or {}, rename or {}
        if self.target == 'quarto':
            head = '| ' + ' | '.join(rename.get(c, c) for c in cols) + ' |\n|' + '---|' * len(cols) + '\n'
            body = ''.join('| ' + ' | '.join(fmt_value(r[c], fmt.get(c)) for c in cols) + ' |\n' for _, r in rows.iterrows())
            return f"\n{head}{body}\n: {caption}\n\n"
        th = ''.join(f'<th>{html.escape(rename.get(c, c))}</th>' for c in cols)
        def cell(i, c):
            v = df.at[i, c]; v = v.item() if hasattr(v, 'item') else v
            return (f'<td class="gen" data-row="{i}" data-col="{html.escape(c)}" data-fmt="{html.escape(fmt.get(c) or "")}">'
                    f'{html.escape(fmt_value(v, fmt.get(c)))}</td>')
        trs = ''.join('<tr>' + ''.join(cell(i, c) for c in cols) + '</tr>' for i in rows.index)
        cap = f'<caption>{caption}</caption>' if caption else ''
        wh = html.escape(json.dumps(where or {}), quote=True)
        return (f'<table class="gen-table" data-src="{self.src(name)}" data-where="{wh}" data-n="{len(rows)}">{cap}'
                f'<thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>\n')

    def compact(self,
                name:str,            # table file name: a long table with one row per (row key, column key)
                where:dict=None,     # row selection
                rows:str='method',   # the column whose values become the table's rows (in `order`, else in file order)
                cols:str='measure',  # the column whose values become the table's columns (in `col_order`, else in file order)
                mean:str='mean', sd:str='std',  # each cell: mean ± sd
                imp:str=None,        # also the improvement in this column, in parentheses (NaN: left out)
                p:str=None,          # a p-value column: a cell whose p is below `alpha` gets a star
                alpha:float=0.05,
                fmt:dict|str='.3f',  # format of mean and sd, one for all or per column key
                imp_fmt:str='+.0%',
                row_names:dict=None, col_names:dict=None,  # display names (digit-free: the test flags untagged digits); default the tagged key
                order:list=None, col_order:list=None,
                caption:str='',      # may hold tagged values
                how:str='make reproduce'
               )->str:               # an HTML table, every number tagged with its CSV row
        "A compact table in the original report's form: methods as rows, measures as columns, mean ± sd per cell, the improvement and a significance star."
        df = self.load(name, how)
        if df is None: return self.placeholder(name, how)
        d = select(df, where)
        order = [r for r in (order or list(dict.fromkeys(d[rows]))) if (d[rows] == r).any()]
        col_order = [c for c in (col_order or list(dict.fromkeys(d[cols]))) if (d[cols] == c).any()]
        row_names, col_names, w = row_names or {}, col_names or {}, dict(where or {})
        label = lambda col, key, names: html.escape(names[key]) if key in names else self.v(name, {**w, col: key}, col, agg='min')
        head = '<th></th>' + ''.join(f'<th>{label(cols, c, col_names)}</th>' for c in col_order)
        body = []
        for r in order:
            tds = []
            for c in col_order:
                cw = {**w, rows: r, cols: c}
                if not len(select(d, {rows: r, cols: c})): tds.append('<td>—</td>'); continue
                f = fmt.get(c, '.3f') if isinstance(fmt, dict) else fmt
                cell = f"{self.v(name, cw, mean, f)} ± {self.v(name, cw, sd, f)}"
                if imp and self.value(name, cw, imp) == self.value(name, cw, imp):   # not NaN
                    cell += f"<br><small>({self.v(name, cw, imp, imp_fmt)})</small>"
                pv = self.value(name, cw, p) if p else float('nan')
                tds.append(f'<td>{cell}{"<sup>*</sup>" if pv == pv and pv < alpha else ""}</td>')
            body.append(f'<tr><th>{label(rows, r, row_names)}</th>{"".join(tds)}</tr>')
        cap = f'<caption>{caption}</caption>' if caption else ''
        return f'<table class="gen-compact" data-src="{self.src(name)}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>\n'

    # -- figures --------------------------------------------------------------------------------------------
    def fig(self, pattern:str, caption:str='', how:str='make reproduce', width:int=None)->str:
        "Every figure in results/figures matching `pattern`, copied next to the manuscript; a note if there is none."
        figs = sorted((self.results/'figures').glob(pattern)) if (self.results/'figures').exists() else []
        if not figs:
            self.missing[f"figures/{pattern}"] = how
            return (f'<div class="missing" data-missing="figures/{html.escape(pattern)}"><b>Not yet produced:</b> '
                    f'<code>results/figures/{html.escape(pattern)}</code> (run <code>{html.escape(how)}</code>).</div>\n')
        figs = [f for f in figs if str(f.relative_to(self.results/'figures')) not in self.figs_shown]
        dst = self.out/'paper_files'; dst.mkdir(parents=True, exist_ok=True)
        out = []
        for f in figs:
            rel = f.relative_to(self.results/'figures')
            name = str(rel).replace('/', '__')
            shutil.copyfile(f, dst/name)
            self.figs_shown.add(str(rel))
            if self.target == 'quarto': out.append(f"![{caption or rel.stem}](paper_files/{name})")
            else:
                w = f' style="max-width:min({width}px,100%)"' if width else ''
                out.append(f'<figure class="gen-fig" data-src="figures/{html.escape(str(rel))}"><img src="paper_files/{name}" '
                           f'alt="{html.escape(rel.stem)}"{w}><figcaption>{caption or ""} <code>{html.escape(str(rel))}</code>'
                           f'</figcaption></figure>')
        return '\n'.join(out) + '\n'

    def other_figs(self)->list:
        "Figures in results/figures not shown yet (for the appendix)."
        d = self.results/'figures'
        return sorted(str(p.relative_to(d)) for p in d.rglob('*.png') if str(p.relative_to(d)) not in self.figs_shown) if d.exists() else []

# ---------------------------------------------------------------------------------------------------------------
# Words for the manuscript's generated sentences (its markdown holds no digits: a count computed in a cell is
# written in words, a number read from a table comes tagged through `Results.v`)

_SMALL = ['none', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve']

def wd(
    n:int  # a count computed in the notebook (not read from a table)
)->str:    # 'none' .. 'twelve'; larger counts with a thin space between thousands
    "A small count in words, so that the manuscript's untagged text holds no digits."
    if not isinstance(n, int) or isinstance(n, bool): raise TypeError(f"wd needs an int count, got {type(n).__name__} {n!r}")
    return _SMALL[n] if 0 <= n <= 12 else f'{n:,}'.replace(',', ' ')

def words(
    xs  # the items, already as text
)->str: # 'a', 'a and b', 'a, b and c'
    "Items joined as a sentence lists them."
    xs = list(xs)
    return ', '.join(xs[:-1]) + (' and ' if len(xs) > 1 else '') + (xs[-1] if xs else '')

def cmp(
    ours:float,       # our value
    theirs:float,     # the value compared with (e.g. the original report's)
    tol:float=0.25    # relative tolerance for 'about the same as'
)->str:               # 'larger than', 'smaller than' or 'about the same as'
    "How `ours` compares with `theirs`, in words: within `tol` (relative to `theirs`) it is 'about the same as'."
    if abs(ours - theirs) <= tol * abs(theirs): return 'about the same as'
    return 'larger than' if ours > theirs else 'smaller than'

def tally(
    R:Results,        # the results
    verdicts:str,     # the verdicts table (`baselines_verdicts_<arch>.csv`: one row per paired comparison, column `verdict`)
    dataset:str,      # its `dataset` value, e.g. 'ImageNet'
    method:str        # the method RobustCAM-mean is compared with, e.g. 'augmented-gradcam6'
)->tuple:             # (the tagged sentence part, {'beats': b, 'ties': t, 'loses': l})
    "RobustCAM-mean against `method` on `dataset`: 'wins b, ties t and loses l of n paired comparisons', tagged; and the counts."
    w = {'dataset': dataset, 'method': method}
    c = {k: R.value(verdicts, {**w, 'verdict': k}, agg='count') for k in ('beats', 'ties', 'loses')}
    if not sum(c.values()): raise ValueError(f"{verdicts} has no verdicts for dataset={dataset!r}, method={method!r}: check both names")
    n = lambda k: R.v(verdicts, {**w, 'verdict': k}, agg='count', fmt='d')
    return f"wins {n('beats')}, ties {n('ties')} and loses {n('loses')} of {R.v(verdicts, w, agg='count', fmt='d')} paired comparisons", c

# ---------------------------------------------------------------------------------------------------------------
# Building

_CSS = """<style>
body{max-width:52rem;margin:2rem auto;padding:0 1rem;font:16px/1.55 Georgia,serif;color:#1f2328}
h1{font-size:1.9em;line-height:1.2} h2{margin-top:2em;border-bottom:1px solid #d0d7de} h3{margin-top:1.5em}
table.gen-table{border-collapse:collapse;margin:1em 0;font:13px/1.4 system-ui,sans-serif}
table.gen-table td,table.gen-table th{border:1px solid #d0d7de;padding:.2em .5em;text-align:right}
table.gen-table caption,table.gen-compact caption{caption-side:top;text-align:left;font-style:italic;padding:.3em 0}
table.gen-compact{border-collapse:collapse;margin:1em 0;font:13px/1.4 system-ui,sans-serif}
table.gen-compact td,table.gen-compact th{border-bottom:1px solid #d0d7de;padding:.25em .6em;text-align:right;white-space:nowrap}
table.gen-compact tbody th{text-align:left;font-weight:normal}
table.claims td,table.claims th{white-space:normal;text-align:left;vertical-align:top}
figure.gen-fig{margin:1em 0} figure.gen-fig img{max-width:100%} figcaption{font-size:.9em;color:#57606a}
.missing{border-left:4px solid #bf8700;background:#fff8c5;padding:.4em .8em;margin:1em 0}
code{font-size:.9em} .refs li{margin:.3em 0}
@media print{body{max-width:none;margin:0;padding:0;font-size:10.5pt}
  table.gen-table{font-size:7pt;break-inside:avoid} table.gen-compact{font-size:7.5pt;break-inside:avoid} table.gen-compact td,table.gen-compact th{padding:.15em .35em} table.gen-table td,table.gen-table th{padding:.1em .3em} figure.gen-fig{break-inside:avoid} figure.gen-fig img{max-height:19cm}
  h2,h3{break-after:avoid} pre{white-space:pre-wrap} a.anchor-link{display:none}}
</style>"""

# The PDF: A4, these margins; the header names the paper and its build date, the footer numbers the pages.
PDF_MARGIN = dict(top='18mm', bottom='16mm', left='17mm', right='17mm')
_HEAD = ('<div style="font:8px system-ui,sans-serif;color:#57606a;width:100%;margin:0 17mm;display:flex;'
         'justify-content:space-between"><span>{title}</span><span>{date}</span></div>')
_FOOT = ('<div style="font:8px system-ui,sans-serif;color:#57606a;width:100%;text-align:center">'
         'Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>')

def chromium()->str|None:
    "The Chromium executable (`make chromium` installs it), or None."
    return next((w for w in map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome')) if w), None)

def write_pdf(
    html_file:Path,   # the manuscript's HTML (its figures beside it)
    pdf_file:Path,    # the PDF to write, atomically
    title:str,        # shown in every page's header and kept as the PDF's title (from the HTML's <title>)
    date:str          # the build date, in every page's header
)->Path:
    "Print the HTML manuscript to an A4 PDF with headless Chromium (offline), with a header and page numbers."
    exe = chromium()
    if exe is None: raise RuntimeError("The PDF needs headless Chromium: run `make chromium` (apt-get install -y chromium), or build with --no-pdf.")
    from playwright.sync_api import sync_playwright
    part = pdf_file.with_name(pdf_file.name + '.part')
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=['--no-sandbox', '--disable-gpu'])
        try:
            pg = b.new_context(offline=True).new_page()
            pg.goto(Path(html_file).resolve().as_uri(), wait_until='load')
            pg.pdf(path=str(part), format='A4', margin=PDF_MARGIN, print_background=True, display_header_footer=True,
                   header_template=_HEAD.format(title=html.escape(title), date=html.escape(date)), footer_template=_FOOT)
        finally: b.close()
    part.replace(pdf_file)
    return pdf_file

def _execute(nb_in:Path, nb_out:Path, params:dict, cwd:Path):
    import papermill as pm
    pm.execute_notebook(str(nb_in), str(nb_out), parameters=params, cwd=str(cwd), progress_bar=False, log_output=False,
                        kernel_name='python3')

def build_paper(
    results:str|Path='results', # folder holding tables/ and figures/
    out:str|Path='papers',      # folder for paper.html and paper_files/
    nb:str|Path=PAPER,          # the manuscript notebook
    quarto:bool=True,           # also render HTML and PDF with Quarto where it is installed
    pdf:bool=True,              # also print `out/paper.pdf` with headless Chromium
    date:str=None               # the date the paper carries (default: today, UTC)
)->Path:                        # the HTML manuscript
    "Execute the manuscript notebook on `results` and render it to `out/paper.html` with nbconvert, and to `out/paper.pdf` with Chromium (and Quarto)."
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    sys.path.insert(0, str(ROOT/'tools'))
    from docsite import tex_to_mathml
    results, out = Path(results).resolve(), Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if (out/'paper_files').exists(): shutil.rmtree(out/'paper_files')
    with tempfile.TemporaryDirectory() as tmp:
        ex_nb = Path(tmp)/'paper.ipynb'
        _execute(Path(nb), ex_nb, dict(results_dir=str(results), out_dir=str(out), target='html', tools_dir=str(ROOT/'tools')), ROOT)
        nbk = nbformat.read(ex_nb, as_version=4)
        for c in nbk.cells: c.metadata.pop('papermill', None); c.metadata.pop('execution', None)
        ex = HTMLExporter(template_name='basic', exclude_input=True, exclude_output_prompt=True, exclude_input_prompt=True)
        ex.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={'parameters', 'injected-parameters', 'remove_cell'}), enabled=True)
        body, _ = ex.from_notebook_node(nbk)
        title = nbk.metadata.get('title') or 'RobustCAM'
        page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
                f'{_CSS}</head><body>\n{tex_to_mathml(body, strict=True)}\n</body></html>\n')
        tmp_html = out/'paper.html.part'
        tmp_html.write_text(page, encoding='utf-8'); tmp_html.replace(out/'paper.html')
        if pdf: write_pdf(out/'paper.html', out/'paper.pdf', title, date or time.strftime('%Y-%m-%d', time.gmtime()))
        if quarto and shutil.which('quarto'):
            q_nb = out/'paper_quarto.ipynb'
            _execute(Path(nb), q_nb, dict(results_dir=str(results), out_dir=str(out), target='quarto', tools_dir=str(ROOT/'tools')), ROOT)
            for to in ('html', 'pdf'):
                r = subprocess.run(['quarto', 'render', str(q_nb), '--to', to, '--no-execute'], capture_output=True, text=True)
                if r.returncode: print(f"Warning: quarto render --to {to} failed:\n{r.stderr[-2000:]}")
    return out/'paper.html'

def main(argv=None):
    "Command line: build the manuscript from a results folder."
    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument('--results', default='results', help="folder holding tables/ and figures/")
    p.add_argument('--out', default='papers', help="folder for paper.html and paper_files/")
    p.add_argument('--no-quarto', action='store_true', help="skip Quarto even where it is installed")
    p.add_argument('--no-pdf', action='store_true', help="skip the PDF (it needs headless Chromium: make chromium)")
    a = p.parse_args(argv)
    t = time.time()
    h = build_paper(a.results, a.out, quarto=not a.no_quarto, pdf=not a.no_pdf)
    miss = re.findall(r'data-missing="([^"]+)"', h.read_text())
    print(f"Built {h} in {time.time()-t:.0f}s" + (f"; not yet produced: {', '.join(dict.fromkeys(miss))}" if miss else ''))

if __name__ == '__main__': main()
