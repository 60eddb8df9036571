import cv2
import numpy as np
import pytest
import torch
from mmaction.models import ActionDataPreprocessor
from mmaction.registry import DATASETS
from mmaction.structures import ActionDataSample
from mmengine.dataset import pseudo_collate
from torch.utils.data import Dataset

import mmt_challenge  # noqa: F401
from mmt_challenge.datasets.multi_source_dataset import (MultiSourceDataset,
                                                         label_to_target)


class FakeSource(Dataset):
    """Packed samples with given labels and inputs filled with the index."""

    def __init__(self, labels, shape=(2, 3, 4, 4)):
        self.labels = labels
        self.shape = shape
        self.full_init_calls = 0

    def __len__(self):
        return len(self.labels)

    def full_init(self):
        self.full_init_calls += 1

    def get_data_info(self, idx):
        return dict(label=self.labels[idx], idx=idx)

    def __getitem__(self, idx):
        sample = ActionDataSample()
        label = self.labels[idx]
        if isinstance(label, torch.Tensor):
            sample.gt_label = label
        else:
            sample.set_gt_label(label)
        return dict(inputs=torch.full(self.shape, float(idx)),
                    data_samples=sample)


def make_dataset():
    multi = FakeSource([[0, 2], torch.tensor([0., 1., 1., 0.]), [3]])
    single = FakeSource([1, 0])
    return MultiSourceDataset(sources=[
        dict(name='mmit', num_classes=4, dataset=multi),
        dict(name='k400', num_classes=2, dataset=single),
    ])


def test_concatenates_the_sources_in_order():
    dataset = make_dataset()
    assert len(dataset) == 5
    assert dataset.source_names == ('mmit', 'k400')
    assert dataset.num_classes == (4, 2)
    assert dataset.source_sizes == (3, 2)
    assert dataset.cumulative_sizes == [3, 5]
    assert [dataset.locate(i) for i in range(5)] == [(0, 0), (0, 1), (0, 2),
                                                     (1, 0), (1, 1)]
    assert dataset.get_data_info(4) == dict(label=0, idx=1)
    assert dataset.metainfo['source_sizes'] == (3, 2)
    assert 'mmit (3 samples, 4 classes)' in repr(dataset)


@pytest.mark.parametrize('idx, index, name, targets', [
    (0, 0, 'mmit', [1, 0, 1, 0, 0, 0]),
    (1, 0, 'mmit', [0, 1, 1, 0, 0, 0]),
    (2, 0, 'mmit', [0, 0, 0, 1, 0, 0]),
    (3, 1, 'k400', [0, 0, 0, 0, 0, 1]),
    (4, 1, 'k400', [0, 0, 0, 0, 1, 0]),
])
def test_each_sample_carries_its_dataset_targets_and_mask(
        idx, index, name, targets):
    data = make_dataset()[idx]
    sample = data['data_samples']
    assert sample.metainfo['dataset_index'] == index
    assert sample.metainfo['dataset_name'] == name
    assert sample.dataset_targets.tolist() == targets
    assert sample.dataset_targets.dtype == torch.float32
    assert sample.loss_mask.tolist() == [float(index == 0),
                                         float(index == 1)]
    assert data['inputs'][0, 0, 0, 0].item() == make_dataset().locate(idx)[1]


def test_keeps_the_sources_own_gt_label():
    dataset = make_dataset()
    assert dataset[3]['data_samples'].gt_label.tolist() == [1]
    assert dataset[0]['data_samples'].gt_label.tolist() == [0, 2]


def test_full_init_reaches_every_source():
    dataset = make_dataset()
    dataset.full_init()
    assert [d.full_init_calls for d in dataset.datasets] == [1, 1]


def test_index_errors():
    dataset = make_dataset()
    with pytest.raises(IndexError, match='index 5 out of range'):
        dataset[5]
    with pytest.raises(IndexError, match='index -1 out of range'):
        dataset[-1]
    with pytest.raises(TypeError, match='index must be an int'):
        dataset['1']


def test_a_label_outside_the_sources_classes_names_the_source():
    dataset = MultiSourceDataset(sources=[
        dict(name='k400', num_classes=2, dataset=FakeSource([3])),
    ])
    with pytest.raises(ValueError, match=r"source 'k400', sample 0: class "
                       r'indices \[3\] are out of range for 2 classes'):
        dataset[0]


def test_a_source_without_packed_labels():

    class Unpacked(FakeSource):

        def __getitem__(self, idx):
            return dict(inputs=torch.zeros(1))

    dataset = MultiSourceDataset(sources=[
        dict(name='a', num_classes=2, dataset=Unpacked([0])),
    ])
    with pytest.raises(ValueError, match='PackActionInputs'):
        dataset[0]


