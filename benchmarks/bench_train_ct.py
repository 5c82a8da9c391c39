"""Training-cost benchmark for 20_train_ct: caching the frozen backbone's features vs running it every epoch.

  cached / uncached_epoch   time(one caching pass over all images + `epochs` head epochs on the cached features)
                            / time(one uncached training epoch: every training image through the frozen backbone,
                            the head's forward, backward and Adam step, then the validation pass the protocol runs
                            each epoch to pick the best one). Goal <= 2.
  cached / uncached_train   the same against the training pass alone (no validation pass), the stricter reading.
Rounds alternate the two, so each ratio compares runs made at the same moment (see _timing.py).
Usage: python benchmarks/bench_train_ct.py [--arch efficientnet_lite0] [--epochs 25] [--rounds 1] [--limit N]
"""
import argparse, statistics, time
import torch, torch.nn as nn
from robustcam.ct_data import ct_split, class_weights, CTImages
from robustcam.train import frozen_backbone, cache_features, train_head

def uncached_epoch(bb, split, w, bs, val=True):
    "One training epoch that runs the frozen backbone on every batch (and the validation pass); seconds per part."
    torch.manual_seed(0)
    head = nn.Linear(bb.in_features, len(w)); opt = torch.optim.Adam(head.parameters(), lr=1e-3); loss = nn.CrossEntropyLoss(weight=w)
    dl = lambda s, shuffle: torch.utils.data.DataLoader(CTImages(split.root, split.rows(s), bb.input_size), batch_size=bs, shuffle=shuffle)
    t0 = time.perf_counter()
    for x, y in dl('train', True):
        with torch.no_grad(): f = bb(x)
        opt.zero_grad(); loss(head(f), y).backward(); opt.step()
    t1 = time.perf_counter()
    if val:
        with torch.no_grad(): torch.cat([(head(bb(x)).argmax(1) == y) for x, y in dl('val', False)]).float().mean()
    return t1 - t0, time.perf_counter() - t1

def cached(bb, split, w, bs, epochs):
    "The caching pass and the head's epochs on the cached features; seconds per part."
    cache = cache_features(bb, split, bs=bs)
    trained = train_head(cache, w, epochs=epochs, bs=bs, progress=False)
    return cache.seconds, trained.seconds

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--arch', default='efficientnet_lite0'); ap.add_argument('--epochs', type=int, default=25)
    ap.add_argument('--rounds', type=int, default=1); ap.add_argument('--bs', type=int, default=32); ap.add_argument('--limit', type=int, default=None)
    a = ap.parse_args()
    split = ct_split(limit=a.limit)
    w = class_weights(split.rows('train').label)
    bb = frozen_backbone(a.arch, 'imagenet' if a.arch.startswith('efficientnet_lite') else 'random')
    with torch.no_grad(): bb(torch.rand(2, 3, bb.input_size, bb.input_size))  # warm-up
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {a.arch}; { {k: int(v) for k, v in split.df.split.value_counts().items()} } images; {a.epochs} epochs")
    r_full, r_train = [], []
    for i in range(a.rounds):
        tr, va = uncached_epoch(bb, split, w, a.bs)
        ca, fi = cached(bb, split, w, a.bs, a.epochs)
        r_full.append((ca + fi) / (tr + va)); r_train.append((ca + fi) / tr)
        print(f"round {i+1}: uncached epoch {tr:.1f}s train + {va:.1f}s validation; cached: features {ca:.1f}s + {a.epochs} epochs {fi:.1f}s")
    print(f"cached / uncached_epoch {statistics.median(r_full):.2f} (goal <= 2)   cached / uncached_train {statistics.median(r_train):.2f}")
