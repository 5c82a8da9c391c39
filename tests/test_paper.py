"""The manuscript (papers/paper.ipynb, built by tools/paper.py): it builds, its figures load in headless Chromium,
its tables equal the CSVs, and every number in its text is tagged with the table it comes from."""
import json, math, re, shutil, subprocess, sys
from pathlib import Path
import pandas as pd, pytest
from bs4 import BeautifulSoup
from conftest import HANG_MS, need

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import paper

CHROMIUM = paper.chromium()   # the executable the PDF build uses

def test_select_and_format():
    df = pd.DataFrame({'a': ['x', 'y', 'y'], 'b': [1.0, -2.5, float('nan')], 'n': [3, 4, 5]})
    assert paper.select(df, {'a': 'y'}).n.tolist() == [4, 5]
    assert paper.select(df, {'a': ['x', 'y'], 'b': {'le': 0}}).n.tolist() == [4]
    with pytest.raises(KeyError, match="no column 'c'"): paper.select(df, {'c': 1})
    assert [paper.fmt_value(v) for v in (0.12345, 7, 'bn2', float('nan'))] == ['0.123', '7', 'bn2', 'n/a']
    assert paper.fmt_value(0.354, '.0%') == '35%'

@pytest.fixture(scope='module')
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp('paper')
    return paper.build_paper(ROOT/'results', out, quarto=False)

@pytest.fixture(scope='module')
def soup(built): return BeautifulSoup(built.read_text(), 'html.parser')

def _csv(src:str, results:Path=ROOT/'results')->pd.DataFrame:
    return pd.read_csv(paper.REPORT if src == 'report' else results/src)

def check_values(soup, results:Path=ROOT/'results')->list:
    "Recompute every tagged value from its CSV; return the ones that differ (empty: all equal)."
    bad = []
    for el in soup.select('span.gen'):
        src, where = el['data-src'], json.loads(el.get('data-where', '{}'))
        col, fmt, agg, scale = el.get('data-col'), el.get('data-fmt'), el.get('data-agg'), el.get('data-scale')
        tables, name = ('tables', 'report') if src == 'report' else src.rsplit('/', 1)   # e.g. 'tables/x.csv', 'gpu/tables/x.csv'
        R = paper.Results(results, '/nonexistent', tables=tables)
        rows = paper.select(_csv(src, results), where)
        if agg == 'count': v = len(rows)
        elif agg: v = getattr(rows[col], agg)()
        else:
            assert len(rows) == 1, (src, where)
            v = R.value(name, where, col)   # (the report's text column holds numbers as text)
        v = v.item() if hasattr(v, 'item') else v
        if scale: v = v * float(scale)
        if paper.fmt_value(v, fmt) != el.get_text(): bad.append((src, where, col, el.get_text(), paper.fmt_value(v, fmt)))
    for t in soup.select('table.gen-table'):
        df = paper.select(_csv(t['data-src'], results), json.loads(t['data-where']))
        trs = t.select('tbody tr')
        if len(trs) != len(df) or int(t['data-n']) != len(df): bad.append((t['data-src'], 'rows', len(trs), len(df)))
        for tr in trs:
            for td in tr.find_all('td'):
                if 'gen' not in (td.get('class') or []): bad.append((t['data-src'], 'untagged cell', td.get_text())); continue
                v = df.at[int(td['data-row']), td['data-col']]
                v = v.item() if hasattr(v, 'item') else v
                if paper.fmt_value(v, td['data-fmt'] or None) != td.get_text(): bad.append((t['data-src'], td['data-row'], td['data-col'], td.get_text()))
    return bad

_re_num = re.compile(r'(?<![\w.\-−/])[−-]?\d+(?:[.,]\d+)*%?')

def hand_typed(soup)->list:
    "Numbers in the text outside generated values, formulas, code and the references (should be none)."
    s = BeautifulSoup(str(soup), 'html.parser')
    for el in s.select('.gen, .gen-table, math, code, pre, .refs, script, style, title, head'): el.decompose()
    text = re.sub(r'\bExperiment \d\b', '', s.get_text(' '))  # section labels, not results
    return _re_num.findall(text)

