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

md("## Abstract")
code("""
if not SUMS: show(R.placeholder('imagenet_stability_<arch>_summary.csv', 'make reproduce (nbs/10_exp_imagenet.ipynb)'))
else:
    s = SUMS[0]; df = R.load(s); deep = df.layer.unique()[-1]
    w = dict(layer=deep, method='robustcam-mean')
    text = (f"Grad-CAM heatmaps move when the input is flipped, rotated or slightly perturbed. RobustCAM explains "
            f"several semantic-preserving views of each image, warps the geometric views' maps back to the original frame, "
            f"fuses them pixel by pixel and reports the cross-view standard deviation as an uncertainty map. "
            f"On {R.v(s, dict(layer=deep, method='gradcam', measure='Var'), 'n_images', 'd')} ImageNet images and "
            f"{R.v(s, dict(layer=deep, method='gradcam', measure='Var'), 'arch')}, at the deepest layer "
            f"({R.v(s, dict(layer=deep, method='gradcam', measure='Var'), 'layer')}), mean fusion lowers the per-pixel variance "
            f"under perturbation by {R.v(s, {**w, 'measure': 'Var'}, 'rel_improvement', '.0%')} and raises the top-k IoU by "
            f"{R.v(s, {**w, 'measure': 'IoU_k'}, 'rel_improvement', '.0%')} and the Spearman rank correlation by "
            f"{R.v(s, {**w, 'measure': 'Spear'}, 'rel_improvement', '.0%')} relative to plain Grad-CAM.")
    a = 'architecture_comparison.csv'
    if R.has(a):
        t = R.load(a)
        for i, r in t.iterrows():
            text += (f" On IQ-OTH/NCCD lung CT ({R.v(a, dict(arch=r.arch, split=r.split), 'split')} split), a frozen "
                     f"{R.v(a, dict(arch=r.arch, split=r.split), 'arch')} backbone with a new three-class head reaches a test "
                     f"accuracy of {R.v(a, dict(arch=r.arch, split=r.split), 'test_acc')}.")
    md(text)
""")

md("""
## Method

For an image $x$ and a class $c$, Grad-CAM [Selvaraju et al.](#ref-selvaraju) weights the activation maps $A^k$ of a
layer by the spatially pooled gradients of the class score, $S = \\mathrm{ReLU}\\left(\\sum_k \\alpha_k A^k\\right)$ with
$\\alpha_k = \\frac{1}{Z}\\sum_{i,j} \\frac{\\partial y^c}{\\partial A^k_{ij}}$. RobustCAM computes $S_v$ on each view $v$
of a suite $V$ (identity, horizontal flip, a small rotation, colour jitter, Gaussian blur, greyscale), warps the
geometric views back with the exact inverse transform, and keeps, per pixel $p$, the views $V_p$ that saw it. The fused map is

$$\\bar S(p) = \\frac{1}{|V_p|} \\sum_{v \\in V_p} S_v(p)$$

(or the median over $V_p$), and the uncertainty is the cross-view standard deviation
$U(p) = \\sqrt{\\frac{1}{|V_p|}\\sum_{v \\in V_p} \\left(S_v(p) - \\bar S(p)\\right)^2}$.

Stability is measured by perturbing each image with seeded random affine warps, brightness changes and noise
(deliberately not the suite's own views), explaining every perturbed copy for the class predicted on the original,
warping the maps back and measuring the mean per-pixel variance (Var, lower is better), the mean pairwise top-k
IoU (IoU_k) and the mean pairwise Spearman rank correlation (Spear). Paired tests across images (Wilcoxon, paired
t, Cohen's d, bootstrap intervals) are Holm-corrected over each table. The CT experiment adds the faithfulness and
stability metrics of the original report, LIME [Ribeiro et al.](#ref-ribeiro) and SHAP [Lundberg and Lee](#ref-lundberg),
a pixel-wise vote of the three methods, and the cascading-randomisation sanity check of [Adebayo et al.](#ref-adebayo);
the metrics are cross-checked against Quantus [Hedström et al.](#ref-hedstrom).
""")

