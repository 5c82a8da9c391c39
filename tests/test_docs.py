"""The Quarto-free docs site (`tools/docsite.py`): unit checks of the builder, then the whole built site crawled in
headless Chromium (console errors, links, images, math, API entries for every exported name)."""
import base64, importlib, inspect, os, pkgutil, re, shutil, sys
from pathlib import Path
import nbformat, pytest
from fastcore.xtras import working_directory
from conftest import HANG_MS, need

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import docsite as ds

CHROMIUM = next(filter(None, map(shutil.which, ['chromium', 'chromium-browser', 'google-chrome'])), None)
_PNG = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAwMDAxMDAAAAZGgMBsI2YNQAAAABJRU5ErkJggg==')

# ---------------------------------------------------------------------------------------------------------------
# The builder's pieces (fast, no browser)

def test_tex_to_mathml():
    h = ds.tex_to_mathml('<p>With $N \\times V$ views and $$\\bar S(p) = \\frac{1}{|V_p|}$$.</p>'
                         '<pre>echo $HOME and $PATH</pre><code>$x$</code><p>costs $5 or $6</p>')
    assert h.count('<math') == 2 and 'display="block"' in h and 'display="inline"' in h
    assert '<pre>echo $HOME and $PATH</pre><code>$x$</code>' in h, "code is left alone"
    assert 'costs $5 or $6' in h, "prices are not math"
    assert '\\times' not in h and '\\frac' not in h
    with pytest.raises(ValueError, match="cannot convert"): ds.tex_to_mathml('<p>$\\frac{$</p>x$</p>', strict=True)

def test_fix_md_and_nav():
    assert ds.fix_md('[source](https://x.org/a.py#L3){target="_blank" style="float:right"}') == '[source](https://x.org/a.py#L3)'
    assert ds.fix_md('::: {.callout-note}\nhi\n:::\n') == 'hi\n'
    assert ds.fix_md('[`_Fast`](https://x.org/lime.html#_fast) and [`Pub`](lime.html#pub)') == '`_Fast` and [`Pub`](lime.html#pub)'
    assert ds.fix_md('see [core](00_core.ipynb#hooks)', pages={'00_core': 'core.html'}) == 'see [core](core.html#hooks)'
    nav = ds.nav_html([('index.html', 'Home', ''), ('core.html', 'Core & <hooks>', '00')], 'core.html', 'robustcam')
    assert '<a href="core.html" class="active"><span class="rc-num">00</span>Core &amp; &lt;hooks&gt;</a>' in nav
    nav = ds.nav_html([('index.html', 'Home', '', ''), ('a.html', 'A', '00', 'Explaining'), ('b.html', 'B', '01', 'Explaining'), ('c.html', 'C', '10', 'Experiments')])
    assert re.findall(r'rc-sec">([^<]+)', nav) == ['Explaining', 'Experiments'] and nav.index('Explaining') < nav.index('a.html') < nav.index('Experiments') < nav.index('c.html')

def _executed_nb():
    "A tiny executed notebook: frontmatter, a show_doc-like markdown output, a hidden cell, a PNG output."
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_raw_cell("---\ntitle: Tiny\ndescription: A test page.\noutput-file: tiny.html\n---"),
        nbformat.v4.new_markdown_cell("Math: $a^2$."),
        nbformat.v4.new_code_cell("#| echo: false\nshow_doc(f)", outputs=[nbformat.v4.new_output(
            'execute_result', {'text/markdown': '[source](https://x.org/t.py){target="_blank"}\n\n### f\n\n*Does f.*',
                               'text/plain': 'f'}, execution_count=1)]),
        nbformat.v4.new_code_cell("#| include: false\nsecret = 1"),
        nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output(
            'display_data', {'image/png': base64.b64encode(_PNG).decode(), 'text/plain': '<Figure>'})])])

