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

@pytest.mark.parametrize('which', ['resnet', 'lite0'])
@pytest.mark.parametrize('attribution,peer', [('gradcam++', 'GradCAMPlusPlus'), ('layercam', 'LayerCAM')])
def test_other_cams_match_pytorch_grad_cam(which, attribution, peer, request):
    "Grad-CAM++ and LayerCAM: our raw maps equal pytorch-grad-cam's weighting of the same activations and gradients,"
    "and the upsampled maps correlate at >= 0.999 with its output (it normalises before resizing, we after)."
    import pytorch_grad_cam
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    lm = request.getfixturevalue(which)
    x, t, _ = _cases(lm)
    r = gradcam(lm.model, x, lm.layers, targets=t, attribution=attribution)
    assert r.degenerate.float().mean() <= 0.5, "mostly degenerate maps would make the comparison vacuous"
    for j, name in enumerate(lm.layers):
        with getattr(pytorch_grad_cam, peer)(model=lm.model, target_layers=[get_module(lm.model, name)]) as cam:
            ref = cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in t])
            a = cam.activations_and_grads.activations[0].numpy(); g = cam.activations_and_grads.gradients[0].numpy()
            raw_ref = np.maximum(cam.get_cam_image(x, None, None, a, g, False), 0)
        torch.testing.assert_close(r.raw[j], torch.from_numpy(raw_ref).float(), rtol=1e-4, atol=1e-4 * float(raw_ref.max()))
        for n in range(len(x)):
            if r.degenerate[n, j]:   # an all-negative weighted sum (e.g. Lite0's blocks.6 has no final activation): zero for both
                assert raw_ref[n].max() == 0 and ref[n].max() < 1e-6; continue
            rho = np.corrcoef(r.maps[n, j].numpy().ravel(), ref[n].ravel())[0, 1]
            assert rho >= 0.999, f"{which} {name} {attribution} image {n}: Pearson r {rho:.5f} < 0.999"
    assert count_hooks(lm.model) == 0

def test_score_targets_match_pytorch_grad_cam_targets(lite0):
    "pytorch-grad-cam's ClassifierOutputTarget objects work as our score targets, with the same maps as class indices."
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    x, t, r = _cases(lite0)
    rs = gradcam(lite0.model, x, lite0.layers, targets=[ClassifierOutputTarget(int(c)) for c in t])
    torch.testing.assert_close(rs.maps, r.maps)

def test_module_objects_named_by_qualified_name(resnet):
    "Two Bottlenecks given as modules keep distinct names; torchvision's shared Bottleneck.relu is refused by name."
    m = resnet.model
    r = gradcam(m, _batch(resnet, 1), [m.layer3[5], m.layer4[2]])
    assert r.layers == ['layer3.5', 'layer4.2']
    with pytest.raises(ValueError, match=r"Layer 'layer4.2.relu' \(3 calls\) ran more than once"):
        gradcam(m, _batch(resnet, 1), 'layer4.2.relu')
    assert count_hooks(m) == 0
