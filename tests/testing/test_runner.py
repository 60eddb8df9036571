"""run_dense_test: config + checkpoint -> score file and mAP."""
import hashlib
import os.path as osp

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from mmt_challenge.datasets import labels_to_multi_hot, read_list_file
from mmt_challenge.structures import load_score_file
from mmt_challenge.evaluation import macro_map
from mmt_challenge.testing import (checkpoint_sha256, format_metrics,
                                   run_dense_test, score_metrics)

# the five tiny videos leave classes without a positive
pytestmark = pytest.mark.filterwarnings(
    'ignore::mmt_challenge.evaluation.NoPositiveWarning')


@pytest.fixture(scope='module')
def output(tsm_cfg, tsm_config_path, tsm_checkpoint, tiny_videos,
           tmp_path_factory):
    out = str(tmp_path_factory.mktemp('runner') / 'tsm.npz')
    result = run_dense_test(
        tsm_cfg,
        tsm_checkpoint,
        out=out,
        config_path=tsm_config_path,
        ann_file=tiny_videos['ann'],
        video_root=tiny_videos['root'],
        scales=[28, 32],
        num_clips=2,
        num_crops=3,
        keep_views=True,
        show_progress=False)
    return result, out


def test_score_file_is_written_and_reads_back(output, tsm_config_path,
                                              tsm_checkpoint, tiny_videos):
    result, out = output
    loaded = load_score_file(out)
    assert loaded.video_ids.tolist() == tiny_videos['ids']
    assert loaded.class_names.tolist() == [str(c) for c in range(14)]
    assert loaded.scales.tolist() == [28, 32]
    assert (loaded.num_clips, loaded.num_crops) == (2, 3)
    assert loaded.view_scores.shape == (5, 2, 6, 14)
    np.testing.assert_array_equal(loaded.scores, result.score_file.scores)
    meta = loaded.meta
    assert meta['config'] == tsm_config_path
    assert meta['checkpoint'] == tsm_checkpoint
    with open(tsm_checkpoint, 'rb') as f:
        assert meta['checkpoint_sha256'] == hashlib.sha256(
            f.read()).hexdigest()[:8]
    assert meta['tool'] == 'tools/dense_test.py'
    assert meta['ann_file'] == tiny_videos['ann']
    assert meta['protocol']['crop_sizes'] == [[24, 24], [27, 27]]
    assert meta['unreadable_videos'] == []


def test_metrics_match_scikit_learn(output, tiny_videos):
    result, _ = output
    labels = labels_to_multi_hot(read_list_file(tiny_videos['ann']), 14)
    scores = result.score_file.scores
    assert list(result.metrics) == ['28', '32', 'fused']
    columns = [scores[:, 0], scores[:, 1], scores.mean(axis=1)]
    for name, column in zip(result.metrics, columns):
        metrics = result.metrics[name]
        assert metrics['sample_mAP'] == pytest.approx(
            average_precision_score(labels, column, average='samples'))
        assert metrics['micro_mAP'] == pytest.approx(
            average_precision_score(labels, column, average='micro'))
        assert metrics['macro_mAP'] == pytest.approx(macro_map(column, labels))


def test_format_metrics_has_one_row_per_scale_and_fused(output):
    lines = format_metrics(output[0].metrics).splitlines()
    assert lines[0].split() == [
        'scale', 'sample_mAP', 'macro_mAP', 'micro_mAP'
    ]
    assert [line.split()[0] for line in lines[1:]] == ['28', '32', 'fused']


def test_label_map_names_the_classes(tsm_cfg, tsm_checkpoint, tiny_videos,
                                     tmp_path):
    names = [f'class {c}' for c in range(14)]
    label_map = tmp_path / 'labels.txt'
    label_map.write_text('\n'.join(names) + '\n')
    result = run_dense_test(
        tsm_cfg,
        tsm_checkpoint,
        ann_file=tiny_videos['ann'],
        video_root=tiny_videos['root'],
        scales=[28],
        label_map=str(label_map),
        show_progress=False)
    assert result.score_file.class_names.tolist() == names
    label_map.write_text('\n'.join(names[:3]) + '\n')
    with pytest.raises(
            ValueError, match='names 3 classes but the model '
            'scores 14'):
        run_dense_test(
            tsm_cfg,
            tsm_checkpoint,
            ann_file=tiny_videos['ann'],
            video_root=tiny_videos['root'],
            scales=[28],
            label_map=str(label_map),
            show_progress=False)


def test_unlabelled_list_gives_no_metrics(tsm_cfg, tsm_checkpoint, tiny_videos,
                                          tmp_path):
    ann = tmp_path / 'test.txt'
    ann.write_text('\n'.join(tiny_videos['ids'][:2]) + '\n')
    result = run_dense_test(
        tsm_cfg,
        tsm_checkpoint,
        ann_file=str(ann),
        video_root=tiny_videos['root'],
        scales=[28],
        show_progress=False)
    assert result.metrics == {}
    assert result.score_file.num_videos == 2


def test_no_decodable_video_raises(tsm_cfg, tsm_checkpoint, tmp_path):
    ann = tmp_path / 'list.txt'
    ann.write_text('missing.mp4 1\n')
    with pytest.raises(RuntimeError, match='none of the 1 videos'):
        run_dense_test(
            tsm_cfg,
            tsm_checkpoint,
            ann_file=str(ann),
            video_root=str(tmp_path),
            show_progress=False)


def test_out_must_be_npz(tsm_cfg, tsm_checkpoint):
    with pytest.raises(ValueError, match=r'\.npz'):
        run_dense_test(tsm_cfg, tsm_checkpoint, out='scores.pkl')


def test_score_metrics_checks_the_shape():
    with pytest.raises(ValueError, match=r'\[N, S=2, C\]'):
        score_metrics(np.zeros((3, 1, 4)), np.ones((3, 4)), [1, 2])


def test_checkpoint_sha256_prefix(tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(b'abc' * 1000)
    assert checkpoint_sha256(str(path)) == hashlib.sha256(b'abc' *
                                                          1000).hexdigest()[:8]
    assert len(checkpoint_sha256(str(path), 64)) == 64
    assert osp.isfile(path)
