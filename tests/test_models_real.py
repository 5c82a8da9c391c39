"Real weights and real images: EfficientNet-Lite0 on the 50 ImageNet sample images; offline weight errors."
import csv, pytest, torch
from conftest import need
from robustcam.data import dataset_path, load_image
from robustcam.models import load_model, WeightsUnavailable

def test_lite0_imagenet50_top1():
    try: root = dataset_path('imagenet50')
    except FileNotFoundError: root = None
    need(root is not None, f"ImageNet-50 sample images not found")
    rows = list(csv.DictReader(open(root/'manifest.csv')))
    lm = load_model('efficientnet_lite0')
    x = torch.stack([load_image(root/r['file'], lm.input_size) for r in rows])
    with torch.no_grad(): pred = lm.model(lm.normalize(x)).argmax(1)
    y = torch.tensor([int(r['class_index']) for r in rows])
    acc = (pred == y).float().mean().item()
    print(f"\nEfficientNet-Lite0 top-1 on {len(rows)} ImageNet sample images: {acc:.2%}")
    assert len(rows) == 50 and acc >= 0.70, acc

def test_imagenet_weights_offline_error(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    monkeypatch.setattr('torch.hub._hub_dir', None, raising=False)
    with pytest.raises(WeightsUnavailable) as e: load_model('resnet50', 'imagenet')
    msg = str(e.value)
    assert 'resnet50-0676ba61.pth' in msg and str(tmp_path) in msg and "weights='/path/to/" in msg
