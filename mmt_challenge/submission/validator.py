"""Check a submission file from any source before it is uploaded.

Everything wrong is collected, not just the first problem, each with its
line number: the encoding (UTF-8, no byte order mark), blank lines, the
column count, unknown and repeated videos, and per format

* ``top5``: five distinct class indices, non-negative integers below
  ``num_classes``, separated by spaces (a tab is a problem);
* ``scores``: a ``filename,<class>...`` header with distinct class names
  (``num_classes`` of them when known), and a finite number in every class
  column;

and finally every test video missing from the file. The class count is
required: without it the validator reports that it cannot check the indices
instead of calling the file valid.
"""
import csv
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..datasets import read_list_file
from ..utils.checks import check_positive_int
from .writers import SUBMISSION_FORMATS

__all__ = ['Problem', 'validate_submission', 'detect_format']

_INDEX = re.compile(r'[0-9]+')
_BOMS = ((b'\xef\xbb\xbf', 'UTF-8'), (b'\xff\xfe\x00\x00', 'UTF-32'),
         (b'\x00\x00\xfe\xff', 'UTF-32'), (b'\xff\xfe', 'UTF-16'),
         (b'\xfe\xff', 'UTF-16'))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submission.

    Args:
        line (int, optional): 1-based line of the submission, None for
            problems of the whole file (e.g. a missing video).
        message (str): What is wrong.
    """
    line: Optional[int]
    message: str

    def __str__(self) -> str:
        return (f'line {self.line}: {self.message}'
                if self.line is not None else self.message)


def detect_format(first_line: str) -> str:
    """``'scores'`` if the line is a ``filename,...`` header, else
    ``'top5'``."""
    return 'scores' if first_line.startswith('filename,') else 'top5'


def _decode_lines(data: bytes,
                  problems: List[Problem]) -> Optional[List[Tuple[int, str]]]:
    """Split into ``(line number, text)``; undecodable lines are reported
    and dropped. None if the whole file is in another encoding."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            if name != 'UTF-8':
                problems.append(Problem(
                    1, f'the file is {name} (byte order mark '
                    f'{bom.hex(" ")}); save it as UTF-8'))
                return None
            problems.append(Problem(
                1, 'the file starts with a UTF-8 byte order mark; remove it'))
            data = data[len(bom):]
            break
    pieces = data.split(b'\n')
    if pieces and pieces[-1] == b'':
        pieces.pop()  # the final newline
    lines = []
    for number, raw in enumerate(pieces, start=1):
        raw = raw[:-1] if raw.endswith(b'\r') else raw
        try:
            text = raw.decode('utf-8')
        except UnicodeDecodeError as e:
            problems.append(Problem(
                number, f'not valid UTF-8: byte 0x{raw[e.start]:02x} at '
                f'column {e.start + 1}'))
            continue
        if '\x00' in text:
            problems.append(Problem(number, 'contains a NUL character (not '
                                    'a UTF-8 text file?)'))
            continue
        lines.append((number, text))
    return lines


def _check_top5(number: int, text: str, num_classes: Optional[int],
                problems: List[Problem]) -> Optional[str]:
    fields = text.split()
    if len(fields) != 6:
        problems.append(Problem(
            number, f'expected 6 columns (filename and 5 class indices), '
            f'got {len(fields)}'))
        return fields[0] if fields else None
    indices = []
    for field in fields[1:]:
        if not _INDEX.fullmatch(field):
            problems.append(Problem(
                number, f'class index {field!r} is not a non-negative '
                'integer'))
            continue
        index = int(field)
        if num_classes is not None and index >= num_classes:
            problems.append(Problem(
                number, f'class index {index} is out of range [0, '
                f'{num_classes})'))
        indices.append(index)
    repeated = sorted({i for i in indices if indices.count(i) > 1})
    if repeated:
        problems.append(Problem(
            number, f'repeats class index(es) {repeated}; the 5 classes must '
            'be distinct'))
    return fields[0]