def test_builds(built, soup):
    assert built.exists() and soup.find('h1') and 'RobustCAM' in soup.find('h1').get_text()
    for h in ['Abstract', 'Method', 'Experiment', 'Limitations', 'References']: assert soup.find(string=re.compile(h)), h
    assert soup.select('math'), "the method's formulas are MathML"
    assert not re.search(r'<script[^>]+src="https?:', built.read_text()), "no CDN"
    assert len(soup.select('span.gen')) > 20 and soup.select('table.gen-table')

def test_tables_and_values_equal_the_csvs(soup):
    assert check_values(soup) == []

def test_no_hand_typed_numbers(soup):
    assert hand_typed(soup) == []

def test_checks_can_fail(soup, tmp_path):
    "The two checks catch a hand-typed number and a value that no longer matches its CSV."
    s = BeautifulSoup(str(soup), 'html.parser')
    p = s.find('p'); p.append(' improves by 42% on 7 images')
    assert hand_typed(s) == ['42%', '7']
    el = s.select('span.gen')[0]; el.string = 'tampered'
    tds = s.select('table.gen-table td.gen'); tds[0].string = '-1'
    bad = check_values(s)
    assert len(bad) == 2 and any('tampered' in b for b in bad), bad

def test_figures_load(built, soup):
    need(CHROMIUM is not None, "headless Chromium is needed to check the manuscript (apt-get install -y chromium)")
    figs = sorted(p.name for p in (built.parent/'paper_files').glob('*'))
    assert figs and len(soup.select('figure.gen-fig img')) == len(figs)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu'])
        pg, errs = b.new_context(offline=True).new_page(), []; pg.set_default_timeout(HANG_MS)
        pg.on('console', lambda m: m.type == 'error' and errs.append(m.text))
        pg.on('pageerror', lambda e: errs.append(str(e)))
        pg.goto(built.as_uri(), wait_until='load')
        imgs = pg.evaluate("[...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
        b.close()
    assert not errs, errs
    assert imgs and all(c and w > 0 for _, c, w in imgs), [i for i in imgs if not i[2]]
    shown = {Path(s).name for s, _, _ in imgs}
    assert shown == set(figs)

def test_every_figure_shown(soup):
    "Every figure in results/figures/ is in the manuscript."
    d = ROOT/'results'/'figures'
    want = sorted(str(p.relative_to(d)) for p in d.rglob('*.png'))
    got = sorted(f['data-src'].removeprefix('figures/') for f in soup.select('figure.gen-fig'))
    assert got == want

def test_tables_produced(soup):
    """Every "Not yet produced" box names a table or figure that is really absent from results/ and the command that
    makes it. Skipped while any is absent (the full `make reproduce`, hours of CPU, produces them)."""
    boxes = soup.select('[data-missing]')
    miss = sorted({m['data-missing'] for m in boxes})
    for m in boxes:
        name = m['data-missing']
        pat = re.sub(r'<[^>]+>', '*', name if name.startswith('figures/') or '/tables/' in name else f"tables/{name}")   # 'gpu/tables/x.csv': from results/
        if name != 'report': assert not list((ROOT/'results').glob(pat)), f"{name} exists in results/ but the manuscript says it is not produced"
        assert m.find('code', string=re.compile(r'make|papermill|python')), f"the box for {name} names no command: {m.get_text()}"
    if miss: pytest.skip(f"not yet produced (run `make reproduce`, the full run): {miss}")

def test_quarto_render(tmp_path):
    if not shutil.which('quarto'): pytest.skip("Quarto is not installed: the nbconvert HTML build is the one tested")
    h = paper.build_paper(ROOT/'results', tmp_path, quarto=True)
    assert (tmp_path/'paper_quarto.html').exists() and (tmp_path/'paper_quarto.pdf').exists()

def test_missing_tables_render_placeholders(tmp_path):
    "Built from a results folder that lacks most tables, the manuscript says what is missing instead of crashing."
    res = tmp_path/'results'; (res/'tables').mkdir(parents=True)
    (res/'tables'/'architecture_comparison.csv').write_text((ROOT/'results'/'tables'/'architecture_comparison.csv').read_text())
    h = paper.build_paper(res, tmp_path/'out', quarto=False, pdf=False)
    s = BeautifulSoup(h.read_text(), 'html.parser')
    miss = {m['data-missing'] for m in s.select('[data-missing]')}
    assert {'imagenet_stability_<arch>_summary.csv', 'metrics_table_test.csv', 'classification_report.csv', 'gpu/tables/metrics_table_test.csv'} <= miss, miss
    assert s.select('table.gen-table[data-src="tables/architecture_comparison.csv"]'), "what exists is still shown"
    assert check_values(s, res) == [] and hand_typed(s) == []

# The PDF: A4 with `paper.PDF_MARGIN`; its text column is 210 mm less the side margins, in CSS pixels (96 per inch).
_MM = lambda v: float(v.removesuffix('mm'))
COLUMN_PX = int((210 - _MM(paper.PDF_MARGIN['left']) - _MM(paper.PDF_MARGIN['right'])) / 25.4 * 96)

def overflowing(html_file:Path)->list:
    "Tables, figures, images, formulas and code blocks wider than the printed text column: [(tag, start of text, right edge px)]."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu'])
        try:
            pg = b.new_context(offline=True, viewport={'width': COLUMN_PX, 'height': 1200}).new_page(); pg.set_default_timeout(HANG_MS)
            pg.emulate_media(media='print'); pg.goto(html_file.as_uri(), wait_until='load')
            return pg.evaluate("""w => [...document.querySelectorAll('table, figure, img, math, pre, p')]
                .map(e => { const r = e.getBoundingClientRect(); return [e.tagName, (e.textContent || e.getAttribute('src') || '').trim().slice(0, 50), Math.round(Math.max(r.right, r.left + e.scrollWidth))]; })
                .filter(x => x[2] > w + 1)""", COLUMN_PX)
        finally: b.close()

def test_nothing_wider_than_the_page(built, tmp_path):
    "Laid out at the PDF's text width, no table, figure or formula runs past the margin (Chromium would clip it in the PDF)."
    need(CHROMIUM is not None, "headless Chromium is needed to check the manuscript (make chromium)")
    assert overflowing(built) == []
    # the check can fail: the same page with a table of forty wide columns
    bad = tmp_path/'paper.html'
    bad.write_text(built.read_text().replace('</body>', '<table class="gen-table"><tr>' + '<td>wide-cell</td>' * 40 + '</tr></table></body>'))
    shutil.copytree(built.parent/'paper_files', tmp_path/'paper_files')
    assert [t for t, *_ in overflowing(bad)] == ['TABLE']

def _run(*cmd)->str: return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

def test_pdf(built, tmp_path):
    "The PDF has the paper's title, its build date and page numbers on every page, and white side margins."
    need(shutil.which('pdftoppm') is not None, "poppler-utils is needed to check the PDF (make poppler)")
    pdf = built.parent/'paper.pdf'
    assert pdf.exists()
    info = dict(l.split(':', 1) for l in _run('pdfinfo', str(pdf)).splitlines() if ':' in l)
    title = BeautifulSoup(built.read_text(), 'html.parser').title.get_text()
    assert info['Title'].strip() == title
    n = int(info['Pages'])
    assert n > 1
    for k in (1, n):
        text = _run('pdftotext', '-f', str(k), '-l', str(k), str(pdf), '-')
        assert f'Page {k} of {n}' in text and re.search(r'\b20\d\d-\d\d-\d\d\b', text), text[:300]
    dpi = 30
    _run('pdftoppm', '-r', str(dpi), '-gray', str(pdf), str(tmp_path/'pg'))
    from PIL import Image
    import numpy as np
    side = int(_MM(paper.PDF_MARGIN['left']) / 25.4 * dpi) - 2
    pages = sorted(tmp_path.glob('pg*.pgm'))
    assert len(pages) == n
    for f in pages:
        a = np.asarray(Image.open(f))
        assert a[:, :side].min() >= 250 and a[:, -side:].min() >= 250, f"{f.name}: ink in the side margins"
