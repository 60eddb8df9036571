import pickle

import mmengine
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from mmt_challenge.structures import import_mmaction_dump


def _dump(path, probs, gt=None, with_ids=None):
    """What mmengine's DumpResults writes: ActionDataSample.to_dict()."""
    results = []
    for i, p in enumerate(probs):
        sample = ActionDataSample().set_pred_score(torch.tensor(p))
        if gt is not None:
            sample.set_gt_label(torch.tensor(gt[i]))
        if with_ids is not None:
            sample.set_metainfo(dict(video_id=with_ids[i]))
        results.append(sample.to_dict())
    mmengine.dump(results, path)
    return path


def _list(path, ids, labels):
    with open(path, 'w') as f:
        for video_id, label in zip(ids, labels):
            f.write(f'{video_id} {" ".join(map(str, np.flatnonzero(label)))}'
                    '\n')
    return str(path)


@pytest.fixture
def dump_case(tmp_path):
    rng = np.random.default_rng(0)
    ids = [f'v/{i}.mp4' for i in range(6)]
    labels = np.zeros((6, 4), dtype=np.int64)
    labels[np.arange(6), rng.integers(0, 4, 6)] = 1
    labels[0, 3] = labels[0, 3] or 1
    probs = rng.random((6, 4)).astype(np.float32)
    ann = _list(tmp_path / 'val_list.txt', ids, labels)
    return tmp_path, ids, labels, probs, ann


def test_dump_with_annotation_order(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    path = _dump(str(tmp_path / 'd.pkl'), probs, labels)
    loaded = import_mmaction_dump(path, ann_file=ann, scale=256)
    np.testing.assert_array_equal(loaded.video_ids, ids)
    np.testing.assert_array_equal(loaded.scores[:, 0], probs)
    np.testing.assert_array_equal(loaded.scales, [256])
    assert loaded.class_names.tolist() == ['0', '1', '2', '3']
    assert loaded.meta['tool'] == 'mmaction2 tools/test.py --dump'


def test_dump_keys_match_mmaction():
    sample = ActionDataSample().set_pred_score(torch.ones(3) / 2)
    sample.set_gt_label(torch.tensor([0, 1, 1]))
    assert {'pred_score', 'gt_label'} <= set(sample.to_dict())


def test_dump_in_another_order_is_refused(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    order = [1, 0, 2, 3, 4, 5]
    if (labels[0] == labels[1]).all():
        order = [2, 1, 0, 3, 4, 5]
    path = _dump(str(tmp_path / 'd.pkl'), probs[order], labels[order])
    with pytest.raises(ValueError, match='not in the order of that list'):
        import_mmaction_dump(path, ann_file=ann)


def test_dump_without_ids_needs_ann_file(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    path = _dump(str(tmp_path / 'd.pkl'), probs)
    with pytest.raises(ValueError, match='pass ann_file='):
        import_mmaction_dump(path)
    with_ids = _dump(str(tmp_path / 'ids.pkl'), probs, with_ids=ids)
    np.testing.assert_array_equal(import_mmaction_dump(with_ids).video_ids, ids)


def test_dump_of_another_list_is_refused(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    path = _dump(str(tmp_path / 'd.pkl'), probs[:5], labels[:5])
    with pytest.raises(ValueError, match='has 5 samples but .* lists 6'):
        import_mmaction_dump(path, ann_file=ann)


def test_dump_of_logits(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    logits = np.log(probs / (1 - probs))
    path = _dump(str(tmp_path / 'd.pkl'), logits, labels)
    with pytest.raises(ValueError, match='logits or softmax'):
        import_mmaction_dump(path, ann_file=ann)
    loaded = import_mmaction_dump(path, ann_file=ann, sigmoid=True)
    np.testing.assert_allclose(loaded.scores[:, 0], probs, rtol=1e-5)


def test_dump_class_names_from_label_map(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    path = _dump(str(tmp_path / 'd.pkl'), probs, labels)
    label_map = tmp_path / 'labels.txt'
    label_map.write_text('run\njump\nswim\nfly\n')
    loaded = import_mmaction_dump(path, ann_file=ann, class_names=str(label_map))
    assert loaded.class_names.tolist() == ['run', 'jump', 'swim', 'fly']


def test_dump_that_is_not_a_list(tmp_path):
    path = str(tmp_path / 'd.pkl')
    with open(path, 'wb') as f:
        pickle.dump({'pred_score': 1}, f)
    with pytest.raises(ValueError, match='list of per-sample results'):
        import_mmaction_dump(path)
