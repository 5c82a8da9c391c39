"The Quarto-free docs site (`robustcam.docsite`), built and opened in headless Chromium."
import html, os, re, shutil, subprocess, tempfile
from pathlib import Path
import pytest
from fastcore.xtras import working_directory

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next(filter(None, map(shutil.which, ['chromium', 'chromium-browser', 'google-chrome'])), None)

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    if not CHROMIUM:
        why = "headless Chromium is needed to check the docs site (apt-get install -y chromium)"
        if os.environ.get('CI', '').lower() == 'true': pytest.fail(f"required under CI: {why}")
        pytest.skip(why)
    from robustcam.docsite import build_site
    with working_directory(ROOT): return build_site(out=tmp_path_factory.mktemp('site'), strict=True)

def dump_dom(page:Path)->str:
    "The DOM of `page` after Chromium has loaded it, from `file://`."
    with tempfile.TemporaryDirectory() as prof:
        r = subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                            '--disable-background-networking', '--disable-component-update', '--disable-sync',
                            f'--user-data-dir={prof}', '--dump-dom', page.as_uri()], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and '</html>' in r.stdout, r.stderr[-2000:]
    return r.stdout

def text(dom:str)->str: return ' '.join(html.unescape(re.sub(r'<[^>]+>', '', dom.split('<body', 1)[-1])).split())

def test_index_page(site):
    dom = dump_dom(site/'index.html')
    assert re.search(r'<title>\s*robustcam\s*</title>', dom)
    assert re.search(r'<h1[^>]*>\s*robustcam\b', dom), "the index's H1 is the project title"
    assert '<nav class="rc-nav">' in dom and 'href="core.html"' in dom, "the sidebar links the core page"

def test_core_api_entry(site):
    from robustcam.core import gradcam
    assert 'href="core.html"' in dump_dom(site/'index.html')
    dom = dump_dom(site/'core.html')
    assert re.search(r'<h3 id="gradcam"', dom), "a show_doc entry for gradcam"
    t = text(dom)
    assert 'def gradcam(' in t and 'model:nn.Module' in t, "its signature"
    assert gradcam.__doc__.replace('`', '') in t, "its docstring"
    assert 'show_doc(' not in t and 'nbdev_export' not in t, "show_doc calls and hidden cells are not shown"
    assert 'href="index.html"' in dom and 'href="data.html"' in dom, "the sidebar is on every page"
