"""The class-prior fill of the test videos a member could not score."""
import numpy as np
import pytest

from mmt_challenge.structures import ScoreFile, load_score_file, make_meta
from mmt_challenge.submission import (class_prior, fill_missing_with_prior,
                                      fill_score_file, prior_filled_videos)


@pytest.fixture
def lists(tmp_path):
    rng = np.random.default_rng(0)
    labels = [rng.choice(6, rng.integers(1, 4), replace=False)
              for _ in range(40)]
    train = tmp_path / 'train.txt'
    train.write_text(''.join(
        f'tr/{i}.mp4 {" ".join(map(str, ls))}\n'
        for i, ls in enumerate(labels)))
    test = tmp_path / 'test.txt'
    test.write_text(''.join(f'te/{i}.mp4\n' for i in range(5)))
    # brute force: the fraction of training videos with each class
    prior = np.array([sum(c in ls for ls in labels) / 40 for c in range(6)])
    return str(train), str(test), prior


def _member(ids, rng, unreadable=()):
    return ScoreFile(
        video_ids=np.asarray(ids), class_names=np.asarray(list('abcdef')),
        scores=rng.random((len(ids), 2, 6)), scales=np.array([48, 56]),
        meta=make_meta(unreadable_videos=list(unreadable)))


def test_class_prior_is_the_label_frequency(lists):
    train, _, prior = lists
    np.testing.assert_allclose(class_prior(train, 6), prior, rtol=1e-6)


def test_missing_videos_get_the_prior_in_list_order(lists, tmp_path):
    train, test, prior = lists
    rng = np.random.default_rng(1)
    member = _member(['te/4.mp4', 'te/0.mp4', 'te/2.mp4'], rng,
                     unreadable=['te/3.mp4'])
    filled, missing = fill_missing_with_prior(member, test, train)
    assert list(filled.video_ids) == [f'te/{i}.mp4' for i in range(5)]
    assert missing == {'te/1.mp4': 'not in the score file',
                       'te/3.mp4': 'could not be decoded'}
    for row in (1, 3):
        np.testing.assert_allclose(filled.scores[row],
                                   np.tile(prior, (2, 1)), rtol=1e-6)
    np.testing.assert_array_equal(filled.scores[0], member.scores[1])
    np.testing.assert_array_equal(filled.scores[4], member.scores[0])
    out = str(tmp_path / 'filled.npz')
    path = str(tmp_path / 'member.npz')
    from mmt_challenge.structures import save_score_file
    save_score_file(path, member)
    assert fill_score_file(path, test, train, out) == ['te/1.mp4', 'te/3.mp4']
    assert prior_filled_videos(load_score_file(out)) == missing


def test_a_video_outside_the_test_list_is_an_error(lists):
    train, test, _ = lists
    member = _member(['te/0.mp4', 'other.mp4'], np.random.default_rng(2))
    with pytest.raises(ValueError, match=r"does not list, e.g. \['other"):
        fill_missing_with_prior(member, test, train)