md("## Experiment 1: stability on ImageNet")
code("""
if not SUMS: show(R.placeholder('imagenet_stability_<arch>_summary.csv', 'make reproduce (nbs/10_exp_imagenet.ipynb)'))
for s in SUMS:
    df = R.load(s); layers = list(df.layer.unique()); deep = layers[-1]
    g = dict(layer=deep, method='gradcam', measure='Var')
    md(f"**Setup.** {R.v(s, g, 'n_images', 'd')} images from the curated ImageNet subset, pretrained "
       f"{R.v(s, g, 'arch')} without fine-tuning, Grad-CAM at the layers "
       + words(R.v(s, dict(layer=l, method='gradcam', measure='Var'), 'layer') for l in layers)
       + f" (shallow to deep). Every paired comparison is over the same {R.v(s, g, 'n', 'd')} images.")
    show(R.table(s, cols=['layer', 'method', 'measure', 'mean', 'std', 'rel_improvement', 'cohens_d', 'ci_low', 'ci_high', 'p_wilcoxon_holm'],
                 rename={'rel_improvement': 'rel. improvement', 'cohens_d': "Cohen's d", 'ci_low': 'CI low', 'ci_high': 'CI high', 'p_wilcoxon_holm': 'p (Wilcoxon, Holm)'},
                 fmt={'mean': '.4f', 'std': '.4f', 'rel_improvement': '.1%', 'cohens_d': '.2f', 'ci_low': '.4f', 'ci_high': '.4f', 'p_wilcoxon_holm': '.1e'},
                 caption='Stability under perturbation, mean and standard deviation across images; paired comparison with Grad-CAM.'))
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
code("""
if ARCH:
    show(R.fig(f'imagenet_{ARCH}_depth.png', 'Stability across depth.', width=760))
    show(R.fig(f'imagenet_{ARCH}_*.png', 'Per domain: the image, Grad-CAM, RobustCAM (mean, median) and the uncertainty, at the deepest layer.'))
""")

md("## Experiment 2: lung CT (IQ-OTH/NCCD)")
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
for s in CT: show(R.table(s, caption=f'<code>{s}</code>'))
show(R.fig('ct_*.png', 'Leakage audit.', how='the leakage audit, nbs/15_audit_ct.ipynb'))
""")
md("### Training")
code("""
a = 'architecture_comparison.csv'
show(R.table(a, cols=['arch', 'split', 'weights', 'val_acc', 'test_acc', 'test_weighted_f1', 'best_epoch', 'epochs', 'n_train', 'n_val', 'n_test'],
             rename={'val_acc': 'val acc', 'test_acc': 'test acc', 'test_weighted_f1': 'test weighted F1', 'best_epoch': 'best epoch'},
             caption='Frozen backbone and a new head: one row per architecture and split.', how='make reproduce (nbs/20_train_ct.ipynb)'))
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
show(R.table('classification_report.csv', caption='Per-class precision, recall and F1 on the test split.', how='make reproduce (nbs/20_train_ct.ipynb)'))
show(R.fig('training/*.png', 'Training curves and test confusion matrices.', how='make reproduce (nbs/20_train_ct.ipynb)'))
""")

