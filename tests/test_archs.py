"Every architecture of load_model explains through gradcam at its default layers (random weights, one image)."
import pytest, torch
from robustcam.core import gradcam, count_hooks
from robustcam.models import ARCHS, load_model

RAW = {'vit_b_16': (14, 14), 'vgg16': None}

@pytest.mark.parametrize('arch', sorted(ARCHS))
def test_gradcam_every_arch(arch):
    torch.manual_seed(0)
    lm = load_model(arch, 'random', num_classes=3)
    s = lm.input_size
    x = lm.normalize(torch.rand(2, 3, s, s))
    r = gradcam(lm.model, x, lm.layers, targets=[0, 2])
    assert r.maps.shape == (2, len(lm.layers), s, s)
    assert torch.isfinite(r.maps).all() and r.maps.min() >= 0 and r.maps.max() <= 1
    if arch == 'vit_b_16': assert all(m.shape[-2:] == (14, 14) for m in r.raw)
    assert count_hooks(lm.model) == 0 and not lm.model.training
