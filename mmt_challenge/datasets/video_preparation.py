"""Re-encode a split's videos at a fixed frame rate and short side.

The 2019 winners trained on videos re-encoded to 30 fps and a 320-pixel
short side: every clip then has the same frame rate (so a member's frame
interval means the same time everywhere) and decoding is cheaper. This module
does it with PyAV, which bundles FFmpeg with libx264 in its wheels, so it
installs with pip (no system FFmpeg, no root) and encodes in-process without
parsing a program's output. decord, which the datasets read with, cannot
encode.

Each video is decoded, resampled to the target frame rate (each output frame
is the input frame nearest to its time, as FFmpeg's ``fps`` filter does),
resized so that its short side is ``short_side`` (both sides even, as
H.264's 4:2:0 needs) and written as H.264 into a temporary file that is then
renamed: an interrupted run leaves no half-written video, and the next run
skips the videos already written. A video that fails to decode at any point
is reported and not written; the list builder then leaves it out of a
training split, and the challenge gives a test video the class prior.
"""
import os
import os.path as osp
from fractions import Fraction
from typing import List, Optional, Tuple

from mmengine.logging import print_log

from ..utils import atomic_write_text
from ..utils.checks import check_positive_int
from ..utils.progress import track_map
from .annotations import read_mmit_csv

__all__ = ['even_size', 'prepare_video', 'prepare_videos']


def even_size(width: int, height: int, short_side: int) -> Tuple[int, int]:
    """``(width, height)`` scaled so that the short side is ``short_side``,
    each rounded to an even number of pixels."""
    scale = short_side / min(width, height)

    def even(x: float) -> int:
        return max(2, int(round(x / 2)) * 2)

    return even(width * scale), even(height * scale)


def _frame_times(stream, frame, index: int) -> float:
    if frame.time is not None:
        return float(frame.time)
    rate = stream.average_rate or stream.guessed_rate or 25
    return index / float(rate)


def prepare_video(src: str,
                  dst: str,
                  *,
                  fps: int = 30,
                  short_side: int = 320,
                  crf: int = 23) -> Optional[str]:
    """Re-encode one video; returns None, or why it could not be.

    Args:
        src (str): Input video.
        dst (str): Output ``.mp4``; written atomically, skipped if it exists.
        fps (int): Output frame rate. Defaults to 30.
        short_side (int): Output short side in pixels. Defaults to 320.
        crf (int): x264 constant rate factor (lower is better and bigger).
            Defaults to 23 (x264's default).

    Returns:
        str | None: ``'missing'``, ``'undecodable: <error>'`` or None.
    """
    try:
        import av
    except ImportError:
        raise ImportError("video preparation needs PyAV: pip install -e "
                          "'.[prepare]'") from None
    if osp.isfile(dst):
        return None
    if not osp.isfile(src):
        return 'missing'
    os.makedirs(osp.dirname(dst) or '.', exist_ok=True)
    tmp = osp.join(osp.dirname(dst), f'.{osp.basename(dst)}.tmp-{os.getpid()}')
    try:
        with av.open(src) as source:
            frames, times = [], []
            stream = source.streams.video[0]
            for index, frame in enumerate(source.decode(stream)):
                frames.append(frame)
                times.append(_frame_times(stream, frame, index))
        if not frames:
            return 'undecodable: no frames'
        step = (times[-1] - times[0]) / max(len(times) - 1, 1) or 1 / fps
        duration = times[-1] - times[0] + step
        width, height = even_size(frames[0].width, frames[0].height,
                                  short_side)
        with av.open(tmp, 'w', format='mp4') as target:
            out = target.add_stream('libx264', rate=Fraction(fps))
            out.width, out.height, out.pix_fmt = width, height, 'yuv420p'
            out.time_base = Fraction(1, fps)
            out.options = {'crf': str(crf)}
            source_index = 0
            for k in range(max(1, round(duration * fps))):
                t = times[0] + k / fps
                while (source_index + 1 < len(times)
                       # ties to the later frame, as FFmpeg's fps filter
                       and abs(times[source_index + 1] - t) <=
                       abs(times[source_index] - t) + 1e-9):
                    source_index += 1
                frame = frames[source_index].reformat(
                    width=width, height=height, format='yuv420p')
                frame.pts, frame.time_base = k, Fraction(1, fps)
                for packet in out.encode(frame):
                    target.mux(packet)
            for packet in out.encode():
                target.mux(packet)
        os.replace(tmp, dst)
    except Exception as error:  # PyAV raises FFmpegError subclasses
        message = ' '.join(str(error).split())
        return f'undecodable: {type(error).__name__}: {message}'
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return None


def _task(args: tuple) -> Optional[str]:
    src, dst, fps, short_side = args
    return prepare_video(src, dst, fps=fps, short_side=short_side)


def prepare_videos(csv_path: str,
                   src_root: str,
                   dst_root: str,
                   *,
                   fps: int = 30,
                   short_side: int = 320,
                   workers: int = 1,
                   report_path: Optional[str] = None) -> List[Tuple[str,
                                                                    str]]:
    """Re-encode every video of an M-MiT CSV into ``dst_root``.

    Args:
        csv_path (str): The split's M-MiT CSV (labels optional).
        src_root (str): Where the CSV's relative paths start.
        dst_root (str): Where the re-encoded videos go, at the same relative
            paths.
        fps (int): Defaults to 30.
        short_side (int): Defaults to 320.
        workers (int): Processes. Defaults to 1.
        report_path (str, optional): Lists the videos not written, as
            ``<video id>\\t<reason>``. Defaults to
            ``<dst_root>/<csv name>.failed.txt``.

    Returns:
        list[tuple[str, str]]: ``(video id, reason)`` of the videos not
        written.
    """
    check_positive_int(fps, 'fps')
    check_positive_int(short_side, 'short_side')
    check_positive_int(workers, 'workers')
    records = read_mmit_csv(csv_path, allow_unlabelled=True)
    tasks = [(osp.join(src_root, r.video_id), osp.join(dst_root, r.video_id),
              fps, short_side) for r in records]
    print_log(f'Re-encoding {len(tasks)} videos of {csv_path} at {fps} fps, '
              f'short side {short_side} px, into {dst_root}',
              logger='current')
    reasons = track_map(
        _task,
        tasks,
        nproc=workers,
        description='Re-encoding videos',
        unit='videos')
    failed = [(r.video_id, reason) for r, reason in zip(records, reasons)
              if reason is not None]
    report_path = report_path or osp.join(
        dst_root, f'{osp.splitext(osp.basename(csv_path))[0]}.failed.txt')
    atomic_write_text(report_path,
                      ''.join(f'{v}\t{why}\n' for v, why in failed))
    print_log(f'{dst_root}: {len(records) - len(failed)} of {len(records)} '
              f'videos ready, {len(failed)} not written (listed in '
              f'{report_path})', logger='current')
    return failed
