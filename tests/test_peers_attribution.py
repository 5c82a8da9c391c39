"""Every pytorch-grad-cam CAM class and the main Captum methods as RobustCAM's attribution, cross-checked with the peer itself.

On the identity view, RobustCAM's map of a peer's method is the peer's own output for that image and class:
- pytorch-grad-cam: its [0,1] map, to 1e-5 (the adapter passes it through; the views go through as one batch of 12, the
  direct call as a batch of 2: float32 round-off, up to 4.4e-6 seen, for KPCA-CAM);
- Captum: its attribution summed over channels and upsampled bilinearly (`LayerAttribution.interpolate` for layer methods),
  as the `signed` values, to 1e-5 relative to the largest value; the map is their positive part over its maximum.
Small models and images, so that the whole file runs in about a minute on 2 CPU cores.
"""
import warnings
import numpy as np, pytest, torch, torch.nn as nn, torch.nn.functional as F
import pytorch_grad_cam as P
from pytorch_grad_cam.base_cam import BaseCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
import captum.attr as A
from robustcam.core import count_hooks
from robustcam.fusion import RobustCAM
from robustcam.peers import PGC_NO_TARGET, PGC_NOT_CAMS, PGC_SINCE, CaptumAttribution, PGCAttribution

def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4)).eval()

X = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
T = torch.tensor([1, 3])
CAMS = sorted(n for n in dir(P) if isinstance(getattr(P, n), type) and (issubclass(getattr(P, n), BaseCAM) or n in ('RefineCAM', 'SESS', 'FinerCAM')))

def _direct(cls, net, x, t):
    cam = cls(model=net, target_layers=[net[3]])
    try: return torch.as_tensor(cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in t]))
    finally:
        if hasattr(cam, 'activations_and_grads'): cam.activations_and_grads.release()

def test_every_cam_class_is_listed():
    "Every CAM class of the installed pytorch-grad-cam is either adapted or refused, and the refusal list is exactly the classes whose map ignores the target."
    net, blind = _net(), []
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for n in CAMS:
            cls = getattr(P, n)
            a, a2, b = _direct(cls, net, X, T), _direct(cls, net, X, T), _direct(cls, net, X, torch.tensor([0, 2]))
            if torch.allclose(a, a2) and torch.allclose(a, b): blind.append(n)    # repeatable, and the same for another class
    assert sorted(blind) == sorted(PGC_NO_TARGET), blind
    assert set(PGC_SINCE) == set(CAMS), set(PGC_SINCE) ^ set(CAMS)   # every CAM class has the release it came with
    assert len(CAMS) >= 19, CAMS   # grad-cam 1.5.7: 19 CAM classes (FinerCAM, RefineCAM and SESS wrap another CAM; sobel_cam is a function)

@pytest.mark.parametrize('name', [n for n in CAMS if n not in PGC_NO_TARGET])
def test_pgc_identity_view_is_the_peer(name):
    cls, net = getattr(P, name), _net()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        if name == 'RandomCAM':   # random maps: seeded, the same draw on both sides
            np.random.seed(0); ref = _direct(cls, net, X, T); np.random.seed(0); got = PGCAttribution(cls, net, '3')(X, T).maps[:, 0]
        else:
            ref = _direct(cls, net, X, T)
            r = RobustCAM(net, ['3'], attribution=cls)(X, T)
            got = r.plain[:, 0]
            assert r.attribution == f'pgc-{name.lower()}' and r.fused.shape == (2, 1, 32, 32)
    torch.testing.assert_close(got, ref.clamp(0, 1), atol=1e-5, rtol=0)   # float32 round-off of a 12-view batch against a 2-image one
    assert count_hooks(net) == 0

def test_pgc_refusals():
    net = _net()
    r = RobustCAM(net, ['3'], attribution='pgc.HiResCAM')(X, T)   # by name
    assert r.attribution == 'pgc-hirescam'
    for n in PGC_NO_TARGET:
        with pytest.raises(ValueError, match='same map whatever the target class'): RobustCAM(net, ['3'], attribution=getattr(P, n))
    with pytest.raises(TypeError, match='is not a CAM method'): RobustCAM(net, ['3'], attribution=P.GuidedBackpropReLUModel)
    assert 'GuidedBackpropReLUModel' in PGC_NOT_CAMS

def test_pgc_instance_and_no_hook_left_after_an_exception():
    "A CAM instance is used as it is; a model that fails in the middle of a batch leaves no hook behind (class or built-in path)."
    net = _net()
    with P.GradCAM(model=net, target_layers=[net[3]]) as cam:
        got = RobustCAM(net, attribution=cam)(X, T).plain[:, 0]
        ref = torch.as_tensor(cam(input_tensor=X, targets=[ClassifierOutputTarget(int(c)) for c in T]))
    torch.testing.assert_close(got, ref, atol=1e-6, rtol=0)
    calls = {'n': 0}
    def boom(m, i, o):
        calls['n'] += 1
        if calls['n'] == 2: raise RuntimeError('boom')
    h = net[5].register_forward_hook(boom)
    try:
        for attribution in ('gradcam', P.GradCAM):
            calls['n'] = 0
            with pytest.raises(RuntimeError, match='boom'): RobustCAM(net, ['3'], attribution=attribution, batch_size=6)(torch.cat([X, X]), torch.cat([T, T]))
            assert count_hooks(net) == 1   # only our own test hook
    finally: h.remove()
    assert count_hooks(net) == 0

