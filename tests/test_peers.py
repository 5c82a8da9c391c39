"Our Grad-CAM against Captum's LayerGradCam and pytorch-grad-cam's GradCAM, on real architectures."
import numpy as np, pytest, torch
from robustcam.core import gradcam, get_module, count_hooks
from robustcam.models import load_model

def _batch(lm, n=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return lm.normalize(torch.rand(n, 3, lm.input_size, lm.input_size, generator=g))

@pytest.fixture(scope='module')
def lite0(): return load_model('efficientnet_lite0')          # real ImageNet weights, offline

@pytest.fixture(scope='module')
def resnet():
    torch.manual_seed(0)
    return load_model('resnet50', 'random')

def _cases(lm):
    "A batch, its targets and our result. A random-weight ResNet's maps for arbitrary classes are mostly all-negative"
    "(degenerate), so it is explained for its own top class; the real Lite0 for fixed classes."
    x = _batch(lm)
    t = torch.tensor([1, 281, 999]) if lm.weights == 'imagenet' else None
    r = gradcam(lm.model, x, lm.layers, targets=t)
    assert not r.degenerate.any(), "degenerate maps would make the comparison vacuous"
    return x, r.targets, r

@pytest.mark.parametrize('which', ['resnet', 'lite0'])
def test_raw_maps_equal_captum(which, request):
    from captum.attr import LayerGradCam
    lm = request.getfixturevalue(which)
    x, t, r = _cases(lm)
    for j, name in enumerate(lm.layers):
        ref = LayerGradCam(lm.model, get_module(lm.model, name)).attribute(x, target=t, relu_attributions=True)[:, 0]
        ours = r.raw[j]
        assert ref.abs().max() > 0, f"{name}: Captum map is all zero, the comparison would be vacuous"
        torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-4 * ref.abs().max().item())
    assert count_hooks(lm.model) == 0

@pytest.mark.parametrize('which', ['resnet', 'lite0'])
def test_upsampled_maps_match_pytorch_grad_cam(which, request):
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    lm = request.getfixturevalue(which)
    x, t, r = _cases(lm)
    worst_r, worst_abs = 1., 0.
    for j, name in enumerate(lm.layers):
        with GradCAM(model=lm.model, target_layers=[get_module(lm.model, name)]) as cam:
            ref = cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in t])
        for n in range(len(x)):
            a, b = r.maps[n, j].numpy().ravel(), ref[n].ravel()
            rho = np.corrcoef(a, b)[0, 1]
            worst_r, worst_abs = min(worst_r, rho), max(worst_abs, np.abs(a - b).max())
            assert rho >= 0.999, f"{which} {name} image {n}: Pearson r {rho:.5f} < 0.999"
    print(f"\n{which}: min Pearson r {worst_r:.7f}, max |ours - pytorch-grad-cam| {worst_abs:.2e}")

def test_model_restored_after_peer_style_use(resnet):
    m = resnet.model.train()
    flags = [p.requires_grad for p in m.parameters()]
    gradcam(m, _batch(resnet, 1), resnet.layers)
    assert m.training and flags == [p.requires_grad for p in m.parameters()] and count_hooks(m) == 0
    m.eval()
