"""Scans through `robustcam explain`: pydicom's and nibabel's test files, no patient data in any output, MONAI's CAMs as an
oracle, and DICOM copies of IQ-OTH/NCCD slices explained like their JPEGs."""
import contextlib, io, json, shutil, zipfile
from pathlib import Path
import numpy as np, pytest, torch
from robustcam.cli import main
from robustcam.outputs import COLUMNS, CSVLog
from robustcam.medical import ANNEX_E_TAGS, grey_to_dicom
from robustcam.data import PROJECT_ROOT, dataset_path

pydicom = pytest.importorskip('pydicom')
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

def _run(args):
    with contextlib.redirect_stdout(io.StringIO()) as o, contextlib.redirect_stderr(io.StringIO()) as e: code = main(args)
    return code, o.getvalue(), e.getvalue()

# identifying values planted in every file (PS3.15 Annex E attributes), in the folder's name and in the files' names
PHI = dict(PatientName='Qorvath^Ilsabet', PatientID='PID8675309X', PatientBirthDate='19230417', PatientAddress='42 Wallowby Lane Frimston',
           InstitutionName='Saint Quxley Infirmary', InstitutionAddress='7 Vellamy Road Dunmarrow', AccessionNumber='ACC77123Z',
           ReferringPhysicianName='Morbane^Theodric', OtherPatientIDs='OPID4477Z', PatientTelephoneNumbers='5550199342',
           StudyID='STUDY99231Z', StudyDescription='Thorax Qorvath followup', OperatorsName='Yarrowby^Penelt', StationName='SCANNERZ81Q')
OTHER = dict(PatientName='Brightwater^Osmund', PatientID='PID1122334Y')   # a second patient in the same folder

def _plant(src, dst, phi, n):
    ds = pydicom.dcmread(src, force=True)
    for k, v in phi.items(): setattr(ds, k, v)
    ds.SOPInstanceUID = generate_uid(entropy_srcs=[str(dst), 'sop'])   # UIDs are Annex E attributes too: checked below
    if hasattr(ds, 'file_meta'): ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[phi['PatientID'], Path(src).stem[:6], 'series'])
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[phi['PatientID'], 'study'])
    ds.save_as(dst)
    return [str(ds.SOPInstanceUID), str(ds.SeriesInstanceUID), str(ds.StudyInstanceUID)]

def _needles(phi, uids)->list:
    out = set(uids)
    for v in phi.values():
        out |= {v, v.replace('^', ' '), *v.split('^')}
    return sorted(x.encode() for x in out if len(x) >= 6)

def _bytes_of(folder:Path):
    "Every file of a folder as bytes; the members of `.npz` (zip) files decompressed too."
    for f in sorted(p for p in folder.rglob('*') if p.is_file()):
        b = f.read_bytes(); yield f, b
        if zipfile.is_zipfile(f):
            with zipfile.ZipFile(f) as z:
                for m in z.namelist(): yield f/m, z.read(m)

@pytest.fixture(scope='module')
def dicom_run(tmp_path_factory):
    "pydicom's test files (CT, MR plain/RLE/JPEG-LS/big-endian, RGB multi-frame, truncated, SR, RT plan), two patients, patient data planted, and nibabel's volumes; explained once."
    d = tmp_path_factory.mktemp('scans'); src = d/f"{PHI['PatientName']} {PHI['PatientID']}"; src.mkdir()
    files = {'CT_small.dcm': '.dcm', 'MR_small.dcm': '.dcm', 'MR_small_RLE.dcm': '.dcm', 'MR_small_jpeg_ls_lossless.dcm': '', 'MR_small_bigendian.dcm': '.dcm',
             'SC_rgb_rle_2frame.dcm': '.dcm', 'MR_truncated.dcm': '.dcm', 'reportsi.dcm': '.dcm', 'rtplan.dcm': '.dcm'}
    uids = []
    for i, (n, ext) in enumerate(files.items()):   # file names carry the patient's name and ID; one has no extension (found by its preamble)
        uids += _plant(get_testdata_file(n), src/f"{PHI['PatientName']}_{PHI['PatientID']}_{i}{ext}", PHI, i)
    uids += _plant(get_testdata_file('CT_small.dcm'), src/f"{OTHER['PatientName']}.dcm", {**PHI, **OTHER}, 99)
    from nibabel.testing import data_path
    shutil.copy(Path(data_path)/'anatomical.nii', src/'anatomical.nii'); shutil.copy(Path(data_path)/'example4d.nii.gz', src/'example4d.nii.gz')
    out = d/'out'
    code, so, se = _run(['explain', str(src), '--out', str(out), '--no-progress', '--slices', '12:13', '--view-batch', '24'])
    return dict(out=out, code=code, stdout=so, stderr=se, uids=uids)