def test_lighten_and_render(tmp_path):
    src = tmp_path/'run.ipynb'; nbformat.write(_executed_nb(), src)
    saved = tmp_path/'figures'/'curves.png'; saved.parent.mkdir(); saved.write_bytes(_PNG)
    light = ds.lighten_nb(src, tmp_path/'executed'/'10_x.ipynb', [saved], tmp_path)
    assert 'base64' not in light.read_text() and 'iVBOR' not in light.read_text(), "images moved out of the notebook"
    assert (tmp_path/'executed'/'10_x_files'/'cell004_0.png').read_bytes() == _PNG
    assert '](../figures/curves.png)' in light.read_text(), "the run's saved figures are referenced where they are"
    nb = nbformat.read(light, as_version=4)
    fm = ds.pop_frontmatter(nb); ds.prep_nb(nb)
    assert fm == {'title': 'Tiny', 'description': 'A test page.', 'output-file': 'tiny.html'}
    out = tmp_path/'site'
    page = ds.render_page(nb, fm['title'], fm['description'], nav='<nav class="rc-nav"></nav>', img_path=light.parent,
                          site='robustcam', out=out, href='tiny.html')
    assert '<title>Tiny – robustcam</title>' in page and '<nav class="rc-nav">' in page and 'id="f"' in page
    for s in ['show_doc', 'secret', '{target', 'require.js', 'cdnjs']: assert s not in page, s
    assert not re.search(r'<img[^>]+src="data:', page), "images are files, not base64"
    assert not re.search(r'<script[^>]+src="https?:', page), "no CDN script (MathJax, require.js)"
    imgs = re.findall(r'<img[^>]*src="([^"]+)"', page)
    assert len(imgs) == 2 and all(i.startswith('tiny_files/') and (out/i).read_bytes() == _PNG for i in imgs), imgs
    assert 'Figures of this run' in page and 'figures/curves.png' in page
    assert '<math' in page and '$a^2$' not in page

def test_experiments_found_by_glob():
    exps = [p.stem for p in sorted((ROOT/'nbs').glob('*.ipynb')) if ds.is_experiment(p)]
    assert '10_exp_imagenet' in exps and '20_train_ct' in exps and 'index' not in exps
    assert not any(s.startswith(('00_', '02_')) for s in exps), exps

# ---------------------------------------------------------------------------------------------------------------
# The whole site, built once, crawled in headless Chromium

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    need(CHROMIUM is not None, "headless Chromium is needed to check the docs site (apt-get install -y chromium)")
    if os.environ.get('ROBUSTCAM_SITE'): return Path(os.environ['ROBUSTCAM_SITE']).resolve()  # check a site already built
    tmp = tmp_path_factory.mktemp('site')
    with working_directory(ROOT):
        out = ds.build_site(out=tmp/'site', proc=tmp/'proc', strict=True)
    return out

@pytest.fixture(scope='module')
def crawl(site):
    "Load every page reachable from index.html; collect console errors, links, anchors, images and visible text."
    from playwright.sync_api import sync_playwright
    pages, todo = {}, ['index.html']
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu'])
        ctx = b.new_context(offline=True); ctx.set_default_timeout(HANG_MS)
        while todo:
            name = todo.pop()
            if name in pages: continue
            pg, errs = ctx.new_page(), []
            pg.on('console', lambda m: m.type == 'error' and errs.append(m.text))
            pg.on('pageerror', lambda e: errs.append(str(e)))
            pg.on('requestfailed', lambda r: errs.append(f"failed to load {r.url}"))
            pg.goto((site/name).as_uri(), wait_until='load')
            info = pg.evaluate("""() => {
              const vis = document.body.cloneNode(true);
              vis.querySelectorAll('pre, code, script, style, math').forEach(e => e.remove());
              return {links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
                      ids: [...document.querySelectorAll('[id]')].map(e => e.id),
                      imgs: [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight]),
                      text: document.body.innerText, prose: vis.textContent,
                      nums: [...document.querySelectorAll('.rc-nav .rc-num')].map(e => e.textContent),
                      secs: [...document.querySelectorAll('.rc-nav .rc-sec')].map(e => e.textContent),
                      tables: document.querySelectorAll('table').length}}""")
            info['errors'] = errs
            pages[name] = info
            pg.close()
            for h in info['links']:
                if re.match(r'^(https?:|mailto:|#)', h): continue
                f = h.split('#')[0]
                if f.endswith('.html') and (site/f).exists(): todo.append(f)
        b.close()
    return pages

