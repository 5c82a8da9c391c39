"`robustcam explain` stopped by SIGINT/SIGTERM or killed with -9, then resumed: the outputs equal an uninterrupted run's."
import json, os, signal, socket, subprocess, sys, time
from pathlib import Path
import numpy as np, pytest
import contextlib, io
from robustcam.cli import save_samples, main
from robustcam.outputs import ARRAY_KEYS, COLUMNS, LOCK_NAME, CSVLog
from robustcam.runner import ExplainSpec, Explainer, find_inputs, run_local

NAMES = ('chelsea', 'coffee', 'rocket', 'astronaut', 'camera')
OPTS = ['--view-batch', '6', '--no-progress']   # one image a pass: a stop lands between images

@pytest.fixture(scope='module')
def data(tmp_path_factory):
    "The inputs (a folder with a broken file) and the outputs of one uninterrupted run."
    d = tmp_path_factory.mktemp('resume')
    save_samples(d/'in', NAMES)
    (d/'in'/'broken.png').write_bytes(b'not an image')
    ex = Explainer(ExplainSpec(view_batch=6))
    rep = run_local(find_inputs([d/'in']), ex.spec, d/'ref', progress=False, explainer=ex)
    assert rep.complete and len(rep.done) == len(NAMES) and list(rep.failed) == [str(d/'in'/'broken.png')]
    return d, ex

def _start(d, out):
    cmd = [sys.executable, '-c', 'import sys; from robustcam.cli import main; sys.exit(main())', 'explain', str(d/'in'), '--out', str(out), *OPTS]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

def _wait_rows(out, n, p, timeout=600):
    "Wait until summary.csv has `n` rows (the run is under way); the timeout only stops a hang."
    t0 = time.time()
    while time.time() - t0 < timeout:
        f = out/'summary.csv'
        if f.exists() and f.read_bytes().count(b'\n') > n: return
        if p.poll() is not None: pytest.fail(f"the run ended before {n} rows: {p.communicate()}")
        time.sleep(0.05)
    pytest.fail('no progress')

def _same_as_ref(d, out):
    "Every output of `out` equals the uninterrupted run's, bit for bit."
    ref = d/'ref'
    assert (out/'summary.csv').read_bytes() == (ref/'summary.csv').read_bytes()
    assert (out/'errors.csv').read_bytes() == (ref/'errors.csv').read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in ref.iterdir())
    for f in ref.glob('*.npz'):
        a, b = np.load(f), np.load(out/f.name)
        for k in ARRAY_KEYS: assert np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == 'f'), (f.name, k)   # U: NaN where undefined

def _whole(out):
    "Every row of summary.csv has whole outputs; no temporary file is left."
    rows = CSVLog(out/'summary.csv', COLUMNS).rows()
    for r in rows: assert (out/f"{r['output']}.png").exists() and np.load(out/f"{r['output']}.npz")['views'].shape == (6, 3, 224, 224)
    assert not list(out.glob('.*part*'))
    return rows

@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_cleanly_and_resumes(data, tmp_path, sig):
    d, ex = data
    out = tmp_path/'out'
    p = _start(d, out)
    _wait_rows(out, 1, p)
    os.killpg(p.pid, sig) if sig == signal.SIGINT else p.send_signal(sig)   # Ctrl-C reaches the whole process group (decoding workers too)
    so, se = p.communicate(timeout=600)
    assert p.returncode == 128 + sig, (p.returncode, se)
    assert f'Stopped by {signal.Signals(sig).name}' in se and 'Resume with:' in se and f'--out {out}' in se, se
    n = len(_whole(out))
    assert 1 <= n < len(NAMES), n
    assert not (out/LOCK_NAME).exists() and (out/'index.html').exists(), "a stopped run lets go of the folder and reports what is done"
    if sig == signal.SIGTERM: return   # the resume is tested after SIGINT and kill -9
    rep = run_local(find_inputs([d/'in']), ExplainSpec(), out, progress=False, explainer=ex)   # the resume (view batch from run.json)
    assert (rep.skipped, len(rep.done), rep.complete) == (n, len(NAMES) - n, True)
    _same_as_ref(d, out)

def test_kill9_loses_only_images_in_flight(data, tmp_path):
    d, _ = data
    out = tmp_path/'out'
    p = _start(d, out)
    _wait_rows(out, 2, p)
    os.killpg(p.pid, signal.SIGKILL); p.wait(timeout=30)
    n = len(_whole(out))
    assert n < len(NAMES), n
    assert json.loads((out/LOCK_NAME).read_text())['pid'] == p.pid, "kill -9 leaves its lock behind" 
    cmd = ['explain', str(d/'in'), '--out', str(out), *OPTS]
    with contextlib.redirect_stdout(io.StringIO()) as so, contextlib.redirect_stderr(io.StringIO()) as se: code = main(cmd)   # the same command resumes
    assert code == 1 and 'broken.png' in se.getvalue(), se.getvalue()        # the broken file, and only it, failed
    assert f'removed a stale lock {out/LOCK_NAME}: it was left by PID {p.pid}, which is no longer running' in se.getvalue(), se.getvalue()
    assert f'{n} already done' in so.getvalue(), so.getvalue()
    _same_as_ref(d, out)

def test_second_run_into_a_busy_folder_is_refused(data, tmp_path):
    "Two `robustcam explain` runs into one folder at once: the second is refused with the first one's PID, and the first is not disturbed."
    d, _ = data
    out = tmp_path/'out'
    p = _start(d, out)
    _wait_rows(out, 1, p)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as se:
        assert main(['explain', str(d/'in'), '--out', str(out), *OPTS]) == 2
    assert f'is in use by another robustcam run: PID {p.pid} on {socket.gethostname()}' in se.getvalue(), se.getvalue()
    so, se = p.communicate(timeout=300)
    assert p.returncode == 1, se                                             # the broken file only
    assert not (out/LOCK_NAME).exists()
    _same_as_ref(d, out)

def test_resume_refuses_other_settings(data):
    d, _ = data
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as se:
        assert main(['explain', str(d/'in'), '--out', str(d/'ref'), '--num-aug', '8', '--no-progress']) == 2
    assert 'holds outputs of a run with other settings (view_names' in se.getvalue(), se.getvalue()
