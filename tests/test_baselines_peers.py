"The baselines of `robustcam.baselines` against their peers: pytorch-grad-cam's own `aug_smooth`, Captum's `NoiseTunnel` over `LayerGradCam`."
import csv, pytest, torch, torch.nn as nn
from conftest import need
from robustcam.core import gradcam, get_module, count_hooks, normalize_maps
from robustcam.models import load_model, Normalize, IMAGENET_MEAN, IMAGENET_STD
from robustcam.data import dataset_path, load_image
from robustcam.baselines import (aug_smooth_views, ViewFusionExplainer, PGCAugSmoothExplainer, check_aug_smooth,
                                 smoothgrad_cam, noise_copies, AUG_SMOOTH_MIN_VERSION)

# Tolerances: max absolute difference of maps in [0,1]. Measured on these cases (toy CNN, Lite0 on two photos), then set above:
SAME_INPUT_TOL = 1e-5   # our pipeline vs pytorch-grad-cam's on the very same view images. Seen <= 4.8e-7: torch's bilinear vs cv2.resize,
                        # pytorch-grad-cam's 1e-7 in each normalisation, float32 sums in another order
AUG_SMOOTH_TOL = 1e-3   # end to end vs `aug_smooth=True`. Seen 3.6e-7 (toy), 1.2e-4 (Lite0 blocks.4), 9e-7 (Lite0 bn2). The gap is not the
                        # pipeline: our brightness view writes mean + f*(x - mean) on the [0,1] image, pytorch-grad-cam f*(x - mean)/std
                        # on the model input; the two inputs differ by one float32 ulp (1.2e-7), which Lite0 amplifies to 5e-4 in one view
CAPTUM_RTOL = 1e-5      # raw mean maps vs NoiseTunnel(LayerGradCam), relative to their maximum. Seen 0 (bitwise equal) on both cases
CAPTUM_MAP_TOL = 1e-5   # the upsampled, normalised maps. Seen 0

def _toy():
    "A random-weight CNN with ImageNet normalisation and 64 px images: a coarse 8x8 last map, as in real CNNs."
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
                        nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 5)).eval()
    norm = Normalize(IMAGENET_MEAN, IMAGENET_STD)
    x = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    return net, norm, ['4', '6'], x

def _lite0():
    "EfficientNet-Lite0 with its ImageNet weights on two real photos at 224 px."
    try: root = dataset_path('imagenet50')
    except FileNotFoundError: root = None
    need(root is not None, "ImageNet-50 sample images not found")
    lm = load_model('efficientnet_lite0')
    rows = list(csv.DictReader(open(root/'manifest.csv')))[::25]   # two images, two domains
    x = torch.stack([load_image(root/r['file'], lm.input_size) for r in rows])
    return lm.model, lm.normalize, ['blocks.4', 'bn2'], x

@pytest.fixture(scope='module', params=['toy', 'lite0'])
def case(request):
    model, norm, layers, x = _toy() if request.param == 'toy' else _lite0()
    with torch.no_grad(): t = model(norm(x)).argmax(-1)   # each image's top-1: a random net's maps are rarely constant there
    assert not gradcam(model, norm(x), layers, t).degenerate.any(), "constant maps would make the comparisons vacuous"
    return request.param, model, norm, layers, x, t

def test_aug_smooth_views_equal_pytorch_grad_cam(case):
    "RobustCAM over `aug_smooth_views` is pytorch-grad-cam's `aug_smooth=True`: per layer, the same mean of six normalised maps."
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    which, model, norm, layers, x, t = case
    worst = {}
    for layer in layers:
        ours = ViewFusionExplainer(model, layer, aug_smooth_views(norm.mean), norm, name='aug-smooth')(x, t)
        with GradCAM(model=model, target_layers=[get_module(model, layer)]) as cam:
            ref = torch.from_numpy(cam(input_tensor=norm(x), targets=[ClassifierOutputTarget(int(c)) for c in t], aug_smooth=True))
        assert ours.valid.all(), "flips and brightness see every pixel: every view counts everywhere"
        mean_views = ours.views[:, :, 0].mean(1)                       # before the fused map's renormalisation: pytorch-grad-cam's output itself
        e_mean = (mean_views - ref).abs().max().item()
        e_fused = (ours.maps[:, 0] - normalize_maps(ref)[0]).abs().max().item()
        assert e_mean <= AUG_SMOOTH_TOL and e_fused <= AUG_SMOOTH_TOL, f"{which} {layer}: max |ours - pytorch-grad-cam| {e_mean:.2e} (mean of views), {e_fused:.2e} (fused)"
        same = []   # pytorch-grad-cam's plain Grad-CAM of each of our view images, brought back: its pipeline on our exact inputs
        for v in aug_smooth_views(norm.mean):
            with GradCAM(model=model, target_layers=[get_module(model, layer)]) as cam:
                same.append(v.inv(torch.from_numpy(cam(input_tensor=norm(v.fn(x)), targets=[ClassifierOutputTarget(int(c)) for c in t]))[:, None])[:, 0])
        e_same = (mean_views - torch.stack(same).mean(0)).abs().max().item()
        assert e_same <= SAME_INPUT_TOL, f"{which} {layer}: on the same view images, max |ours - pytorch-grad-cam| {e_same:.2e}"
        worst[layer] = (e_mean, e_fused, e_same)
        assert (ref - torch.from_numpy(GradCAM(model=model, target_layers=[get_module(model, layer)])(input_tensor=norm(x), targets=[ClassifierOutputTarget(int(c)) for c in t]))).abs().max() > 100 * AUG_SMOOTH_TOL, \
            "aug_smooth must differ from plain Grad-CAM, or the comparison is vacuous"
    print(f"\n{which}: max |ours - pytorch-grad-cam aug_smooth| per layer (mean of views, fused, same view images): " + '; '.join(f'{k} {a:.1e}, {b:.1e}, {c:.1e}' for k, (a, b, c) in worst.items()))
    assert count_hooks(model) == 0