PATCHES = (torch.arange(32)[:, None] // 8 * 4 + torch.arange(32)[None] // 8).expand(1, 3, 32, 32)   # 16 features of 8x8 px (not 3072 pixels)
CAPTUM_INPUT = [(A.IntegratedGradients, dict(n_steps=8)), (A.Saliency, {}), (A.InputXGradient, {}), (A.GuidedBackprop, {}),
                (A.Deconvolution, {}), (A.DeepLift, {}), (A.Occlusion, dict(sliding_window_shapes=(3, 8, 8), strides=8)),
                (A.FeatureAblation, dict(feature_mask=PATCHES)), (A.GradientShap, dict(baselines=torch.zeros(2, 3, 32, 32), n_samples=4))]
CAPTUM_LAYER = [(A.LayerGradCam, {}), (A.LayerIntegratedGradients, dict(n_steps=8)), (A.LayerConductance, dict(n_steps=8)),
                (A.LayerGradientXActivation, {}), (A.LayerDeepLift, {})]

def seed(): torch.manual_seed(0); np.random.seed(0)

@pytest.mark.parametrize('cls,kw', CAPTUM_INPUT + CAPTUM_LAYER, ids=lambda v: v.__name__ if isinstance(v, type) else '')
def test_captum_identity_view_is_the_peer(cls, kw):
    net = _net()
    layer = issubclass(cls, A.LayerAttribution)
    rc = RobustCAM(net, ['3'] if layer else None, attribution=CaptumAttribution(cls, net, '3' if layer else None, **kw))
    seed(); r = rc(X, T)                # (GradientShap draws with NumPy and torch: the same seeds on every side)
    seed(); e = rc.attribution(X, T)    # the adapter on the identity view
    seed(); peer = (cls(net, net[3]) if layer else cls(net)).attribute(X, target=T, **kw).detach().float().sum(1, keepdim=True)
    ref = (F.interpolate(peer, size=(32, 32), mode='bilinear', align_corners=False) if layer else peer)[:, 0]
    torch.testing.assert_close(e.signed[:, 0], ref, atol=1e-5 * float(ref.abs().max()), rtol=0)
    pos = e.maps[:, 0]   # the adapter's map: the positive part over its maximum
    mx = ref.clamp_min(0).amax((-2, -1), keepdim=True)
    torch.testing.assert_close(pos, torch.where(mx > 0, ref.clamp_min(0) / mx.clamp_min(1e-30), 0.), atol=1e-5, rtol=0)
    if cls is A.GradientShap: return   # its random draws within RobustCAM's batch of 12 views differ from those of 2 images
    lo, hi = pos.amin((-2, -1), keepdim=True), pos.amax((-2, -1), keepdim=True)   # RobustCAM min-max normalises every view's map
    torch.testing.assert_close(r.plain[:, 0], torch.where(hi > lo, (pos - lo) / (hi - lo).clamp_min(1e-30), 0.), atol=1e-5, rtol=0)

def test_captum_noise_tunnel_and_refusals():
    net = _net()
    nt = A.NoiseTunnel(A.IntegratedGradients(net))
    torch.manual_seed(0); got = CaptumAttribution(nt, net, nt_samples=3, n_steps=4, stdevs=0.1)(X, T).signed[:, 0]
    torch.manual_seed(0); ref = nt.attribute(X, target=T, nt_samples=3, n_steps=4, stdevs=0.1).detach().sum(1)
    torch.testing.assert_close(got, ref, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="needs the layer"): RobustCAM(net, attribution=A.LayerGradCam)
    with pytest.raises(ValueError, match=r"needs \['sliding_window_shapes'\]"): RobustCAM(net, attribution=A.Occlusion)
    with pytest.raises(TypeError, match="NoiseTunnel wraps another attribution"): RobustCAM(net, attribution=A.NoiseTunnel)
    with pytest.raises(ValueError, match="has no per-target output"): RobustCAM(net, ['3'], attribution=A.LayerActivation)

@pytest.mark.parametrize('attribution', ['gradcam', 'gradcam++', 'layercam', P.ScoreCAM, P.HiResCAM, A.LayerGradCam, A.IntegratedGradients],
                         ids=lambda a: a if isinstance(a, str) else a.__name__)
def test_quantus_explain_func_over_every_attribution(attribution):
    "`quantus_explain_func` runs RobustCAM over built-in and peer attributions on the model Quantus passes, and Quantus scores it."
    quantus = pytest.importorskip('quantus')
    from robustcam.sanity import quantus_explain_func
    warnings.filterwarnings('ignore', module='quantus')
    net, x, y = _net(), X.numpy(), T.numpy()
    layers = None if attribution is A.IntegratedGradients else ['3']
    f = quantus_explain_func('robustcam', layers=layers, attribution=attribution, signed=False)
    a = f(model=net, inputs=x, targets=y)
    direct = RobustCAM(net, layers, attribution=attribution)(X, T).fused.numpy()
    np.testing.assert_allclose(a, direct, atol=1e-5)
    s = quantus.MaxSensitivity(nr_samples=2, lower_bound=0.05, disable_warnings=True, display_progressbar=False)(
        model=net, x_batch=x, y_batch=y, a_batch=None, explain_func=f, batch_size=2)
    assert len(s) == 2 and np.isfinite(s).any() and not np.isinf(s).any()   # NaN where a perturbed copy's map is all zero: Quantus divides by its norm
