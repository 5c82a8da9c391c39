"""The README (generated from nbs/index.ipynb by tools/readme.py): its first screen shows a figure, it is short, and every
number of its findings table is read from results/tables/ and tagged with where it came from (none typed)."""
import re, sys
from pathlib import Path
from unittest import mock
import nbformat, pytest
from bs4 import BeautifulSoup
from fastcore.xtras import working_directory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
sys.path.insert(0, str(ROOT/'tests'))
import readme
from test_paper import check_values, hand_typed

README = (ROOT/'README.md').read_text()

def test_first_figure():
    "The README's first figure is in its first 30 lines, exists where it points, is an image and is under 300 kB."
    m = re.search(r'!\[[^\]]*\]\(([^)\s]+)\)', '\n'.join(README.splitlines()[:30]))
    assert m, "no figure in the README's first 30 lines"
    f = ROOT/m[1]
    assert f.exists() and f.stat().st_size < 300_000, (f, f.exists() and f.stat().st_size)
    from PIL import Image
    with Image.open(f) as im: assert im.width >= 600 and im.height >= 400, im.size

def test_short():
    assert len(README.splitlines()) < 200, len(README.splitlines())

def _findings_cell():
    nb = nbformat.read(ROOT/'nbs'/'index.ipynb', as_version=4)
    cells = [c for c in nb.cells if c.cell_type == 'code' and 'tally(' in c.source and '| question |' in c.source]
    assert len(cells) == 1
    return cells[0]

def run_findings(src:str)->str:
    "Run the findings cell's code (as the README build does, from nbs/) and return the markdown it displays."
    got = []
    with working_directory(ROOT/'nbs'), mock.patch('IPython.display.display', lambda o: got.append(o.data)):
        exec(compile(src, 'findings', 'exec'), {})
    assert len(got) == 1
    return got[0]

def _table(md:str)->str: return '\n'.join(l for l in md.splitlines() if l.startswith('| '))

def _soup(md:str): return BeautifulSoup(re.sub(r'\]\([^)]*\)', ']', md), 'html.parser')   # link targets are not numbers

@pytest.fixture(scope='module')
def findings(): return run_findings(_findings_cell().source)

def test_findings_current(findings):
    "The table in the README and in the notebook's stored output is what the cell computes from today's tables."
    stored = ''.join(o['data']['text/markdown'] for o in _findings_cell().outputs if 'text/markdown' in o.get('data', {}))
    lines = README.splitlines()
    assert _table(findings) == _table(stored) and all(l in lines for l in _table(findings).splitlines()), "run `make readme` and commit"
    assert len(_table(findings).splitlines()) == 9   # header and eight questions (the six, other networks, which views)

def test_findings_generated_and_tagged(findings):
    "Every number is a tagged value recomputed equal from its CSV; none is typed."
    s = _soup(_table(findings))
    assert len(s.select('span.gen')) >= 20
    assert hand_typed(s) == [] and check_values(s, ROOT/'results') == []
    text = s.get_text(' ')
    for q in ['more stable than Grad-CAM', 'more than smoothing', 'Augmented Grad-CAM', 'localise better', 'uncertainty mean anything', 'CT', 'other networks', 'Which views']:
        assert q in text, q
    assert 'No' in text, "today's findings include some against RobustCAM: they stay in the table"

def test_typed_number_fails():
    "A number typed into the findings cell is caught."
    src = _findings_cell().source.replace('"Is it more stable than Grad-CAM?"', '"Is it more stable than Grad-CAM (by 20%)?"')
    assert hand_typed(_soup(_table(run_findings(src)))) == ['20%']

def test_markdown_conversion():
    "The README build drops hidden cells, shows echo-false cells' output only, and links images from the repository root."
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('# T\n\n![a figure](images/x.png)'),
        nbformat.v4.new_code_cell('#| hide\nsecret = 1'),
        nbformat.v4.new_code_cell('#| echo: false\nshown()', outputs=[nbformat.v4.new_output('display_data', {'text/markdown': '| a | b |', 'text/plain': 'x'})]),
        nbformat.v4.new_code_cell('#| export\nvisible = 2')])
    md = readme.to_markdown(nb)
    assert '](nbs/images/x.png)' in md and 'secret' not in md and 'shown()' not in md and '| a | b |' in md
    assert 'visible = 2' in md and '#| export' not in md and 'Generated from nbs/index.ipynb' in md
