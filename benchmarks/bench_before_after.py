"""Before/after a refactor, side by side: the workloads of bench_robustcam, bench_metrics and bench_cli, each timed call by call in
two worker processes, one per checkout (`--before`, the other this one), taking turns (ABBA), so that both see the same machine.
Each call's CPU time (user + system, one torch thread by default) is the measure: on a shared, loaded machine it moves far
less than wall time (printed beside it).

  robustcam   RobustCAM (6 views, Lite0's three layers) of one 224 px photo          (bench_robustcam's rc6)
  metrics     compute_all_metrics of RobustCAM on that photo, deepest layer, P = 5  (bench_metrics' `metrics`)
  cli         `robustcam explain` (a fresh process: import, model load, 6 photos, panels) (bench_cli's end-to-end run)
Prints each side's median and the median of the per-round ratios after/before (< 1: faster now).
Usage: python benchmarks/bench_before_after.py --before /path/to/old/checkout [--reps 9] [--threads 1]
"""
import argparse, os, resource, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

WORKER = r'''
import sys, time, json, torch, warnings
warnings.simplefilter('ignore'); torch.set_num_threads(int(sys.argv[1]))
import skimage.data, torchvision.transforms.v2 as T
from robustcam.core import tune_cpu_memory
from robustcam.models import load_model
from robustcam.fusion import RobustCAM
from robustcam.protocol import compute_all_metrics
from robustcam.explainers import RobustCAMExplainer
tune_cpu_memory()
img = T.Compose([T.ToImage(), T.ToDtype(torch.float32, scale=True), T.Resize(256), T.CenterCrop(224)])(skimage.data.chelsea())[None].clamp(0, 1)
lm = load_model('efficientnet_lite0')
rc = RobustCAM(lm.model, lm.layers, normalize=lm.normalize)
ex = RobustCAMExplainer(lm.model, lm.layers[-1:], lm.normalize)
with torch.no_grad(): top = lm.model(lm.normalize(img)).argmax(-1)
work = {'robustcam': lambda: rc(img), 'metrics': lambda: compute_all_metrics(lm.model, img, ex, normalize=lm.normalize, labels=top, n_perturb=5)}
for f in work.values(): f()
print('ready', flush=True)
for line in sys.stdin:
    t0, c0 = time.perf_counter(), time.process_time(); work[line.strip()](); print(time.process_time() - c0, time.perf_counter() - t0, flush=True)
'''

def worker(tree, threads):
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS=str(threads))
    p = subprocess.Popen([sys.executable, '-c', WORKER, str(threads)], cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == 'ready'
    return p

def call(p, what):
    "(CPU seconds, wall seconds) of one call."
    p.stdin.write(what + '\n'); p.stdin.flush(); return tuple(map(float, p.stdout.readline().split()))

def cli(tree, threads, inputs, out):
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS=str(threads))
    shutil.rmtree(out, ignore_errors=True)
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([sys.executable, '-c', 'import sys; from robustcam.cli import main; sys.exit(main())', 'explain', *map(str, inputs),
                    '--out', str(out), '--no-progress'], cwd=tree, env=env, check=True, capture_output=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, time.perf_counter() - t0

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--before', required=True); ap.add_argument('--reps', type=int, default=9)
    ap.add_argument('--threads', type=int, default=1); a = ap.parse_args()
    trees = {'before': Path(a.before).resolve(), 'after': Path(__file__).resolve().parents[1]}
    ws = {k: worker(t, a.threads) for k, t in trees.items()}
    tmp = Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, '-c', 'import sys; from robustcam.cli import main; sys.exit(main())', 'samples', str(tmp/'in')], cwd=trees['after'],
                   env=dict(os.environ, PYTHONPATH=str(trees['after'])), check=True, capture_output=True)
    inputs = sorted((tmp/'in').glob('*.png'))[:6]
    res = {w: {k: [] for k in trees} for w in ('robustcam', 'metrics', 'cli')}
    for r in range(a.reps):
        order = list(trees) if r % 2 == 0 else list(trees)[::-1]
        for w in ('robustcam', 'metrics'):
            for k in order: res[w][k].append(call(ws[k], w))
        if r < max(3, a.reps // 3):   # a CLI run takes seconds: fewer rounds
            for k in order: res['cli'][k].append(cli(trees[k], a.threads, inputs, tmp/f'out_{k}'))
    for p in ws.values(): p.stdin.close(); p.wait()
    print(f"before = {trees['before']}, after = {trees['after']}; {a.threads} thread(s); medians of {a.reps} ABBA rounds (cli: {len(res['cli']['after'])})")
    med = lambda v, j: statistics.median(x[j] for x in v)
    for w, d in res.items():
        rat = statistics.median(x[0] / y[0] for x, y in zip(d['after'], d['before']))
        print(f"  {w:10s} CPU before {med(d['before'], 0):7.3f}s  after {med(d['after'], 0):7.3f}s  after/before {rat:.3f}   "
              f"(wall {med(d['before'], 1):.3f}s / {med(d['after'], 1):.3f}s)")
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()
