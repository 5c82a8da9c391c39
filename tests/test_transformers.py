"""Models beyond CNNs: a real timm Swin (NHWC stage outputs) and a torchvision ViT (tokens), random weights, small configs so that
the file runs in seconds on a CPU; robustcam's Grad-CAM equals pytorch-grad-cam's with the same reshape_transform (to 1e-5).
"""
import warnings
import pytest, torch, torch.nn as nn
import timm, torchvision
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from robustcam.core import gradcam, count_hooks
from robustcam.fusion import RobustCAM
from robustcam.attention import AttentionRollout

NHWC = lambda t: t.permute(0, 3, 1, 2)   # Swin stage output (N,h,w,C) -> (N,C,h,w)

def _pgc(model, layer, x, t, reshape):
    with GradCAM(model=model, target_layers=[layer], reshape_transform=reshape) as cam:
        return torch.as_tensor(cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in t]))

@pytest.fixture(scope='module')
def swin():
    torch.manual_seed(0)
    return timm.create_model('swin_tiny_patch4_window7_224', pretrained=False, num_classes=5, embed_dim=24, depths=(1, 1, 1, 1),
                             num_heads=(1, 1, 2, 2), img_size=112, window_size=7).eval()

def test_swin_nhwc(swin):
    x = torch.rand(2, 3, 112, 112, generator=torch.Generator().manual_seed(1)); t = torch.tensor([1, 4])
    ours = gradcam(swin, x, 'layers.3', t, reshape_transform=NHWC).maps[:, 0]
    ref = _pgc(swin, swin.layers[3], x, t, NHWC)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match=r"looks channels-last \(N,h,w,C\).*reshape_transform"):   # without the transform: refused, with the fix named
        gradcam(swin, x, 'layers.3', t)
    r = RobustCAM(swin, ['layers.3'], attribution=GradCAM, reshape_transform=NHWC)(x, t)
    torch.testing.assert_close(r.plain[:, 0], ref, atol=1e-5, rtol=0)
    assert count_hooks(swin) == 0

def test_vit_tokens():
    torch.manual_seed(0)
    vit = torchvision.models.VisionTransformer(image_size=64, patch_size=16, num_layers=3, num_heads=2, hidden_dim=48, mlp_dim=96, num_classes=5).eval()
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(2)); t = torch.tensor([0, 3])
    tokens = lambda a: a[:, 1:].reshape(len(a), 4, 4, a.shape[-1]).permute(0, 3, 1, 2)   # drop the class token, (N,C,4,4)
    layer = 'encoder.layers.encoder_layer_2'
    ours = gradcam(vit, x, layer, t).maps[:, 0]                # tokens (N,1+16,C) read as a 4x4 grid
    ref = _pgc(vit, vit.get_submodule(layer), x, t, tokens)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=0)
    r = RobustCAM(vit, attribution=AttentionRollout(vit))(x, t)
    assert r.fused.shape == (2, 1, 64, 64) and r.attribution == 'rollout' and count_hooks(vit) == 0
