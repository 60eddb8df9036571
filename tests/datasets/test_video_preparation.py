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
