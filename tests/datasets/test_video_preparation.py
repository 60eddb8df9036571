import pytest

from mmt_challenge.datasets.video_preparation import prepare_videos


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(fps=0), ValueError, 'fps must be positive, got 0'),
    (dict(short_side=320.0), TypeError, 'short_side must be an int'),
    (dict(workers=True), TypeError, 'workers must be an int, got True'),
])
def test_prepare_videos_rejects_bad_options(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        prepare_videos(
            str(tmp_path / 'missing.csv'), str(tmp_path), str(tmp_path / 'out'),
            **kwargs)
    assert not (tmp_path / 'out').exists()


def _gray_video(path, fps, frames, size=(48, 36)):
    import cv2
    import numpy as np
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 40 + 3 * i, np.uint8))
    writer.release()


@pytest.mark.parametrize('fps, frames', [(24, 45), (25, 60), (30, 41)])
def test_prepare_video_resamples_in_time_and_resizes(tmp_path, fps, frames):
    import decord
    import numpy as np

    from mmt_challenge.datasets.video_preparation import prepare_video
    src, dst = tmp_path / 'in.mp4', tmp_path / 'a' / 'out.mp4'
    _gray_video(src, fps, frames)
    assert prepare_video(str(src), str(dst), fps=10, short_side=32) is None
    reader = decord.VideoReader(str(dst))
    assert reader.get_avg_fps() == pytest.approx(10)
    assert len(reader) == round(frames / fps * 10)
    assert reader[0].shape == (32, 42, 3)  # 48x36 -> short side 32, even
    # each output frame is the input frame nearest its time (grey 40 + 3i)
    levels = np.array([reader[k].asnumpy().mean() for k in range(len(reader))])
    # (ties to the later frame, as FFmpeg's fps filter rounds)
    nearest = np.minimum(np.floor(np.arange(len(reader)) * fps / 10 + 0.5),
                         frames - 1)
    # (up to H.264's limited-range rounding: a gain near 1 and an offset)
    gain, offset = np.polyfit(40 + 3 * nearest, levels, 1)
    assert gain == pytest.approx(1, abs=0.05)
    assert np.abs(levels - (gain * (40 + 3 * nearest) + offset)).max() < 1
    mtime = dst.stat().st_mtime_ns
    assert prepare_video(str(src), str(dst), fps=10, short_side=32) is None
    assert dst.stat().st_mtime_ns == mtime  # resumable: not written again
    assert [p.name for p in dst.parent.iterdir()] == ['out.mp4']


def test_prepare_videos_reports_what_it_cannot_encode(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    _gray_video(src / 'ok.mp4', 25, 30)
    (src / 'empty.mp4').write_bytes(b'')
    (src / 'junk.mp4').write_bytes(b'\x00not a video' * 50)
    csv = tmp_path / 'split.csv'
    csv.write_text('ok.mp4,0\nempty.mp4,1\njunk.mp4,0\ngone.mp4,1\n')
    failed = prepare_videos(str(csv), str(src), str(tmp_path / 'out'),
                            fps=10, short_side=32)
    assert [v for v, _ in failed] == ['empty.mp4', 'junk.mp4', 'gone.mp4']
    assert dict(failed)['gone.mp4'] == 'missing'
    assert all(why.startswith('undecodable') for v, why in failed[:2])
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [
        'ok.mp4', 'split.failed.txt']
    report = (tmp_path / 'out' / 'split.failed.txt').read_text()
    assert report.splitlines()[2] == 'gone.mp4\tmissing'