@pytest.mark.parametrize('sources, error, match', [
    ([], ValueError, 'non-empty list'),
    (dict(name='a'), ValueError, 'non-empty list'),
    (['a'], TypeError, 'source 0 must be a dict'),
    ([dict(name='a', num_classes=2)], ValueError,
     r"source 0: missing key\(s\) \['dataset'\]"),
    ([dict(name='a', num_classes=2, dataset=FakeSource([0]), weight=1)],
     ValueError, r"source 0: unknown key\(s\) \['weight'\]"),
    ([dict(name='a b', num_classes=2, dataset=FakeSource([0]))], ValueError,
     'letters, digits'),
    ([dict(name='a', num_classes=2, dataset=FakeSource([0])),
      dict(name='a', num_classes=2, dataset=FakeSource([0]))], ValueError,
     'appears twice'),
    ([dict(name='a', num_classes=0, dataset=FakeSource([0]))], ValueError,
     "source 'a': num_classes must be positive, got 0"),
    ([dict(name='a', num_classes=2, dataset=FakeSource([]))], ValueError,
     "source 'a' is empty"),
])
def test_bad_sources(sources, error, match):
    with pytest.raises(error, match=match):
        MultiSourceDataset(sources=sources)


# ---------------------------------------------------------------------------
# label_to_target
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('label, expected', [
    (2, [0, 0, 1, 0]),
    ([0, 3], [1, 0, 0, 1]),
    (torch.tensor([1]), [0, 1, 0, 0]),
    (np.array([1, 2]), [0, 1, 1, 0]),
    (torch.tensor([0., 0.5, 1., 0.]), [0, 0.5, 1, 0]),
    (torch.tensor([True, False, False, True]), [1, 0, 0, 1]),
    (np.array([0., 1., 0., 0.], dtype=np.float32), [0, 1, 0, 0]),
])
def test_label_to_target(label, expected):
    target = label_to_target(label, 4)
    assert target.dtype == torch.float32
    assert target.tolist() == expected


def test_label_to_target_errors():
    with pytest.raises(ValueError, match=r'indices \[-1\] are out of range'):
        label_to_target(-1, 4)
    with pytest.raises(ValueError, match='must have 4 entries, got 3'):
        label_to_target(torch.zeros(3), 4)
    with pytest.raises(ValueError, match=r'lie in \[0, 1\], got \[2.0\]'):
        label_to_target(torch.tensor([0., 2., 0., 0.]), 4)
    with pytest.raises(ValueError, match=r'lie in \[0, 1\], got \[nan\]'):
        label_to_target(torch.tensor([0., float('nan'), 0., 0.]), 4)


# ---------------------------------------------------------------------------
# Real sources: multi-label videos, single-label videos, images as clips
# ---------------------------------------------------------------------------
def video_pipeline(num_frames):
    return [
        dict(type='DecordInit', num_threads=1),
        dict(type='SampleFrames', clip_len=1, frame_interval=1,
             num_clips=num_frames, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(16, 16), keep_ratio=False),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs'),
    ]


def image_pipeline(num_frames):
    return [
        dict(type='ImageDecode'),
        dict(type='Resize', scale=(16, 16), keep_ratio=False),
        dict(type='BuildPseudoClip', clip_len=num_frames),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs'),
    ]


def test_videos_and_images_batch_together(tmp_path, video_factory):
    video_factory('a.mp4', num_frames=8)
    video_factory('b.mp4', num_frames=8, seed=1)
    (tmp_path / 'multi.txt').write_text('a.mp4 0 2\nb.mp4 1\n')
    (tmp_path / 'single.txt').write_text('b.mp4 1\n')
    image_dir = tmp_path / 'images'
    image_dir.mkdir()
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    cv2.imwrite(str(image_dir / 'x.png'), image)
    (tmp_path / 'images.txt').write_text('x.png 4\n')

    dataset = DATASETS.build(dict(
        type='MultiSourceDataset',
        sources=[
            dict(name='mmit', num_classes=3, dataset=dict(
                type='MultiLabelVideoDataset',
                ann_file=str(tmp_path / 'multi.txt'), num_classes=3,
                data_prefix=dict(video=video_factory.root),
                pipeline=video_pipeline(4))),
            dict(name='k400', num_classes=2, dataset=dict(
                type='VideoDataset', ann_file=str(tmp_path / 'single.txt'),
                data_prefix=dict(video=video_factory.root),
                pipeline=video_pipeline(4))),
            dict(name='in1k', num_classes=5, dataset=dict(
                type='VideoDataset', ann_file=str(tmp_path / 'images.txt'),
                data_prefix=dict(video=str(image_dir)),
                pipeline=image_pipeline(4))),
        ]))
    assert len(dataset) == 4
    items = [dataset[i] for i in range(4)]
    assert all(item['inputs'].shape == (4, 3, 16, 16) for item in items)
    still = items[3]['inputs']
    assert all(torch.equal(still[0], still[t]) for t in range(4))
    assert items[3]['data_samples'].dataset_targets.tolist() == [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert items[0]['data_samples'].dataset_targets[:3].tolist() == [1, 0, 1]
    assert items[2]['data_samples'].dataset_targets[3:5].tolist() == [0, 1]

    batch = ActionDataPreprocessor(format_shape='NCHW')(
        pseudo_collate(items), training=True)
    assert batch['inputs'].shape == (4, 4, 3, 16, 16)
    masks = torch.stack([s.loss_mask for s in batch['data_samples']])
    assert masks.tolist() == [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
