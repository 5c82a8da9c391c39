"""The run report (`index.html`) of a real 12-image `run_local`, resumed once, opened from the file system in headless
Chromium: default order (least view agreement first), sorting, filtering, every thumbnail and panel loading, no
console errors. `UPDATE_SCREENSHOTS=1` also saves the screenshot shown in the docs as nbs/images/run_report.png."""
import csv, os, shutil
from pathlib import Path
import pytest
from conftest import HANG_MS, need
from robustcam.cli import save_samples
from robustcam.runner import ExplainSpec, Explainer, find_inputs, run_local

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next((p for p in ['/usr/bin/chromium', *map(shutil.which, ['chromium', 'chromium-browser', 'google-chrome'])] if p and Path(p).exists()), None)
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
NAMES = ('chelsea', 'coffee', 'rocket', 'astronaut', 'camera', 'coins', 'clock', 'colorwheel', 'immunohistochemistry', 'moon', 'page', 'hubble_deep_field')

@pytest.fixture(scope='module')
def run(tmp_path_factory):
    "A run of 10 photos, then a resumed run of all 12 (ExplainSpec has no input size: EfficientNet-Lite0 at 224 px)."
    d = tmp_path_factory.mktemp('report')
    save_samples(d/'in', NAMES)
    items = find_inputs([d/'in'])
    ex = Explainer(ExplainSpec(arch='efficientnet_lite0', view_batch=24))
    out = d/'explain'
    first = [it for it in items if Path(it.path).stem not in NAMES[-2:]]
    assert run_local(first, ex.spec, out, progress=False, explainer=ex).complete
    before = {p.name: p.stat().st_mtime_ns for p in [*out.glob('*.npz'), *out.glob('*.png'), *(out/'report'/'thumbs').iterdir()]}
    html0 = (out/'index.html').read_text()
    rep = run_local(items, ex.spec, out, progress=False, explainer=ex)
    assert rep.complete and rep.skipped == 10 and len(rep.done) == 2
    with open(out/'summary.csv', newline='') as f: rows = list(csv.DictReader(f))
    return out, rows, before, html0

def test_resume_updates_report_only(run):
    out, rows, before, html0 = run
    assert len(before) == 30                                    # 10 .npz, 10 panels, 10 thumbnails
    assert {n: (out/('report/thumbs' if n.endswith('.jpg') else '.')/n).stat().st_mtime_ns for n in before} == before, "finished outputs rewritten"
    assert html0.count('"view_agreement"') == 10 and (out/'index.html').read_text().count('"view_agreement"') == 12
    assert len(list((out/'report'/'thumbs').iterdir())) == 12 and not (out/'.robustcam.lock').exists()
    assert all(r['mean_uncertainty'] for r in rows) and len(rows) == 12

def _col(page, field):
    return page.eval_on_selector_all(f'#runs .tabulator-row .tabulator-cell[tabulator-field="{field}"]', 'els => els.map(e => e.textContent.trim())')

def test_report_in_chromium(run, tmp_path):
    need(CHROMIUM is not None, 'Chromium is not installed (make chromium)')
    sync_api = pytest.importorskip('playwright.sync_api')
    out, rows, _, _ = run
    agree = lambda r: float(r['view_agreement'])
    errors = []
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = b.new_page(viewport=dict(width=1280, height=900)); page.set_default_timeout(HANG_MS)
            page.on('console', lambda m: errors.append(f'console {m.type}: {m.text}') if m.type == 'error' else None)
            page.on('pageerror', lambda e: errors.append(f'page error: {e}'))
            page.on('requestfailed', lambda r: errors.append(f'failed: {r.url}'))
            page.goto((out/'index.html').as_uri())
            page.wait_for_selector('#runs .tabulator-row')
            page.wait_for_function('[...document.images].filter(i => i.classList.contains("thumb")).length == 12 && [...document.images].every(i => i.complete)')

            # default order: least view agreement first
            shown = _col(page, 'name')
            assert len(shown) == 12
            got = [float(v) for v in _col(page, 'view_agreement')]
            assert got == sorted(got) and got == sorted(round(agree(r), 3) for r in rows)
            pairs = list(zip(got, map(float, _col(page, 'mean_uncertainty'))))
            assert pairs == sorted(pairs, key=lambda p: (p[0], -p[1])), "ties: the most uncertain first"
            first = min(rows, key=lambda r: (agree(r), -float(r['mean_uncertainty'])))
            assert shown[0] == Path(first['image']).name

            # every thumbnail loads
            widths = page.eval_on_selector_all('img.thumb', 'els => els.map(e => e.naturalWidth)')
            assert len(widths) == 12 and min(widths) > 0, widths
            if os.environ.get('UPDATE_SCREENSHOTS'):
                (ROOT/'nbs'/'images').mkdir(exist_ok=True)
                page.screenshot(path=str(ROOT/'nbs'/'images'/'run_report.png'))
            page.screenshot(path=str(tmp_path/'run_report.png'))

            # sorting: a click on a header sorts by it, a second click reverses
            head = page.locator('#runs .tabulator-col[tabulator-field="probability"] .tabulator-col-title')
            head.click()
            p = [float(v) for v in _col(page, 'probability')]
            assert p == sorted(p) and p != got
            head.click()
            p2 = [float(v) for v in _col(page, 'probability')]
            assert p2 == sorted(p, reverse=True)
            ps = sorted(rows, key=lambda r: -float(r['probability']))
            assert _col(page, 'name')[0] == Path(ps[0]['image']).name

            # filtering (typed, as a user would: Tabulator filters on key presses): text in a column, and a numeric threshold
            def typed(field, text):
                box = page.locator(f'#runs .tabulator-col[tabulator-field="{field}"] input')
                box.press('Control+a'); box.press('Backspace')
                if text: box.press_sequentially(text)
            word = max({r['predicted'] for r in rows}, key=lambda w: sum(w in r['predicted'] for r in rows))[:4]
            typed('predicted', word)
            n = sum(word.lower() in r['predicted'].lower() for r in rows)
            page.wait_for_function(f'document.querySelectorAll("#runs .tabulator-row").length == {n}')
            assert all(word.lower() in v.lower() for v in _col(page, 'predicted'))
            typed('predicted', '')
            page.wait_for_function('document.querySelectorAll("#runs .tabulator-row").length == 12')
            cut = sorted(map(agree, rows))[5]
            typed('view_agreement', str(cut))
            n = sum(agree(r) <= cut for r in rows)
            assert n < 12
            page.wait_for_function(f'document.querySelectorAll("#runs .tabulator-row").length == {n}')
            assert all(float(v) <= cut for v in _col(page, 'view_agreement'))
            typed('view_agreement', '')
            page.wait_for_function('document.querySelectorAll("#runs .tabulator-row").length == 12')

            # a row opens its panel; every panel loads
            page.locator('#runs .tabulator-row').first.locator('.tabulator-cell[tabulator-field="name"]').click()
            page.wait_for_selector('#panel[open]')
            page.wait_for_function('document.getElementById("panel-img").complete && document.getElementById("panel-img").naturalWidth > 0')
            assert page.eval_on_selector('#panel-title', 'e => e.textContent').strip().endswith(_col(page, 'name')[0])
            page.keyboard.press('Escape')
            widths = page.evaluate('''() => Promise.all(window.reportTable.getData().map(r => new Promise(ok => {
                const i = new Image(); i.onload = () => ok(i.naturalWidth); i.onerror = () => ok(0); i.src = r.panel; })))''')
            assert len(widths) == 12 and min(widths) > 0, widths
        finally: b.close()
    assert errors == [], errors