def test_dicom_folder_explains_every_readable_slice(dicom_run):
    out = dicom_run['out']
    assert dicom_run['code'] == 1, dicom_run['stderr']   # 1: some inputs failed, the others explained
    rows = CSVLog(out/'summary.csv', COLUMNS).rows()
    got = sorted((r['window'], r['slice']) for r in rows)
    # CT x2 (two patients, two series), MR plain/RLE/JPEG-LS/big-endian (one series of 5 with the truncated file), RGB 2 frames, one NIfTI slice
    assert len(rows) == 9, got
    assert sum(r['window'] == 'W1500 L-600 (lung)' for r in rows) == 2                     # CT: the lung window by default
    assert sum(r['window'] == 'W1600 L600 (file tags)' for r in rows) == 4                 # MR: the file's own window
    assert sum(r['window'] == 'none (colour)' for r in rows) == 2                           # RGB read as it is, a slice per frame
    nii = [r for r in rows if r['series'] == 'nifti anatomical']
    assert [(r['slice'], r['image']) for r in nii] == [('axial 12', f"anatomical-axial-0012-{nii[0]['image'].rsplit('-', 1)[1]}")]
    assert all(r['series'] and r['image'] == r['output'] for r in rows)
    errs = {r['image']: r['error'] for r in CSVLog(out/'errors.csv', ('image', 'error')).rows()}
    assert len(errs) == 4, errs
    why = ' | '.join(errs.values())
    for s in ('holds no image (SR: Basic Text SR Storage', 'holds no image (RTPLAN: RT Plan Storage', 'may be truncated or damaged',
              'is 4D (128x96x24x2): choose one of its 2 volumes with --volume N'):
        assert s in why, (s, errs)

def test_no_patient_data_in_any_output(dicom_run):
    needles = _needles(PHI, dicom_run['uids']) + _needles(OTHER, [])
    assert len(needles) > 20
    inputs = b''.join(b for _, b in _bytes_of(dicom_run['out'].parent)) + str(list(dicom_run['out'].parent.rglob('*'))).encode()
    assert [x for x in [v.encode() for v in PHI.values()] + [u.encode() for u in dicom_run['uids']] if x not in inputs] == []   # the search finds them where they are: in the input files and their names
    n = 0
    for f, b in _bytes_of(dicom_run['out']):
        n += 1
        for x in needles: assert x not in b, f"{x!r} found in {f}"
        for x in needles: assert x.decode() not in str(f), f"{x!r} in the output path {f}"
    assert n > 20   # summary.csv, errors.csv, run.json, index.html, .npz (and their members), panels
    for stream in (dicom_run['stdout'], dicom_run['stderr']):   # the run's log
        for x in needles: assert x.decode() not in stream, f"{x!r} in the run's output: {stream[:500]}"
    assert set(ANNEX_E_TAGS) >= {k for k in PHI} | {'SOPInstanceUID', 'SeriesInstanceUID', 'StudyInstanceUID'}

def test_window_and_slice_errors_before_any_work(tmp_path):
    ct = get_testdata_file('CT_small.dcm')
    code, _, err = _run(['explain', ct, '--out', str(tmp_path/'o'), '--window', '0,-600'])
    assert code == 2 and "width must be > 0" in err and not (tmp_path/'o').exists(), err
    code, _, err = _run(['explain', ct, '--out', str(tmp_path/'o'), '--window', 'soft'])
    assert code == 2 and 'presets' in err, err
    code, _, err = _run(['explain', ct, '--out', str(tmp_path/'o'), '--slices', 'a:b'])
    assert code == 2 and 'A slice range is START:STOP' in err, err

