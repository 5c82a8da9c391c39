"RobustCAM with a real pretrained network on real photos: the warps go the right way and the views agree."
import csv, pytest, torch
from conftest import need
from robustcam import RobustCAM, gradcam, load_model
from robustcam.augment import default_views, rotate
from robustcam.data import dataset_path, load_image

def _corr(a, b): return torch.corrcoef(torch.stack([a.flatten(), b.flatten()]))[0, 1].item()

@pytest.fixture(scope='module')
def setup():
    try: root = dataset_path('imagenet50')
    except FileNotFoundError: root = None
    need(root is not None, "ImageNet-50 sample images not found")
    rows = list(csv.DictReader(open(root/'manifest.csv')))[::10]       # one image per domain
    lm = load_model('efficientnet_lite0')
    x = torch.stack([load_image(root/r['file'], lm.input_size) for r in rows])
    return lm, x, RobustCAM(lm.model, ['bn2'], lm.normalize, num_aug=8)(x)

def test_aligned_views_match_their_own_gradcam(setup):
    "The aligned hflip/rotation maps are exactly Grad-CAM of the transformed image, warped back."
    lm, x, res = setup
    views = {v.name: v for v in default_views(8)}
    for i, name in [(1, 'hflip'), (2, 'rotate+15')]:
        v = views[name]
        raw = gradcam(lm.model, lm.normalize(v.fn(x)), ['bn2'], targets=res.targets).maps[:, 0]
        back = v.inv(raw[:, None])[:, 0]
        valid = res.valid[:, i]
        for n in range(len(x)):
            assert _corr(back[n][valid[n]], res.view_maps[n, i, 0][valid[n]]) > 0.999

def test_unwarping_brings_views_closer_to_identity(setup):
    "On real photos the warped-back hflip and rotation maps agree with the identity map better than unwarped ones."
    lm, x, res = setup
    ident = res.view_maps[:, 0, 0]
    for i, undo in [(1, lambda m: m.flip(-1)), (2, lambda m: rotate(m[:, None], 15)[:, 0])]:
        valid = res.valid[:, i]
        aligned = [_corr(ident[n][valid[n]], res.view_maps[n, i, 0][valid[n]]) for n in range(len(x))]
        redone = undo(res.view_maps[:, i, 0])                               # back in the view's frame: misaligned
        misaligned = [_corr(ident[n], redone[n]) for n in range(len(x))]
        print(f"\nview {res.view_names[i]}: mean r aligned {sum(aligned)/len(x):.3f} vs misaligned {sum(misaligned)/len(x):.3f}")
        assert sum(aligned) > sum(misaligned)
        if i == 1: assert sum(aligned) / len(x) > 0.9, "Grad-CAM must follow a flip (it does not with the wrong padding)"

def test_fused_is_closer_to_each_view_than_views_to_each_other(setup):
    "The fused map is a consensus: its mean correlation with the views exceeds the views' mean pairwise correlation."
    lm, x, res = setup
    for n in range(len(x)):
        V = res.view_maps.shape[1]; f = res.fused[n, 0]; m = res.valid[n]
        to_fused = sum(_corr(f[m[v]], res.view_maps[n, v, 0][m[v]]) for v in range(V)) / V
        pairs = [(a, b) for a in range(V) for b in range(a + 1, V)]
        between = sum(_corr(res.view_maps[n, a, 0][m[a] & m[b]], res.view_maps[n, b, 0][m[a] & m[b]]) for a, b in pairs) / len(pairs)
        assert to_fused > between, (n, to_fused, between)
    print(f"\nview agreement (share of views whose top-1 is the identity view's): {res.agreement.tolist()}")