def _check_score_row(number: int, row: List[str], header: List[str],
                     problems: List[Problem]) -> Optional[str]:
    if len(row) != len(header):
        problems.append(Problem(
            number, f'expected {len(header)} columns (filename and '
            f'{len(header) - 1} classes), got {len(row)}'))
        return row[0] if row else None
    try:
        values = np.array(row[1:], dtype=np.float64)
    except ValueError:
        bad = []
        for column, value in enumerate(row[1:], start=1):
            try:
                float(value)
            except ValueError:
                bad.append(f'{header[column]!r}={value!r}')
        problems.append(Problem(
            number, f'{len(bad)} value(s) are not numbers: '
            f'{", ".join(bad[:5])}{" ..." if len(bad) > 5 else ""}'))
        return row[0]
    not_finite = np.flatnonzero(~np.isfinite(values))
    if len(not_finite):
        shown = ', '.join(f'{header[c + 1]!r}={row[c + 1]}'
                          for c in not_finite[:5])
        problems.append(Problem(
            number, f'{len(not_finite)} value(s) are not finite: {shown}'
            f'{" ..." if len(not_finite) > 5 else ""}'))
    return row[0]


def validate_submission(path: str,
                        test_list: Union[str, Sequence[str]],
                        *,
                        num_classes: Optional[int],
                        format: Optional[str] = None) -> List[Problem]:
    """Every problem of a submission file.

    Args:
        path (str): The submission.
        test_list (str | Sequence[str]): The MMAction2 list file of the test
            videos (its line numbers appear in messages), or the video ids.
        num_classes (int | None): Number of classes; checks top-5 index
            ranges and the CSV header's width. Required: None (unknown) is
            itself a problem, so that a file is never called valid with its
            class indices unchecked.
        format (str, optional): ``'top5'`` or ``'scores'``. Defaults to None
            (a ``filename,`` header means ``scores``, otherwise ``top5``).

    Returns:
        list[Problem]: Sorted by line, file-wide problems last; empty if the
        file is valid.
    """
    if format is not None and format not in SUBMISSION_FORMATS:
        raise ValueError(f'unknown format {format!r}; choose from '
                         f'{list(SUBMISSION_FORMATS)}')
    if isinstance(test_list, str):
        test_lines = {
            r.video_id: r.line
            for r in read_list_file(test_list, allow_unlabelled=True)
        }
    else:
        test_lines = {v: i for i, v in enumerate(test_list, start=1)}
        if len(test_lines) != len(test_list):
            raise ValueError('test video ids are not unique')
    with open(path, 'rb') as f:
        data = f.read()
    problems: List[Problem] = []
    if num_classes is None:
        problems.append(Problem(
            None, 'the class count is unknown, so class indices cannot be '
            'checked: give it (--num-classes, a --label-map or the '
            '--challenge config)'))
    else:
        check_positive_int(num_classes, 'num_classes')
    if not data.strip():
        return problems + [Problem(None, f'the file is empty; expected '
                                   f'{len(test_lines)} videos')]
    lines = _decode_lines(data, problems)
    if lines is None:  # unreadable: listing every video as missing is noise
        return problems
    content = [(n, t) for n, t in lines if t.strip()]
    for number, text in lines:
        if not text.strip():
            problems.append(Problem(number, 'empty line'))
        elif '\t' in text:
            problems.append(Problem(
                number, 'contains a tab: fields are separated by single '
                'spaces (top5) or commas (scores)'))
    if format is None:
        format = detect_format(content[0][1]) if content else 'top5'

    header = None
    if format == 'scores' and content:
        number, text = content.pop(0)
        header = next(csv.reader([text]))
        if header[0] != 'filename':
            problems.append(Problem(
                number, f'the header must start with "filename", got '
                f'{header[0]!r}'))
        names = header[1:]
        if num_classes is not None and len(names) != num_classes:
            problems.append(Problem(
                number, f'the header names {len(names)} classes, expected '
                f'{num_classes}'))
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            problems.append(Problem(
                number, f'the header repeats class name(s) {repeated[:5]}'))

    seen: Dict[str, int] = {}
    for number, text in content:
        if format == 'top5':
            video = _check_top5(number, text, num_classes, problems)
        else:
            row = next(csv.reader([text]))
            video = _check_score_row(number, row, header, problems)
        if video is None:
            continue
        if video not in test_lines:
            problems.append(Problem(
                number, f'unknown video {video!r} (not in the test list)'))
        elif video in seen:
            problems.append(Problem(
                number, f'video {video!r} repeats line {seen[video]}'))
        else:
            seen[video] = number
    problems.sort(key=lambda p: (p.line is None, p.line or 0))
    for video, line in test_lines.items():
        if video not in seen:
            problems.append(Problem(
                None, f'video {video!r} (test list line {line}) is missing'))
    return problems
