"""Turn M-MiT CSVs into MMAction2 list files, leaving out unusable videos.

The 2019 winners lost 737 training videos to missing or undecodable files; we
drop them up front, list them in a report, and print the counts, so that no
epoch trips over them later.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from mmengine.logging import print_log

from ..utils import check_no_whitespace, check_outputs_not_inputs
from ..utils.checks import check_positive_int
from ..utils.progress import track_map
from .annotations import (VideoAnnotation, atomic_write_text, read_mmit_csv,
                          write_list_file)

__all__ = ['BuildSummary', 'check_video', 'build_list_file']


@dataclass
class BuildSummary:
    """What :func:`build_list_file` kept and left out.

    Args:
        kept (int): Rows written to the list file.
        missing (list[str]): Video ids whose file does not exist.
        undecodable (list[tuple[str, str]]): Video ids decord cannot open,
            with the error message.
        dropped_rows (list[tuple[VideoAnnotation, str]]): Every row left
            out, whole, with its reason, in file order.
    """
    kept: int = 0
    missing: List[str] = field(default_factory=list)
    undecodable: List[Tuple[str, str]] = field(default_factory=list)
    dropped_rows: List[Tuple[VideoAnnotation, str]] = field(
        default_factory=list)

    @property
    def dropped(self) -> int:
        return len(self.missing) + len(self.undecodable)


def check_video(path: str, decode: bool = True) -> Optional[str]:
    """Return None if the video is usable, otherwise the reason it is not.

    Args:
        path (str): The video file.
        decode (bool): Also open it with decord and decode its first frame.
            Defaults to True.

    Returns:
        str | None: ``'missing'``, ``'undecodable: <error>'`` or None.
    """
    if not osp.isfile(path):
        return 'missing'
    if not decode:
        return None
    import decord
    try:
        reader = decord.VideoReader(path, num_threads=1)
        if len(reader) == 0:
            return 'undecodable: no frames'
        reader[0]
    except Exception as error:  # decord raises DECORDError or RuntimeError
        message = ' '.join(str(error).split())  # decord errors span lines
        return f'undecodable: {type(error).__name__}: {message}'
    return None


def _check_task(args: Tuple[str, bool]) -> Optional[str]:
    return check_video(*args)


def build_list_file(csv_path: str,
                    video_root: str,
                    out_path: str,
                    *,
                    num_classes: Optional[int] = None,
                    report_path: Optional[str] = None,
                    decode_check: bool = True,
                    allow_unlabelled: bool = False,
                    keep_unusable: bool = False,
                    workers: int = 1) -> BuildSummary:
    """Write the MMAction2 list file for one M-MiT split.

    Args:
        csv_path (str): M-MiT CSV (``trainingSet.csv``, ``validationSet.csv``).
        video_root (str): Directory the CSV's relative paths start from.
        out_path (str): The list file to write (atomically).
        num_classes (int, optional): Check labels lie in ``[0, num_classes)``.
            Defaults to None.
        report_path (str, optional): Where to list the videos left out, one
            per line as ``<the CSV row as it is>\\t<reason>``, so that no
            label of the source is lost. Defaults to
            ``<out_path>.dropped.txt``.
        decode_check (bool): Open every video with decord, not only check it
            exists. Defaults to True.
        allow_unlabelled (bool): Accept rows without labels (test split).
            Defaults to False.
        keep_unusable (bool): Keep missing and undecodable videos in the
            list (still reported): a test split, where every video needs a
            prediction. Defaults to False.
        workers (int): Processes for the video checks. Defaults to 1.

    Returns:
        BuildSummary: Counts and the videos left out.
    """
    check_positive_int(workers, 'workers')
    report_path = report_path or f'{out_path}.dropped.txt'
    check_outputs_not_inputs({'the list file': out_path,
                              'the dropped-videos report': report_path},
                             {'source CSV': csv_path})
    records = read_mmit_csv(
        csv_path, num_classes=num_classes, allow_unlabelled=allow_unlabelled)
    for record in records:  # before the (long) video checks
        check_no_whitespace(record.video_id,
                            f'{csv_path}, line {record.line}')
    tasks = [(osp.join(video_root, r.video_id), decode_check) for r in records]
    print_log(f'Checking {len(tasks)} videos of {csv_path}', logger='current')
    reasons = track_map(
        _check_task,
        tasks,
        nproc=workers,
        description='Checking videos',
        unit='videos')

    summary = BuildSummary()
    kept: List[VideoAnnotation] = []
    for record, reason in zip(records, reasons):
        if reason is None or keep_unusable:
            kept.append(record)
        if reason is None:
            continue
        summary.dropped_rows.append((record, reason))
        if reason == 'missing':
            summary.missing.append(record.video_id)
        else:
            summary.undecodable.append((record.video_id, reason))
    summary.kept = write_list_file(out_path, kept)

    report = [f'{record.text}\t{reason}'
              for record, reason in summary.dropped_rows]
    atomic_write_text(report_path, ''.join(line + '\n' for line in report))
    print_log(
        f'{out_path}: kept {summary.kept} of {len(records)} videos; '
        f'{"kept although unusable" if keep_unusable else "left out"}: '
        f'{len(summary.missing)} missing and {len(summary.undecodable)} '
        f'undecodable (listed in {report_path})',
        logger='current')
    return summary
