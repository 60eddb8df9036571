"""Random score files and list files for the ensemble tests."""
import numpy as np
import pytest

from mmt_challenge.structures import ScoreFile, save_score_file


def random_labels(rng, num_videos: int, num_classes: int) -> np.ndarray:
    """[N, C] multi-hot with 1 to 3 positives per video."""
    labels = np.zeros((num_videos, num_classes), dtype=np.uint8)
    for i in range(num_videos):
        count = rng.integers(1, min(3, num_classes) + 1)
        labels[i, rng.choice(num_classes, count, replace=False)] = 1
    return labels


def write_list_file(path, video_ids, labels=None) -> str:
    with open(path, 'w', encoding='utf-8') as f:
        for i, video_id in enumerate(video_ids):
            classes = [] if labels is None else np.flatnonzero(labels[i])
            f.write(' '.join([video_id, *map(str, classes)]) + '\n')
    return str(path)


def random_score_file(rng,
                      video_ids,
                      num_classes: int,
                      scales=(224, 256),
                      labels=None,
                      signal: float = 0.0,
                      shuffle: bool = True,
                      class_names=None) -> ScoreFile:
    """A score file whose rows are in a random order.

    With ``labels`` and ``signal > 0``, positives get higher logits.
    """
    num_videos = len(video_ids)
    logits = rng.normal(size=(num_videos, len(scales), num_classes))
    if labels is not None:
        logits += signal * labels[:, None, :]
    probs = 1 / (1 + np.exp(-logits))
    order = rng.permutation(num_videos) if shuffle else np.arange(num_videos)
    if class_names is None:
        class_names = [f'class_{c}' for c in range(num_classes)]
    return ScoreFile(
        video_ids=np.asarray(video_ids)[order],
        class_names=class_names,
        scores=probs[order],
        scales=list(scales))


@pytest.fixture
def member_files(tmp_path):
    """Write M random members (shuffled rows) and a labelled list file.

    Returns a function ``make(num_members, num_videos, num_classes, seed,
    signal)`` -> ``(paths, list_file, video_ids, labels)``.
    """

    def make(num_members=3, num_videos=50, num_classes=8, seed=0,
             signal=1.0, scales=(224, 256)):
        rng = np.random.default_rng(seed)
        video_ids = [f'videos/{i:03d}.mp4' for i in range(num_videos)]
        labels = random_labels(rng, num_videos, num_classes)
        paths = []
        for m in range(num_members):
            score_file = random_score_file(
                rng, video_ids, num_classes, scales=scales, labels=labels,
                signal=signal)
            path = str(tmp_path / f'member{m}_val.npz')
            save_score_file(path, score_file)
            paths.append(path)
        list_file = write_list_file(tmp_path / 'val_list.txt', video_ids,
                                    labels)
        return paths, list_file, video_ids, labels

    return make


@pytest.fixture
def helpers():
    """The module's helper functions, for tests that build their own data."""

    class Helpers:
        labels = staticmethod(random_labels)
        score_file = staticmethod(random_score_file)
        list_file = staticmethod(write_list_file)

    return Helpers
