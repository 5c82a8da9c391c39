"""Every peer method through RobustCAM: its status (checked by tests/test_peers_attribution.py, or refused and why) and its cost,
RobustCAM over 6 views (one batched call of the peer per layer) against calling the peer once per view, side by side,
interleaved, in one run. Writes results/tables/peer_methods.csv, the table of the `robustcam.peers` docs.

EfficientNet-Lite0 (ImageNet weights) at 112 px, one image, layer `blocks.4` (112 channels: ScoreCAM and AblationCAM run one
forward per channel); one torch thread by default, so that the ratio is the method's, not the machine's load.
Usage: python benchmarks/bench_peers.py [--reps 3] [--threads 1] [--out results/tables/peer_methods.csv]
"""
import argparse, statistics, time, warnings
import numpy as np, pandas as pd, torch
import pytorch_grad_cam as P
from pytorch_grad_cam.base_cam import BaseCAM
import captum.attr as A
from robustcam.augment import apply_views
from robustcam.files import save_csv
from robustcam.fusion import RobustCAM
from robustcam.models import load_model
from robustcam.peers import PGC_NO_TARGET, PGC_NOT_CAMS, peer_attribution

CAPTUM = {'IntegratedGradients': dict(n_steps=16), 'Saliency': {}, 'InputXGradient': {}, 'GuidedBackprop': {}, 'Deconvolution': {},
          'DeepLift': {}, 'Occlusion': dict(sliding_window_shapes=(3, 16, 16), strides=16), 'FeatureAblation': {},
          'GradientShap': dict(n_samples=4), 'LayerGradCam': {}, 'LayerIntegratedGradients': dict(n_steps=16),
          'LayerConductance': dict(n_steps=16), 'LayerGradientXActivation': {}, 'LayerDeepLift': {}}
TOL = dict(pgc='1e-5 (the peer\'s [0,1] map)', captum='1e-5 of the max (signed, channels summed, upsampled)')

def rows():
    cams = sorted(n for n in dir(P) if isinstance(getattr(P, n), type) and (issubclass(getattr(P, n), BaseCAM) or n in ('RefineCAM', 'SESS', 'FinerCAM')))
    for n in cams: yield 'pytorch-grad-cam', n, getattr(P, n), {}
    for n, kw in CAPTUM.items(): yield 'captum', n, getattr(A, n), kw
    yield 'captum', 'NoiseTunnel(IntegratedGradients)', None, dict(nt_samples=3, n_steps=8)
    yield 'captum', 'LayerActivation', A.LayerActivation, {}

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--reps', type=int, default=3); ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default='results/tables/peer_methods.csv'); a = ap.parse_args()
    torch.set_num_threads(a.threads); warnings.simplefilter('ignore')
    lm = load_model('efficientnet_lite0'); model, norm, layer = lm.model, lm.normalize, 'blocks.4'
    x = torch.rand(1, 3, 112, 112, generator=torch.Generator().manual_seed(0)); t = torch.tensor([281])
    out = []
    for lib, name, cls, kw in rows():
        row = dict(library=lib, method=name)
        try:
            if name.startswith('NoiseTunnel'): method = A.NoiseTunnel(A.IntegratedGradients(model))
            else: method = cls
            if lib == 'captum' and name == 'GradientShap': kw = dict(kw, baselines=norm(torch.zeros(2, 3, 112, 112)))
            if lib == 'captum' and name == 'FeatureAblation':   # one feature per 16 px patch (49), not one per pixel and channel (37,632 passes)
                kw = dict(kw, feature_mask=(torch.arange(112)[:, None] // 16 * 7 + torch.arange(112)[None] // 16).expand(1, 3, 112, 112))
            layers = [layer] if lib == 'pytorch-grad-cam' or (isinstance(method, type) and issubclass(method, A.LayerAttribution)) else None
            rc = RobustCAM(model, layers, normalize=norm, attribution=peer_attribution(method, model, layers, norm, **kw))
        except (ValueError, TypeError) as e:
            out.append(row | dict(status='refused', tolerance='', passes_rc=np.nan, seconds_rc=np.nan, seconds_per_view=np.nan, ratio=np.nan, reason=str(e).split(': ', 1)[-1][:160]))
            print(f"{lib:16s} {name:34s} refused: {e}"); continue
        if name == 'SESS':   # tens of scaled and sliding patches per view: minutes a call on this CPU
            out.append(row | dict(status='checked', tolerance=TOL['pgc'], passes_rc=len(rc.views), seconds_rc=np.nan, seconds_per_view=np.nan,
                                  ratio=np.nan, reason='not timed: SESS runs its CAM on tens of scaled, sliding patches of each view'))
            print(f"{lib:16s} {name:34s} not timed"); continue
        views = apply_views(x, rc.views)                   # the 6 view images, for the one-call-per-view side
        one = lambda: [rc.attribution(views[i:i + 1], t) for i in range(len(views))]
        both = {'rc': lambda: rc(x, t), 'per_view': one}
        for f in both.values(): f()   # warm-up
        ts = {k: [] for k in both}
        for r in range(a.reps):
            for k in (list(both) if r % 2 == 0 else list(both)[::-1]):
                t0 = time.perf_counter(); both[k](); ts[k].append(time.perf_counter() - t0)
        rc_s, pv_s = statistics.median(ts['rc']), statistics.median(ts['per_view'])
        out.append(row | dict(status='checked', tolerance=TOL['pgc' if lib == 'pytorch-grad-cam' else 'captum'], passes_rc=len(rc.views),
                              seconds_rc=round(rc_s, 3), seconds_per_view=round(pv_s, 3), ratio=round(rc_s / pv_s, 2), reason=''))
        print(f"{lib:16s} {name:34s} RobustCAM 6 views {rc_s:7.3f}s  peer once per view {pv_s:7.3f}s  ratio {rc_s / pv_s:.2f}")
    df = pd.DataFrame(out)
    save_csv(df, a.out); print(f"wrote {a.out} ({len(df)} methods)")

if __name__ == '__main__': main()
