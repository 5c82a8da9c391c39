"""How many LIME samples? Seed-to-seed agreement of LIME's superpixel weights against num_samples, on real CT slices.

A LIME run with n samples uses the first n rows of lime's random design (drawn row by row from RandomState(seed)), so
the runs for every n <= N come from one N-sample run per seed: the model is called N times per seed and image.
Printed: for each n, the mean over images of the Spearman rho between the weights of seed 0 and seed 1 and the
overlap of their top-5 superpixels. Usage: python benchmarks/lime_convergence.py [--max 1000] [--images 2]
"""
import argparse
import numpy as np, scipy.stats, sklearn.metrics, torch
from robustcam.checkpoints import load_checkpoint
from robustcam.ct_data import load_ct, read_split
from robustcam.data import dataset_path
from robustcam.lime import LimeExplainer, _FastLime

def weights_by_n(lx, img, target, N, seed, ns):
    im = img.permute(1, 2, 0).double().numpy(); seg = lx.segment(im)
    fl = _FastLime(kernel_width=lx.kernel_width, feature_selection='none', random_state=seed)
    fud = im.copy()
    for s in np.unique(seg): fud[seg == s] = im[seg == s].mean(0)
    with torch.inference_mode(): data, labels = fl.data_labels(im, fud, seg, lx._probs, N, batch_size=lx.batch_size)
    out = {}
    for n in ns:
        d = sklearn.metrics.pairwise_distances(data[:n], data[:1], metric='cosine').ravel()
        _, exp, _, _ = fl.base.explain_instance_with_data(data[:n], labels[:n], d, target, seg.max() + 1, feature_selection='none')
        w = np.zeros(seg.max() + 1)
        for f, v in exp: w[f] = v
        out[n] = w
    return out

def main(N, n_images):
    ct = load_checkpoint('results/checkpoints/efficientnet_lite0_iqothnccd.pth')
    root, size, fit = dataset_path('iqothnccd'), ct.checkpoint['input_size'], ct.checkpoint['fit']
    split = read_split(); test = split[split.split == 'test'].groupby('label').head(1).head(n_images)
    ns = [n for n in (50, 100, 250, 500, 1000, 2000) if n <= N]
    lx = LimeExplainer(ct.model, ct.normalize)
    res = {n: [] for n in ns}
    for _, r in test.iterrows():
        img = load_ct(root/r.path, size, fit)
        a, b = (weights_by_n(lx, img, int(r.label), N, s, ns) for s in (0, 1))
        for n in ns:
            top = len(set(np.argsort(-a[n])[:5]) & set(np.argsort(-b[n])[:5])) / 5
            res[n].append((scipy.stats.spearmanr(a[n], b[n])[0], top))
    for n in ns:
        v = np.array(res[n]); print(f"num_samples={n:5d}: seed-to-seed Spearman {v[:, 0].mean():.3f}, top-5 overlap {v[:, 1].mean():.2f}  ({len(v)} images)")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--max', type=int, default=1000); p.add_argument('--images', type=int, default=2)
    a = p.parse_args(); main(a.max, a.images)
