"""A fused test score file and its test list."""
import numpy as np
import pytest

from mmt_challenge.structures import ScoreFile, save_score_file


@pytest.fixture
def fused(tmp_path):
    """Fused scores for 12 test videos x 10 classes, rows shuffled.

    Returns ``(score_file_path, test_list_path, video_ids_in_list_order,
    scores_in_list_order)``.
    """
    rng = np.random.default_rng(0)
    video_ids = [f'test/{i:02d}.mp4' for i in range(12)]
    scores = rng.random((12, 10)).astype(np.float32)
    order = rng.permutation(12)
    path = str(tmp_path / 'test_fused.npz')
    save_score_file(
        path,
        ScoreFile(
            video_ids=np.asarray(video_ids)[order],
            class_names=[f'class {c}' for c in range(10)],
            scores=scores[order, None, :],
            scales=[0]))
    test_list = tmp_path / 'test_list.txt'
    test_list.write_text(''.join(f'{v}\n' for v in video_ids))
    return path, str(test_list), video_ids, scores
