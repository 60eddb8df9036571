"""Read and write M-MiT annotation CSVs, MMAction2 list files and label maps.

Two text formats carry the same records, ``(video id, class indices)``:

* the M-MiT CSV as distributed: ``relative/path.mp4,3,17`` (0-based indices,
  no header);
* the MMAction2 list file read by ``VideoDataset(multi_class=True)``:
  ``relative/path.mp4 3 17``.

Both readers check every line and raise ``ValueError`` naming the file and the
line number: empty label lists (unless ``allow_unlabelled``), labels that are
not integers or are out of ``[0, num_classes)``, repeated labels, duplicate
video ids, absolute video paths and paths leaving the video root (``..``), a
file in the other format. Files are UTF-8, with or without a byte order mark;
another encoding is an error that names it (or the first undecodable line).
A file without any video is an error.
"""
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..utils import atomic_write_text

__all__ = [
    'VideoAnnotation', 'read_mmit_csv', 'read_list_file', 'write_list_file',
    'read_label_map', 'labels_to_multi_hot', 'atomic_write_text'
]


@dataclass(frozen=True)
class VideoAnnotation:
    """One annotated video.

    Args:
        video_id (str): The video's path relative to the video root; the key
            every file of the project joins on.
        labels (tuple[int]): 0-based class indices, empty for unlabelled
            (test) videos.
        line (int): 1-based line number in the file it was read from.
        text (str): That line as it is in the file (without the line end),
            kept so that reports of left-out videos keep the whole row.
    """
    video_id: str
    labels: Tuple[int, ...]
    line: int = 0
    text: str = field(default='', compare=False, repr=False)


# Byte order marks of encodings other than UTF-8 (UTF-32 before UTF-16: the
# UTF-32 LE mark starts with the UTF-16 LE one).
_FOREIGN_BOMS = ((b'\xff\xfe\x00\x00', 'UTF-32'),
                 (b'\x00\x00\xfe\xff', 'UTF-32'), (b'\xff\xfe', 'UTF-16'),
                 (b'\xfe\xff', 'UTF-16'))
_UTF8_BOM = b'\xef\xbb\xbf'


def _decoded_lines(path: str) -> List[Tuple[int, str]]:
    """The file's lines as ``(line number, text)``: UTF-8, with or without a
    byte order mark; any other encoding is an error naming the line."""
    with open(path, 'rb') as f:
        data = f.read()
    for bom, name in _FOREIGN_BOMS:
        if data.startswith(bom):
            raise ValueError(f'{path} is encoded as {name} (byte order mark '
                             f'{bom.hex(" ")}); save it as UTF-8')
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    lines = []
    for line_no, raw in enumerate(data.splitlines(), start=1):
        try:
            lines.append((line_no, raw.decode('utf-8')))
        except UnicodeDecodeError as e:
            raise ValueError(
                f'{path}, line {line_no}: not UTF-8 (byte '
                f'0x{raw[e.start]:02x} at column {e.start + 1}); save the '
                'file as UTF-8') from None
    return lines


def _check_relative(video_id: str, where: str) -> None:
    """Video ids are paths inside the video root."""
    if osp.isabs(video_id) or video_id.startswith(('/', '\\')):
        raise ValueError(f'{where}: video path {video_id!r} is absolute; '
                         'paths are relative to the video root')
    if '..' in re.split(r'[/\\]', video_id):
        raise ValueError(f'{where}: video path {video_id!r} contains "..": '
                         'paths must stay inside the video root')


def _format_hint(path: str, delimiter: str, line: str) -> str:
    """Why a row has no labels when the file is in the other format."""
    if delimiter == ',' and ',' not in line and len(line.split()) > 1:
        return (' (the line is space-separated: an MMAction2 list file, not '
                'an M-MiT CSV?)')
    if delimiter != ',' and ',' in line and len(line.split()) == 1:
        return (' (the line is comma-separated: an M-MiT CSV, not an '
                'MMAction2 list file? CSVs are read as such by their .csv '
                'name)')
    return ''