# --- MONAI's CAMs as an oracle -------------------------------------------------------------------------------------------
def _monai_pp(a, g):
    "MONAI's Grad-CAM++ weights (`GradCAMpp.compute_map`), without its exp(score) factor (a positive scale per image)."
    g2 = g * g; dr = 2 * g2 + (a * g ** 3).sum((2, 3), keepdim=True)
    dr = torch.where(dr != 0, dr, torch.ones_like(dr))
    return ((g2 / (dr + 1e-7) * g.clamp_min(0)).sum((2, 3), keepdim=True) * a).sum(1)

def _minmax(m): return (m - m.amin((-2, -1), keepdim=True)) / (m.amax((-2, -1), keepdim=True) - m.amin((-2, -1), keepdim=True))

def test_monai_gradcam_equals_ours(monkeypatch):
    "Grad-CAM equals MONAI's exactly; Grad-CAM++ equals MONAI's when our engine uses MONAI's weighting, and differs where the formulas do."
    pytest.importorskip('monai')
    from monai.networks.nets import DenseNet
    from monai.visualize import GradCAM, GradCAMpp
    from robustcam.core import gradcam, upsample_raw, CAM_METHODS
    torch.manual_seed(0)
    net = DenseNet(spatial_dims=2, in_channels=3, out_channels=3, init_features=16, growth_rate=8, block_config=(2, 2, 2, 2)).eval()   # DenseNet121's layout, smaller
    x = torch.rand(2, 3, 64, 64)
    ident = lambda v: v   # MONAI's default postprocessing (default_normalizer) maps each map's max to 0 and min to 1: compare raw maps
    for layer in ('class_layers.relu', 'features.denseblock3', 'features.transition2'):
        ours = gradcam(net, x, layer, targets=2)   # class 2: maps that are not all zero on these random weights (checked)
        assert not ours.degenerate.any()
        theirs = GradCAM(net, target_layers=layer, postprocessing=ident)(x, class_idx=2)[:, 0].detach()
        torch.testing.assert_close(upsample_raw(ours.raw, x.shape[-2:])[:, 0], theirs, atol=1e-6, rtol=1e-5)   # raw, upsampled: equal
        torch.testing.assert_close(ours.maps[:, 0], _minmax(theirs), atol=1e-5, rtol=0)                           # our [0,1] maps
    monkeypatch.setitem(CAM_METHODS, 'monai++', _monai_pp)
    diff = {}
    for layer in ('class_layers.relu', 'features.denseblock3'):
        for i in range(2):   # MONAI's GradCAMpp takes one image at a time (its exp(score) does not broadcast over a batch)
            theirs = _minmax(GradCAMpp(net, target_layers=layer, postprocessing=ident)(x[i:i+1], class_idx=2)[:, 0].detach())
            torch.testing.assert_close(gradcam(net, x[i:i+1], layer, targets=2, attribution='monai++').maps[:, 0], theirs, atol=1e-4, rtol=0)
            diff[layer, i] = float((gradcam(net, x[i:i+1], layer, targets=2, attribution='gradcam++').maps[:, 0] - theirs).abs().max())
    # ours (and pytorch-grad-cam's, and Eq. 19 of Chattopadhay et al.) divide by 2g^2 + sum(A) g^3 with eps 1e-6; MONAI by
    # 2g^2 + sum(A g^3) with eps 1e-7. Where the gradient is constant over the map (the layer before global pooling) only eps differs.
    assert max(diff['class_layers.relu', i] for i in range(2)) < 0.03, diff
    assert max(diff['features.denseblock3', i] for i in range(2)) > 0.01, diff
    # a MONAI network in robustcam's explainers, layers named as MONAI names them
    from robustcam.explainers import GradCAMExplainer, RobustCAMExplainer
    theirs = _minmax(GradCAM(net, target_layers='features.denseblock3', postprocessing=ident)(x, class_idx=2)[:, 0].detach())
    torch.testing.assert_close(GradCAMExplainer(net, 'features.denseblock3')(x, 2).maps[:, 0], theirs, atol=1e-5, rtol=0)
    e = RobustCAMExplainer(net, ['features.denseblock3'], num_aug=6, plain=True)(x, 2)
    assert e.methods == ['gradcam', 'robustcam-mean'] and e.maps.shape == (2, 2, 64, 64) and torch.isfinite(e.maps).all()
    torch.testing.assert_close(e.maps[:, 0], theirs, atol=1e-5, rtol=0)   # RobustCAM's identity view is plain Grad-CAM