def test_every_page_crawled(site, crawl):
    built = sorted(p.name for p in site.glob('*.html'))
    assert sorted(crawl) == built, f"pages not reachable from the sidebar: {set(built) - set(crawl)}"
    srcs = sorted((ROOT/'nbs').glob('*.ipynb'))
    assert len(built) >= len(srcs), f"{len(srcs)} notebooks but only {len(built)} pages"

def test_no_console_errors(crawl):
    bad = {p: i['errors'] for p, i in crawl.items() if i['errors']}
    assert not bad, bad

def test_internal_links_resolve(site, crawl):
    bad = []
    for p, info in crawl.items():
        for h in info['links']:
            if re.match(r'^(https?:|mailto:)', h): continue
            f, _, anchor = h.partition('#')
            target = f or p
            if not (site/target).exists(): bad.append((p, h, 'no such page')); continue
            if anchor and target in crawl and anchor not in crawl[target]['ids']: bad.append((p, h, 'no such anchor'))
    assert not bad, bad[:20]

def test_images_load(crawl):
    imgs = [(p, *i) for p, info in crawl.items() for i in info['imgs']]
    if not imgs and not any(ds.find_runs(p.stem) for p in (ROOT/'nbs').glob('*.ipynb') if ds.is_experiment(p)):
        pytest.skip(f"no images on the site: they come with the experiments' executed copies ({ds.RUNS}/, written by "
                    "`make reproduce`), and none is present")
    assert imgs, "no images on the site at all, though executed experiment copies exist"
    bad = [i for i in imgs if not (i[2] and i[3] > 0 and i[4] > 0)]
    assert not bad, bad
    assert not [i for i in imgs if i[1].startswith('data:')], "images are files, not base64 blobs"

def test_no_raw_tex(crawl):
    bad = {p: m for p, i in crawl.items() if (m := re.findall(r'\$\$[^$]+\$\$|(?<![\w$])\$[^\s$][^$\n]{0,80}?\$', i['prose']))}
    assert not bad, bad
    bad = {p: m for p, i in crawl.items() if (m := re.findall(r'\\(?:frac|bar|times|sum|sqrt|mathrm)\b', i['prose']))}
    assert not bad, bad

SECTIONS = ['Explaining', 'Judging an explanation', 'Data and models', 'Running at scale', 'Experiments']

def test_sidebar_file_lists_every_notebook():
    "nbs/sidebar.yml (read by nbdev-docs and by the fallback) lists every notebook once, in the five sections."
    side = ds.read_sidebar()
    stems = sorted(p.stem for p in (ROOT/'nbs').glob('*.ipynb'))
    missing = sorted(set(stems) - set(side))
    assert not missing, f"add these notebooks to a section of nbs/sidebar.yml: {missing}"
    assert not set(side) - set(stems), f"nbs/sidebar.yml lists notebooks that do not exist: {sorted(set(side) - set(stems))}"
    assert list(dict.fromkeys(sec for _, sec in side.values() if sec)) == SECTIONS
    from nbdev.config import get_config
    assert get_config().custom_sidebar, "custom_sidebar must be true, or nbdev-docs overwrites nbs/sidebar.yml with a flat list"

def test_sidebar_sections(crawl):
    "Every page has the sidebar; it lists every notebook page under its section, in the sidebar file's order."
    pages = sorted(crawl)
    for p in pages: assert set(crawl[p]['links']) >= set(pages), f"{p}'s sidebar lacks {set(pages) - set(crawl[p]['links'])}"
    idx = crawl['index.html']
    assert idx['secs'] == SECTIONS, idx['secs']
    side = ds.read_sidebar()
    want = [ds._num(s) for s in sorted(side, key=lambda s: side[s][0]) if ds._num(s)]
    assert list(dict.fromkeys(idx['nums'])) == want, f"sidebar not in nbs/sidebar.yml's order: {idx['nums']}"

def test_index_is_readme(crawl):
    t = crawl['index.html']['text']
    heads = re.findall(r'(?m)^#+ (.+)$', (ROOT/'README.md').read_text())
    assert heads and all(h.strip() in t for h in heads), [h for h in heads if h.strip() not in t]

def _modules():
    import robustcam
    return [importlib.import_module(m.name) for m in pkgutil.iter_modules(robustcam.__path__, 'robustcam.')
            if not m.name.startswith('robustcam._')] + [robustcam]

