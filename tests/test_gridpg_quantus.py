"""robustcam.gridpg's scorers against Quantus 0.6 on the same maps: `gridpg_score` == `RelevanceMassAccuracy` and
`pointing_hit` == `PointingGame`, with the right tile as Quantus's segmentation mask (`s_batch`).

Maps: Grad-CAM of the real EfficientNet-Lite0 at its three default layers on 2x2 grids of 224 px (realistic maps, with
ReLU zeros and, at the 7x7 deepest layer, plateaus of tied maxima from the bilinear upsampling), and the same maps with a
tiny continuous perturbation that makes every maximum unique. Where the maximum is unique the two pointing games are
equal; with ties ours gives the share of the maximal pixels inside the tile (the expected hit of a random tie-break) and
Quantus a hit if any maximum is inside, so ours > 0 exactly where Quantus says hit. An all-zero map (Grad-CAM's ReLU left
nothing) is NaN for Quantus's RelevanceMassAccuracy (0/0) and chance, 1/n^2, for ours.
"""
import warnings
import numpy as np, pytest, torch, torch.nn as nn
from conftest import need
from robustcam.core import gradcam
from robustcam.models import load_model
from robustcam.gridpg import gridpg_score, pointing_hit, energy_pointing_game, assemble

try: import quantus
except ImportError: quantus = None

@pytest.fixture(scope='module')
def q():
    need(quantus is not None, "quantus is not installed (pip install quantus)")
    warnings.filterwarnings('ignore', module='quantus')
    return quantus

@pytest.fixture(scope='module')
def case():
    "Two 2x2 grids of random 112 px tiles, Lite0's Grad-CAM of 4 classes each (one per tile as the target), 3 layers."
    lm = load_model('efficientnet_lite0')
    g = torch.Generator().manual_seed(0)
    x = assemble(torch.rand(2, 4, 3, 112, 112, generator=g), 2)             # (2,3,224,224)
    xp = x.repeat_interleave(4, 0)                                            # (8,...): every tile of every grid
    tiles = torch.arange(4).repeat(2)
    r = gradcam(lm.model, lm.normalize(xp), lm.layers, targets=torch.tensor([1, 281, 409, 530, 948, 17, 2, 888]))
    return lm, xp, tiles, r.maps                                              # maps (8,3,224,224) in [0,1]

def _masks(tiles, S=224, n=2):
    s = S // n; m = np.zeros((len(tiles), 1, S, S), dtype=np.float32)
    for i, t in enumerate(tiles.tolist()): r, c = divmod(t, n); m[i, 0, r*s:(r+1)*s, c*s:(c+1)*s] = 1
    return m

def _quantus(q, metric, lm, x, a, s):
    model = nn.Sequential(lm.normalize, lm.model).eval()
    return np.asarray(metric(model=model, x_batch=x.numpy(), y_batch=np.zeros(len(x), dtype=int), a_batch=a[:, None].numpy(), s_batch=s, device='cpu'), dtype=np.float64)

@pytest.mark.parametrize('jitter', [False, True])
def test_gridpg_is_relevance_mass_accuracy(q, case, jitter):
    lm, x, tiles, maps = case
    s = _masks(tiles)
    for l in range(maps.shape[1]):
        a = maps[:, l] + (1e-4 * torch.rand(maps[:, l].shape, generator=torch.Generator().manual_seed(l)) if jitter else 0)
        ours = gridpg_score(a, tiles, 2).double().numpy()
        theirs = _quantus(q, q.RelevanceMassAccuracy(disable_warnings=True), lm, x, a, s)
        empty = (a.amax((-2, -1)) <= 0).numpy()   # Grad-CAM's ReLU left nothing: Quantus divides 0 by 0, ours reads it as uniform (chance)
        np.testing.assert_allclose(ours[~empty], theirs[~empty], atol=1e-5)
        assert np.isnan(theirs[empty]).all() and (ours[empty] == 0.25).all()
        np.testing.assert_allclose(energy_pointing_game(a, tiles, 2).numpy(), ours, atol=1e-5) if not jitter else None   # min 0: energy = GridPG
    assert np.ptp(ours) > 0.05, "the maps localise differently: the comparison is not between constants"

def test_pointing_hit_is_pointing_game(q, case):
    lm, x, tiles, maps = case
    s = _masks(tiles)
    n_tied = 0
    for l in range(maps.shape[1]):
        for jitter in (False, True):
            a = maps[:, l] + (1e-4 * torch.rand(maps[:, l].shape, generator=torch.Generator().manual_seed(10 + l)) if jitter else 0)
            ours = pointing_hit(a, tiles, 2).double().numpy()
            theirs = _quantus(q, q.PointingGame(disable_warnings=True), lm, x, a, s)
            unique = ((a == a.amax((-2, -1), keepdim=True)).sum((-2, -1)) == 1).numpy()
            np.testing.assert_array_equal(ours > 0, theirs > 0)
            np.testing.assert_array_equal(ours[unique], theirs[unique])
            if jitter: assert unique.all()
            n_tied += int((~unique).sum())
            assert 0 < theirs.sum() < len(theirs), "hits and misses both occur"
    print(f"{n_tied} maps with tied maxima (bilinear plateaus) among {2 * maps.shape[1] * len(maps)}")
