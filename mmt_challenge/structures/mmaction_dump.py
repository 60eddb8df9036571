"""Import MMAction2 ``tools/test.py --dump`` pickles as score files.

Kept apart from :mod:`~mmt_challenge.structures.score_file` because it is the
one reader that unpickles (and so runs code): nothing in the package calls it
unless the user names a dump explicitly.
"""
import os.path as osp
from typing import Any, Optional, Sequence, Union

import mmengine
import numpy as np

from ..datasets import read_label_map, read_list_file
from .score_file import ScoreFile, load_score_file, make_meta

__all__ = ['import_mmaction_dump', 'load_member_scores', 'DUMP_SUFFIXES']

DUMP_SUFFIXES = ('.pkl', '.pickle')


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, 'detach'):  # torch.Tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _read_dump(path: str, *, ann_file: Optional[str], scale: int,
               class_names: Optional[Union[str, Sequence[str]]],
               sigmoid: bool) -> ScoreFile:
    results = mmengine.load(path)  # unpickles: runs code, see the docstring
    if not isinstance(results, (list, tuple)) or not results:
        raise ValueError('expected a non-empty list of per-sample results '
                         f'(tools/test.py --dump), got '
                         f'{type(results).__name__}')
    scores, gt_labels, dump_ids = [], [], []
    for i, sample in enumerate(results):
        if hasattr(sample, 'to_dict'):
            sample = sample.to_dict()
        if not isinstance(sample, dict) or 'pred_score' not in sample:
            raise ValueError(f'sample {i} has no pred_score')
        if isinstance(sample['pred_score'], dict):
            raise ValueError(f'sample {i}: pred_score is a dict (several '
                             'heads); dump one head per file')
        score = _to_numpy(sample['pred_score']).astype(np.float64).ravel()
        if scores and len(score) != len(scores[0]):
            raise ValueError(f'sample {i} has {len(score)} scores, sample 0 '
                             f'has {len(scores[0])}')
        scores.append(score)
        gt_labels.append(
            _to_numpy(sample['gt_label']).ravel()
            if 'gt_label' in sample else None)
        dump_ids.append(sample.get('video_id'))
    scores = np.stack(scores)
    if sigmoid:
        scores = 1 / (1 + np.exp(-scores))
    num_classes = scores.shape[1]

    if ann_file is not None:
        records = read_list_file(
            ann_file, num_classes=num_classes, allow_unlabelled=True)
        if len(records) != len(scores):
            raise ValueError(
                f'the dump has {len(scores)} samples but {ann_file} lists '
                f'{len(records)} videos: it is not the dump of that list')
        video_ids = [r.video_id for r in records]
        for row, (record, dump_id, gt) in enumerate(
                zip(records, dump_ids, gt_labels)):
            if dump_id is not None and dump_id != record.video_id:
                raise ValueError(
                    f'sample {row} is video {dump_id!r} but line '
                    f'{record.line} of {ann_file} is {record.video_id!r}')
            if gt is not None and record.labels:
                if len(gt) == num_classes and set(np.unique(gt)) <= {0, 1}:
                    gt = np.flatnonzero(gt)
                if sorted(gt.astype(int).tolist()) != sorted(record.labels):
                    raise ValueError(
                        f'sample {row} has gt_label {sorted(gt.tolist())} but '
                        f'video {record.video_id!r} (line {record.line} of '
                        f'{ann_file}) has labels {sorted(record.labels)}: '
                        'the dump is not in the order of that list')
    elif all(i is not None for i in dump_ids):
        video_ids = dump_ids
    else:
        raise ValueError(
            'the dump holds no video ids; pass ann_file= (the list file the '
            'test ran on) so that row i takes the id of line i')

    if class_names is None:
        class_names = [str(c) for c in range(num_classes)]
    elif isinstance(class_names, str):
        class_names = read_label_map(class_names)
    if len(class_names) != num_classes:
        raise ValueError(f'{len(class_names)} class names for '
                         f'{num_classes} scores per sample')
    return ScoreFile(
        video_ids=np.asarray(video_ids, dtype=str),
        class_names=np.asarray(class_names, dtype=str),
        scores=scores[:, None, :].astype(np.float32),
        scales=np.array([scale]),
        meta=make_meta(tool='mmaction2 tools/test.py --dump', source=path,
                       ann_file=ann_file))


def import_mmaction_dump(path: str,
                         *,
                         ann_file: Optional[str] = None,
                         scale: int = 0,
                         class_names: Optional[Union[str,
                                                     Sequence[str]]] = None,
                         sigmoid: bool = False) -> ScoreFile:
    """Read an MMAction2 ``tools/test.py --dump`` pickle as a score file.

    A dump is a list with one dict per sample holding ``pred_score``
    (``[C]``) and usually ``gt_label`` (what mmengine's ``DumpResults``
    writes); heads with ``average_clips='sigmoid'`` dump probabilities. It is
    read as a single scale. **Unpickling runs arbitrary code**: only pass
    dumps you made yourself or trust.

    Dumps normally hold no video ids. Then ``ann_file``, the list file the
    test ran on, gives them: sample ``i`` takes the id on the file's ``i``-th
    video line. This is the one place where the toolkit relies on row
    position; it is checked where it can be: the counts must agree, and each
    sample's ``gt_label`` must equal the labels on its line.

    Args:
        path (str): ``.pkl`` / ``.pickle`` dump.
        ann_file (str, optional): The MMAction2 list file whose row order is
            the dump's. Defaults to None.
        scale (int): The test scale to record. Defaults to 0 (unknown).
        class_names (str | Sequence[str], optional): The class names, or a
            label map file (one name per line). Defaults to None (names
            ``'0'`` ... ``'C-1'``).
        sigmoid (bool): Apply a sigmoid, for heads that dumped logits
            (``average_clips='score'``). Defaults to False.

    Returns:
        ScoreFile: The validated contents.

    Raises:
        ValueError: A malformed dump; the message starts with ``path``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'MMAction2 dump not found: {path}')
    if not path.endswith(DUMP_SUFFIXES):
        raise ValueError(f'{path}: an MMAction2 dump ends with .pkl or '
                         '.pickle')
    try:
        return _read_dump(path, ann_file=ann_file, scale=scale,
                          class_names=class_names, sigmoid=sigmoid)
    except (ValueError, TypeError) as e:
        raise type(e)(f'{path}: {e}') from None


def load_member_scores(path: str, **dump_options: Any) -> ScoreFile:
    """A member's scores from a score file, or from a dump the user named.

    Where a user hands a member's output explicitly (a recipe member, an
    analysis tool's argument), both forms are accepted: ``.npz`` goes to
    :func:`~mmt_challenge.structures.load_score_file`, ``.pkl`` / ``.pickle``
    to :func:`import_mmaction_dump` with ``dump_options``.

    Args:
        path (str): ``.npz`` score file or MMAction2 dump.
        **dump_options: :func:`import_mmaction_dump`'s keyword arguments.

    Returns:
        ScoreFile: The validated contents.
    """
    if path.endswith(DUMP_SUFFIXES):
        return import_mmaction_dump(path, **dump_options)
    return load_score_file(path)
