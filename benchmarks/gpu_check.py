"""GPU check (run by hand where a CUDA device exists): gradcam and RobustCAM give the same maps on CUDA as on the CPU,
keep every tensor on the input's device, and their cost ratios on the GPU.
Usage: PYTHONPATH=. python benchmarks/gpu_check.py"""
import time, statistics, torch
from robustcam.core import gradcam
from robustcam.fusion import RobustCAM
from robustcam.models import load_model

assert torch.cuda.is_available(), "no CUDA device"
dev = torch.device('cuda')
torch.backends.cudnn.deterministic = True; torch.backends.cuda.matmul.allow_tf32 = False; torch.backends.cudnn.allow_tf32 = False
for arch in ['resnet50', 'efficientnet_lite0', 'vit_b_16']:
    torch.manual_seed(0)
    lm = load_model(arch, 'random')
    x = torch.rand(4, 3, lm.input_size, lm.input_size, generator=torch.Generator().manual_seed(0))
    r_cpu = gradcam(lm.model, lm.normalize(x), lm.layers)
    rc_cpu = RobustCAM(lm.model, lm.layers, lm.normalize)(x, targets=r_cpu.targets)
    m, norm = lm.model.to(dev), lm.normalize.to(dev)
    r = gradcam(m, norm(x.to(dev)), lm.layers)
    rc = RobustCAM(m, lm.layers, norm)(x.to(dev), targets=r.targets)
    assert r.maps.device.type == rc.fused.device.type == rc.uncertainty.device.type == rc.valid.device.type == 'cuda'
    assert torch.equal(r.targets.cpu(), r_cpu.targets)
    d1 = (r.maps.cpu() - r_cpu.maps).abs().max().item(); d2 = (rc.fused.cpu() - rc_cpu.fused).abs().max().item()
    d3 = (rc.uncertainty.cpu() - rc_cpu.uncertainty).abs().max().item()
    # timing: RobustCAM (1 image, 6 views) vs plain fwd+bwd of 6, on the GPU
    x6 = norm(torch.rand(6, 3, lm.input_size, lm.input_size, device=dev)); t6 = torch.zeros(6, dtype=torch.long, device=dev)
    rcm = RobustCAM(m, lm.layers, norm); one = x[:1].to(dev)
    def plain(): m.zero_grad(set_to_none=True); m(x6).gather(1, t6[:, None]).sum().backward()
    def robust(): rcm(one, targets=[0])
    ts = {'plain': [], 'rc': []}
    for f in (plain, robust): f(); f()
    for _ in range(20):
        for k, f in (('plain', plain), ('rc', robust)):
            torch.cuda.synchronize(); t0 = time.perf_counter(); f(); torch.cuda.synchronize(); ts[k].append(time.perf_counter() - t0)
    ratio = statistics.median(a / b for a, b in zip(ts['rc'], ts['plain']))
    print(f"{arch:>18}: max |cuda-cpu| gradcam {d1:.2e}, fused {d2:.2e}, uncertainty {d3:.2e}; "
          f"GPU plain6 {statistics.median(ts['plain'])*1e3:.1f} ms, RobustCAM(1 img, 6 views) {statistics.median(ts['rc'])*1e3:.1f} ms, ratio {ratio:.2f}")
    m.cpu()
print(torch.cuda.get_device_name(), torch.__version__)
