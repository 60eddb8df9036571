from unittest import mock

import pytest
import torch

import mmt_challenge  # noqa: F401
from mmaction.registry import DATASETS
from mmt_challenge.datasets import MultiLabelVideoDataset

PIPELINE = [
    dict(type='DecordInit', num_threads=1),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=4),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(16, 16), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', )),
]


def build(ann_file, root, **kwargs):
    cfg = dict(
        type='MultiLabelVideoDataset',
        ann_file=str(ann_file),
        data_prefix=dict(video=root),
        num_classes=5,
        pipeline=PIPELINE)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


@pytest.fixture
def ann_with_broken_video(tmp_path, video_factory):
    lines = []
    for i in range(6):
        video_factory(f'v{i}.mp4', broken=(i == 3), seed=i)
        lines.append(f'v{i}.mp4 {i % 5} {(i + 2) % 5}')
    ann = tmp_path / 'list.txt'
    ann.write_text('\n'.join(lines) + '\n')
    return ann


@pytest.mark.parametrize('test_mode', [False, True])
def test_bad_video_is_substituted_logged_once_and_counted(
        ann_with_broken_video, video_factory, test_mode):
    dataset = build(
        ann_with_broken_video, video_factory.root, test_mode=test_mode)
    with mock.patch(f'{MultiLabelVideoDataset.__module__}.print_log') as log:
        # Two passes over the whole dataset, as two epochs would.
        samples = [dataset[i] for _ in range(2) for i in range(len(dataset))]
    assert len(samples) == 12
    assert dataset.bad_videos == {'v3.mp4'}
    returned_ids = {s['data_samples'].video_id for s in samples}
    assert 'v3.mp4' not in returned_ids
    assert returned_ids == {'v0.mp4', 'v1.mp4', 'v2.mp4', 'v4.mp4', 'v5.mp4'}
    assert log.call_count == 1
    assert 'Skipping undecodable video v3.mp4' in log.call_args.args[0]


def test_multi_hot_targets_and_video_ids(ann_with_broken_video, video_factory):
    dataset = build(ann_with_broken_video, video_factory.root)
    sample = dataset[1]
    target = sample['data_samples'].gt_label
    torch.testing.assert_close(target, torch.tensor([0., 1., 0., 1., 0.]))
    assert sample['data_samples'].video_id == 'v1.mp4'
    assert sample['inputs'].shape == (4, 3, 16, 16)


def test_reads_mmit_csv_directly(tmp_path, video_factory):
    video_factory('a.mp4')
    csv = tmp_path / 'validationSet.csv'
    csv.write_text('a.mp4,4,0\n')
    dataset = build(csv, video_factory.root)
    torch.testing.assert_close(dataset[0]['data_samples'].gt_label,
                               torch.tensor([1., 0., 0., 0., 1.]))


def test_pipeline_bug_is_not_swallowed(ann_with_broken_video, video_factory):
    pipeline = PIPELINE[:3] + [dict(type='Resize', scale=(-1, -1))]
    dataset = build(
        ann_with_broken_video, video_factory.root, pipeline=pipeline)
    with pytest.raises(Exception) as info:
        dataset[0]
    assert 'undecodable' not in str(info.value)
    assert dataset.bad_videos == set()


def test_all_videos_broken_gives_clear_error(tmp_path, video_factory):
    for i in range(2):
        video_factory(f'b{i}.mp4', broken=True)
    ann = tmp_path / 'l.txt'
    ann.write_text('b0.mp4 1\nb1.mp4 2\n')
    dataset = build(ann, video_factory.root, max_refetch=5)
    with pytest.raises(RuntimeError, match=r'after 6 attempts .*l.txt'):
        dataset[0]
    assert dataset.bad_videos == {'b0.mp4', 'b1.mp4'}


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_classes=0), 'num_classes must be positive, got 0'),
    (dict(multi_class=False), 'always multi_class'),
])
def test_bad_arguments(ann_with_broken_video, video_factory, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(ann_with_broken_video, video_factory.root, **kwargs)


def test_out_of_range_label_names_line(tmp_path, video_factory):
    ann = tmp_path / 'l.txt'
    ann.write_text('a.mp4 1\nb.mp4 7\n')
    with pytest.raises(ValueError, match=r'l.txt, line 2: label 7'):
        build(ann, video_factory.root)
