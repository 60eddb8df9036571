"""Per-class sample counts of a multi-label annotation, for class balancing.

Three file formats are understood:

* an MMAction2 list file, ``path l1 l2 ...`` (``fmt='list'``);
* an M-MiT annotation CSV, ``relpath.mp4,l1,l2`` (``fmt='csv'``);
* a counts file, one non-negative integer per line, line ``i`` holding the
  count of class ``i`` (``fmt='counts'``), as written by
  :func:`write_class_counts` and ``tools/class_counts.py``.

``fmt='auto'`` picks ``csv`` for a ``.csv`` suffix; otherwise ``counts`` when
the first non-empty line is a single integer and ``list`` when it has more
than one field (a labelled list-file line always has at least two).
"""
import os.path as osp
from typing import Optional, Sequence

import numpy as np

from ..utils.checks import check_positive_int
from .annotations import (VideoAnnotation, atomic_write_text, read_list_file,
                          read_mmit_csv)

__all__ = [
    'CLASS_COUNT_FORMATS', 'count_classes', 'load_class_counts',
    'read_class_counts', 'write_class_counts'
]

CLASS_COUNT_FORMATS = ('auto', 'list', 'csv', 'counts')


def count_classes(records: Sequence[VideoAnnotation],
                  num_classes: Optional[int] = None) -> np.ndarray:
    """Count, for each class, the videos labelled with it.

    Args:
        records (Sequence[VideoAnnotation]): Annotated videos.
        num_classes (int, optional): Length of the result; every label must be
            below it. Defaults to None (the largest label plus one, so classes
            above the largest label that occurs are missing).

    Returns:
        np.ndarray: ``[num_classes]`` int64 counts.
    """
    labels = np.fromiter(
        (label for record in records for label in record.labels),
        dtype=np.int64)
    if num_classes is None:
        if labels.size == 0:
            raise ValueError('cannot infer num_classes from an annotation '
                             'without labels; pass num_classes')
        num_classes = int(labels.max()) + 1
    check_positive_int(num_classes, 'num_classes')
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise ValueError(
            f'label {int(bad)} is out of range [0, {num_classes})')
    return np.bincount(labels, minlength=num_classes).astype(np.int64)


def _detect_format(path: str) -> str:
    if path.lower().endswith('.csv'):
        return 'csv'
    with open(path, encoding='utf-8') as f:
        for raw in f:
            fields = raw.split()
            if not fields:
                continue
            if len(fields) == 1:
                try:
                    int(fields[0])
                except ValueError:
                    return 'list'  # an unlabelled list line: reader reports it
                return 'counts'
            return 'list'
    raise ValueError(f'{path}: the file is empty')


def read_class_counts(path: str,
                      num_classes: Optional[int] = None) -> np.ndarray:
    """Read a counts file: one non-negative integer per line.

    Args:
        path (str): The counts file.
        num_classes (int, optional): Expected number of lines. Defaults to
            None (not checked).

    Returns:
        np.ndarray: ``[C]`` int64 counts.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Class counts file not found: {path}')
    counts = []
    with open(path, encoding='utf-8') as f:
        for line_no, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line:
                continue
            try:
                count = int(line)
            except ValueError:
                raise ValueError(f'{path}, line {line_no}: class count '
                                 f'{line!r} is not an integer') from None
            if count < 0:
                raise ValueError(f'{path}, line {line_no}: class count '
                                 f'{count} is negative')
            counts.append(count)
    if not counts:
        raise ValueError(f'{path}: the file holds no class counts')
    if num_classes is not None:
        check_positive_int(num_classes, 'num_classes')
        if len(counts) != num_classes:
            raise ValueError(f'{path}: {len(counts)} class counts, expected '
                             f'num_classes={num_classes}')
    return np.asarray(counts, dtype=np.int64)


def load_class_counts(path: str,
                      num_classes: Optional[int] = None,
                      *,
                      fmt: str = 'auto') -> np.ndarray:
    """Per-class counts from a list file, an M-MiT CSV or a counts file.

    Args:
        path (str): The file.
        num_classes (int, optional): Number of classes: the length of the
            result for annotations (see :func:`count_classes`), the expected
            length for a counts file. Defaults to None.
        fmt (str): ``'auto'``, ``'list'``, ``'csv'`` or ``'counts'`` (see the
            module docstring). Defaults to ``'auto'``.

    Returns:
        np.ndarray: ``[C]`` int64 counts.
    """
    if fmt not in CLASS_COUNT_FORMATS:
        raise ValueError(f'fmt must be one of {CLASS_COUNT_FORMATS}, got '
                         f'{fmt!r}')
    if num_classes is not None:
        check_positive_int(num_classes, 'num_classes')
    if not osp.isfile(path):
        raise FileNotFoundError(f'Class counts source not found: {path}')
    if fmt == 'auto':
        fmt = _detect_format(path)
    if fmt == 'counts':
        return read_class_counts(path, num_classes)
    reader = read_mmit_csv if fmt == 'csv' else read_list_file
    records = reader(path, num_classes=num_classes)
    return count_classes(records, num_classes)


def write_class_counts(path: str, counts: Sequence[int]) -> None:
    """Write a counts file (one integer per line), atomically."""
    array = np.asarray(counts)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f'counts must be a non-empty 1-D sequence, got '
                         f'shape {tuple(array.shape)}')
    if not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f'counts must be integers, got dtype {array.dtype}')
    if np.any(array < 0):
        raise ValueError(f'counts must be non-negative, got '
                         f'{int(array[array < 0][0])}')
    atomic_write_text(path, ''.join(f'{int(c)}\n' for c in array))