md("### Explanations: the nine-metric table, method agreement and sanity checks")
code("""
TAGS = [s[len('metrics_table_'):-len('.csv')] for s in R.glob('metrics_table_*.csv')]
for t in ['test', 'test_grouped']:   # the two committed runs (slice and grouped split); a missing one says how to make it
    if t not in TAGS:
        show(R.placeholder(f'metrics_table_{t}.csv', 'make reproduce (nbs/30_eval_ct.ipynb' + (' -p split grouped)' if 'grouped' in t else ')')))
for tag in TAGS:
    md(f"#### Evaluation `{tag}`")
    s = f'metrics_table_{tag}.csv'; t = R.load(s)
    keep = [c for c in ['family', 'layer', 'method', 'measure', 'mean', 'std', 'n', 'ci_low', 'ci_high', 'rel_improvement', 'p_wilcoxon_holm'] if c in t.columns]
    show(R.table(s, cols=keep or None, fmt={'mean': '.3f', 'std': '.3f', 'ci_low': '.3f', 'ci_high': '.3f', 'rel_improvement': '.1%', 'p_wilcoxon_holm': '.1e'},
                 caption='Nine metrics per method (mean, standard deviation, interval; paired comparison with Grad-CAM).'))
    for name, cap in [('eval_ct_agreement', 'Agreement between methods (top-k overlap of their maps).'),
                      ('eval_ct_sanity', 'Sanity checks: similarity of each map to the map of a progressively randomised model.'),
                      ('eval_ct_report', "The original report's tables beside ours.")]:
        show(R.table(f'{name}_{tag}.csv', caption=cap, how='make reproduce (nbs/30_eval_ct.ipynb)'))
    c = f'eval_ct_claims_{tag}.csv'
    if R.has(c):
        ct = R.load(c); tc = [x for x in ct.columns if x in ('claim', 'report', 'here', 'verdict')]
        md("**Beside the report.** " + ' '.join(
            f"{R.v(c, {'claim': r['claim']}, 'claim')}: the report says {R.v(c, {'claim': r['claim']}, 'report')}; here, "
            f"{R.v(c, {'claim': r['claim']}, 'here')} ({R.v(c, {'claim': r['claim']}, 'verdict')})." for _, r in ct.iterrows())
            if set(tc) == {'claim', 'report', 'here', 'verdict'} else '')
        if set(tc) != {'claim', 'report', 'here', 'verdict'}: show(R.table(c))
    else: show(R.placeholder(c, 'make reproduce (nbs/30_eval_ct.ipynb)'))
show(R.fig('quantitative/*_metrics_*.png', 'Each metric by method, with bootstrap confidence intervals.', how='make reproduce (nbs/30_eval_ct.ipynb)'))
show(R.fig('quantitative/*_sanity_*.png', "Sanity checks: similarity to the trained model's map as the model is randomised, cascading and block by block.", how='make reproduce (nbs/30_eval_ct.ipynb)'))
show(R.fig('qualitative/*.png', 'Grad-CAM, RobustCAM, LIME, SHAP and the vote on CT slices.', how='make reproduce (nbs/30_eval_ct.ipynb)'))
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
    show(RG.table(gr, caption="The original report's tables beside the GPU run's.", how='python benchmarks/gpu_eval_ct.py on a GPU machine'))
    if RG.has(gc):
        ct = RG.load(gc)
        md("**Beside the report, on every test slice.** " + ' '.join(
            f"{RG.v(gc, {'claim': r['claim']}, 'claim')}: here, {RG.v(gc, {'claim': r['claim']}, 'here')} ({RG.v(gc, {'claim': r['claim']}, 'verdict')})."
            for _, r in ct.iterrows()))
""")

md("""
## Limitations

Only the EfficientNet-Lite family has pretrained weights offline, so the report's VGG16, ResNet, DenseNet,
EfficientNet-B0 and ViT runs are not repeated here, and comparisons across architectures are about direction, not
size. The perturbation protocol is ours (the report does not define its own), so absolute variances do not compare.
IQ-OTH/NCCD has no pixel masks of the lesions: localisation is measured against segmented lung fields. LIME and
SHAP run on a class-stratified subset of the test slices in the CPU runs because of their cost there; only the
slice split has the GPU run of every method on every test slice, and no run repeats LIME's and SHAP's sampling
with other seeds. Pseudo-patients are inferred from image similarity, not from patient identifiers.
""")

md("## Appendix: the other tables and figures")
code("""
used = set(R._cache)
rest = [s for s in R.glob('*.csv') + R.glob('*/*.csv') if s not in used]
if rest:
    md("Tables not shown above (per-image rows and run logs), with their sizes: " + '; '.join(
        f"`{s}` ({R.v(s, None, agg='count', fmt='d')} rows)" for s in rest) + '.')
for f in R.other_figs(): show(R.fig(f, ''))
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
</ol>
""")

for i, c in enumerate(cells): c['id'] = f'cell-{i:02d}'   # stable ids: a rebuild changes only what its text changed
nb = nbformat.v4.new_notebook(cells=cells, metadata={
    'title': 'RobustCAM: Grad-CAM fused over semantic-preserving views',
    'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}})
if __name__ == '__main__':
    nbformat.write(nb, ROOT/'papers'/'paper.ipynb')
    print(f"wrote {ROOT/'papers'/'paper.ipynb'}: {len(cells)} cells")