# --- the CT head on DICOM copies of IQ-OTH/NCCD test slices ------------------------------------------------------------
CKPT = PROJECT_ROOT/'results'/'checkpoints'/'efficientnet_lite0_iqothnccd.pth'

def test_ct_head_same_maps_from_dicom_as_from_jpeg(tmp_path):
    if not CKPT.exists(): pytest.skip(f'no trained head at {CKPT} (run 20_train_ct)')
    try: root = dataset_path('iqothnccd')
    except FileNotFoundError as e: pytest.skip(str(e))
    from robustcam.ct_data import read_split
    test = read_split().query("split == 'test'").groupby('label').head(1)   # one test slice per class
    jpgs = [root/p for p in test.path]
    dcm = tmp_path/'dicom'
    for k, j in enumerate(jpgs): grey_to_dicom(j, dcm/f'IM{k:04d}', position=k, series='iqothnccd-test')   # HU = -1350 + 1500 g/255
    res = {}
    for name, inputs in (('jpeg', list(map(str, jpgs))), ('dicom', [str(dcm)])):
        code, _, err = _run(['explain', *inputs, '--checkpoint', str(CKPT), '--out', str(tmp_path/f'out_{name}'), '--no-progress', '--no-panels'])
        assert code == 0, err
        rows = CSVLog(tmp_path/f'out_{name}'/'summary.csv', COLUMNS).rows()
        res[name] = [(r, np.load(tmp_path/f'out_{name}'/f"{r['output']}.npz")) for r in rows]
    assert [r['window'] for r, _ in res['dicom']] == ['W1500 L-600 (lung)'] * len(jpgs)   # the window that inverts the mapping
    for (rj, zj), (rd, zd) in zip(res['jpeg'], res['dicom']):
        assert rj['predicted'] == rd['predicted'] and rj['explained'] == rd['explained']
        assert abs(float(rj['probability']) - float(rd['probability'])) < 0.02, (rj['probability'], rd['probability'])
        img = np.abs(zj['image'].astype(int) - zd['image'].astype(int))
        assert img.mean() < 0.5, img.mean()   # grey levels of 255 (measured 0.05-0.13): the JPEG's DCT-domain reduction vs a box reduction
        for k, (mean, top) in dict(fused=(0.01, 0.1), gradcam=(0.02, 0.15)).items():   # measured: fused <= 0.007 / 0.053, Grad-CAM <= 0.015 / 0.077
            d = np.abs(zj[k] - zd[k])
            assert d.mean() < mean and d.max() < top and np.corrcoef(zj[k].ravel(), zd[k].ravel())[0, 1] > 0.99, (k, d.mean(), d.max())
    from robustcam.medical import dicom_slices, scan_tensor   # the check can fail: with another window the same files read otherwise
    from robustcam.ct_data import load_ct
    bone = scan_tensor(dicom_slices([dcm/'IM0000'], window='bone')[0], 224, 'pad')
    assert (bone - load_ct(jpgs[0], 224, 'pad')).abs().mean() * 255 > 5   # grey levels: ~40x the DICOM copy's difference

@pytest.mark.slow
def test_every_pydicom_test_file(tmp_path):
    "pydicom's whole test-file folder (subfolders, extensionless DICOMDIR members, non-DICOM files beside them): every slice is explained or listed with a reason. About 3 min at one thread."
    src = Path(get_testdata_file('CT_small.dcm')).parent
    code, out, err = _run(['explain', str(src), '--out', str(tmp_path/'out'), '--no-progress', '--no-panels'])
    assert code == 1, err
    rows = CSVLog(tmp_path/'out'/'summary.csv', COLUMNS).rows()
    errs = CSVLog(tmp_path/'out'/'errors.csv', ('image', 'error')).rows()
    from robustcam.runner import find_inputs
    items = find_inputs([src], scans={})
    assert len(rows) + len(errs) == len(items) and len(rows) > 100, (len(rows), len(errs), len(items))
    assert all(r['error'].startswith(r['image']) or r['image'] in r['error'] for r in errs), errs
    assert all(str(src) not in r['error'] for r in errs)