def _parse_rows(path: str, delimiter: str, num_classes: Optional[int],
                allow_unlabelled: bool) -> List[VideoAnnotation]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'Annotation file not found: {path}')
    records: List[VideoAnnotation] = []
    first_line_of = {}
    for line_no, raw in _decoded_lines(path):
        line = raw.strip()
        if not line:
            continue
        fields = line.split(delimiter) if delimiter != ' ' else line.split()
        video_id = fields[0].strip()
        label_fields = [x.strip() for x in fields[1:] if x.strip()]
        where = f'{path}, line {line_no}'
        if not video_id:
            raise ValueError(f'{where}: empty video path')
        hint = _format_hint(path, delimiter, line)
        if hint and not label_fields:
            raise ValueError(f'{where}: video {video_id!r} has no labels'
                             f'{hint}')
        _check_relative(video_id, where)
        if not label_fields and not allow_unlabelled:
            raise ValueError(f'{where}: video {video_id!r} has no labels')
        labels = []
        for field_ in label_fields:
            try:
                label = int(field_)
            except ValueError:
                raise ValueError(f'{where}: label {field_!r} of video '
                                 f'{video_id!r} is not an integer') from None
            if label < 0 or (num_classes is not None and label >= num_classes):
                bound = (f'[0, {num_classes})'
                         if num_classes is not None else '>= 0')
                raise ValueError(
                    f'{where}: label {label} of video {video_id!r} is out '
                    f'of range {bound}')
            labels.append(label)
        if len(set(labels)) != len(labels):
            raise ValueError(
                f'{where}: video {video_id!r} repeats a label: {labels}')
        if video_id in first_line_of:
            raise ValueError(
                f'{where}: duplicate video {video_id!r} (first on line '
                f'{first_line_of[video_id]})')
        first_line_of[video_id] = line_no
        records.append(
            VideoAnnotation(video_id, tuple(labels), line_no, raw.rstrip(
                '\r\n')))
    if not records:
        raise ValueError(f'{path} lists no videos (the file is empty)')
    return records


def read_mmit_csv(path: str,
                  *,
                  num_classes: Optional[int] = None,
                  allow_unlabelled: bool = False) -> List[VideoAnnotation]:
    """Read an M-MiT annotation CSV (``relpath.mp4,idx,idx,...``).

    Args:
        path (str): The CSV file.
        num_classes (int, optional): Labels must lie in ``[0, num_classes)``.
            Defaults to None (only non-negative is checked).
        allow_unlabelled (bool): Accept rows with a path only (test splits).
            Defaults to False.

    Returns:
        list[VideoAnnotation]: The rows in file order.
    """
    return _parse_rows(path, ',', num_classes, allow_unlabelled)


def read_list_file(path: str,
                   *,
                   num_classes: Optional[int] = None,
                   allow_unlabelled: bool = False) -> List[VideoAnnotation]:
    """Read an MMAction2 multi-label list file (``path l1 l2 ...``).

    Args:
        path (str): The list file.
        num_classes (int, optional): Labels must lie in ``[0, num_classes)``.
            Defaults to None.
        allow_unlabelled (bool): Accept rows with a path only. Defaults to
            False.

    Returns:
        list[VideoAnnotation]: The rows in file order.
    """
    return _parse_rows(path, ' ', num_classes, allow_unlabelled)


def write_list_file(path: str, records: Iterable[VideoAnnotation]) -> int:
    """Write records as an MMAction2 list file, atomically.

    Args:
        path (str): Output file.
        records (Iterable[VideoAnnotation]): Rows to write.

    Returns:
        int: The number of rows written.
    """
    lines = []
    for record in records:
        if any(c.isspace() for c in record.video_id):
            raise ValueError(
                f'Video path {record.video_id!r} contains whitespace, which '
                'the space-delimited MMAction2 list format cannot hold')
        lines.append(' '.join([record.video_id, *map(str, record.labels)]))
    atomic_write_text(path, ''.join(line + '\n' for line in lines))
    return len(lines)


def read_label_map(path: str) -> List[str]:
    """Read a label map: one class name per line, in class-index order."""
    with open(path, encoding='utf-8') as f:
        names = [line.strip() for line in f if line.strip()]
    if len(set(names)) != len(names):
        raise ValueError(f'{path}: repeated class names in the label map')
    return names


def labels_to_multi_hot(records: Sequence[VideoAnnotation],
                        num_classes: int) -> np.ndarray:
    """Stack the records' labels into a multi-hot matrix.

    Returns:
        np.ndarray: ``[N, num_classes]`` uint8.
    """
    lengths = [len(record.labels) for record in records]
    rows = np.repeat(np.arange(len(records)), lengths)
    cols = np.fromiter((label for record in records for label in record.labels),
                       dtype=np.int64, count=sum(lengths))
    multi_hot = np.zeros((len(records), num_classes), dtype=np.uint8)
    multi_hot[rows, cols] = 1
    return multi_hot