def test_pgc_explainer_is_pytorch_grad_cam(case):
    "`PGCAugSmoothExplainer` is pytorch-grad-cam's aug_smooth output, renormalised; it leaves the model as it was, with no hook."
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    which, model, norm, layers, x, t = case
    e = PGCAugSmoothExplainer(model, layers, norm)(x, t)
    assert e.methods == ['aug-smooth-pgc'] * len(layers) and e.layers == layers
    for j, layer in enumerate(layers):
        with GradCAM(model=model, target_layers=[get_module(model, layer)]) as cam:
            ref = torch.from_numpy(cam(input_tensor=norm(x), targets=[ClassifierOutputTarget(int(c)) for c in t], aug_smooth=True))
        torch.testing.assert_close(e.maps[:, j], normalize_maps(ref)[0], rtol=0, atol=1e-6)
    model.train()
    try:
        PGCAugSmoothExplainer(model, layers[-1], norm)(x[:1], t[:1])
        assert model.training and all(m.training for m in model.modules()), "pytorch-grad-cam's model.eval() must be undone"
    finally: model.eval()
    assert count_hooks(model) == 0

def test_smoothgrad_cam_equals_captum_noise_tunnel(case):
    "Noise-averaged Grad-CAM is Captum's NoiseTunnel(LayerGradCam) with nt_type='smoothgrad', given the same noise."
    from captum.attr import LayerGradCam, NoiseTunnel, LayerAttribution
    which, model, norm, layers, x, t = case
    n, std, seed = 6, 0.15, 3
    wrapped = nn.Sequential(norm, model)   # Captum gets the [0,1] images, where our noise is added
    H, W = x.shape[-2:]
    worst_raw, worst_map = 0., 0.
    for layer in layers:
        ours = smoothgrad_cam(model, x, layer, t, n=n, std=std, seed=seed, normalize=norm)
        for i in range(len(x)):
            nt = NoiseTunnel(LayerGradCam(wrapped, get_module(model, layer)))
            run = lambda s: (torch.manual_seed(s), nt.attribute(x[i:i+1], nt_type='smoothgrad', nt_samples=n, stdevs=std, target=int(t[i]), relu_attributions=True))[1][:, 0]
            ref = run(seed)                      # Captum draws from the global generator: seeded alike, the same noise as ours
            scale = ref.abs().max().item()
            assert scale > 0, "Captum's map is all zero: the comparison would be vacuous"
            err = (ours.raw[0][i:i+1] - ref).abs().max().item() / scale
            assert err <= CAPTUM_RTOL, f"{which} {layer} image {i}: raw maps differ by {err:.2e} of their maximum"
            up = normalize_maps(LayerAttribution.interpolate(ref[:, None], (H, W), 'bilinear')[:, 0])[0]
            e_map = (ours.maps[i:i+1, 0] - up).abs().max().item()
            assert e_map <= CAPTUM_MAP_TOL, f"{which} {layer} image {i}: maps differ by {e_map:.2e}"
            other = (ours.raw[0][i:i+1] - run(seed + 1)).abs().max().item() / scale
            assert other > 100 * CAPTUM_RTOL, "other noise must give another map, or the comparison cannot fail"
            worst_raw, worst_map = max(worst_raw, err), max(worst_map, e_map)
    print(f"\n{which}: max |ours - Captum NoiseTunnel(LayerGradCam)|: raw {worst_raw:.1e} of the max, upsampled maps {worst_map:.1e}")
    assert count_hooks(model) == 0

def test_noise_is_captums_draw():
    "The premise of the Captum check, on its own: our noise is the draw NoiseTunnel makes for one image after `torch.manual_seed`."
    x = torch.rand(1, 3, 9, 11)
    torch.manual_seed(7)
    captum_noise = torch.normal(0, torch.tensor(0.2).repeat((5, 3, 9, 11)))   # as in NoiseTunnel._add_noise_to_input
    torch.testing.assert_close(noise_copies(x, 5, 0.2, seed=7) - x, captum_noise, rtol=0, atol=1e-6)

def test_installed_pytorch_grad_cam_has_aug_smooth(monkeypatch):
    "The installed grad-cam passes the check; an older GradCAM signature is refused, naming the version needed."
    import pytorch_grad_cam
    from importlib.metadata import version
    assert check_aug_smooth() is pytorch_grad_cam.GradCAM
    class Old:   # BaseCAM.__call__ of grad-cam 1.0.0 - 1.2.4
        def __call__(self, input_tensor, target_category=None): pass
    monkeypatch.setattr(pytorch_grad_cam, 'GradCAM', Old)
    with pytest.raises(TypeError, match=rf"installed: grad-cam {version('grad-cam')}.*needs grad-cam >= {AUG_SMOOTH_MIN_VERSION}"):
        check_aug_smooth()