def test_every_exported_name_documented(site, crawl):
    "Every name in every module's `__all__` is on some page; each function and class has an API entry there."
    from robustcam._modidx import d
    from fastcore.docments import docments
    alltext = '\n'.join(i['text'] for i in crawl.values())
    missing, no_entry = [], []
    for mod in _modules():
        for name in getattr(mod, '__all__', []):
            if name not in alltext: missing.append(f"{mod.__name__}.{name}"); continue
            obj = getattr(mod, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or obj.__module__ != mod.__name__: continue
            ref = d['syms'].get(mod.__name__, {}).get(f"{mod.__name__}.{name}")
            if not ref: no_entry.append(f"{mod.__name__}.{name}: not in _modidx"); continue
            page, _, anchor = ref[0].partition('#')
            info = crawl.get(page)
            if info is None or anchor not in info['ids']: no_entry.append(f"{name}: no {ref[0]}"); continue
            text = ' '.join(info['text'].replace('`', '').split())   # signatures keep backticks as typed
            doc = (inspect.getdoc(obj) or '').split('\n')[0].replace('`', '').replace('*', '')  # markdown as shown
            frags = [' '.join(f.split()) for f in re.split(r'\$[^$]+\$', doc)]                # formulas are MathML
            if any(f and f not in text for f in frags): no_entry.append(f"{name}: docstring")
            if inspect.isfunction(obj):
                cmts = [c for c in docments(obj).values() if c]
                gone = [c for c in cmts if ' '.join(c.replace('`', '').split()) not in text]
                if gone: no_entry.append(f"{name}: parameter docs {gone[:2]}")
    assert not missing, f"exported but on no page: {missing}"
    assert not no_entry, no_entry

def test_experiments_tag_a_headline():
    "Every experiment notebook tags the cells of its headline table and figure (`headline`), which its page opens with."
    for p in sorted((ROOT/'nbs').glob('*.ipynb')):
        if not ds.is_experiment(p): continue
        n = sum(ds.HEADLINE in c.metadata.get('tags', []) for c in nbformat.read(p, as_version=4).cells)
        assert n >= 1, f"{p.name}: tag the cells that show its headline table and figure 'headline'"

def test_experiment_pages_show_results(site, crawl):
    """Each experiment's page renders the executed copy of its full run, with tables or figures; an experiment without
    one keeps its source page, which says so. Skipped while any executed copy is absent (they come from the full
    `make reproduce`, hours of CPU, and are committed under results/executed/ afterwards)."""
    exps = [p for p in sorted((ROOT/'nbs').glob('*.ipynb')) if ds.is_experiment(p)]
    assert exps, "no experiment notebooks found"
    without = []
    for p in exps:
        runs = ds.find_runs(p.stem)
        if not runs:
            without.append(p.stem)
            cands = [f"{p.stem}.html", re.sub(r'^\d+[a-z]?_', '', p.stem) + '.html']
            pages = [c for c in cands if c in crawl and f"{p.stem}*.ipynb" in crawl[c]['text']]
            assert pages, f"{p.stem} has neither an executed copy nor a source page that names it, among {cands}"
            assert 'No executed copy' in crawl[pages[0]]['text'] and 'make reproduce' in crawl[pages[0]]['text'], \
                f"{pages[0]} shows code without results but does not say so"
            continue
        for r in runs:
            page = f"{p.stem}_{ds._variant(r, p.stem)}.html" if r.stem != p.stem else f"{p.stem}.html"
            assert page in crawl, page
            assert crawl[page]['imgs'] or crawl[page]['tables'], f"{page} shows no figure and no table"
            tagged = {c.get('id') for c in nbformat.read(p, as_version=4).cells if ds.HEADLINE in c.metadata.get('tags', [])}
            if tagged & {c.get('id') for c in nbformat.read(r, as_version=4).cells}:   # a run made before the tags lacks their cells
                assert 'headline' in crawl[page]['ids'], f"{page} does not open with its headline"
    if without: pytest.skip(f"no executed copy in {ds.RUNS}/ for {without}: produced by `make reproduce` "
                            f"(the full run; then commit {ds.RUNS}/)")
