"""A dataset in the M-MiT format unlike the mini M-MiT, for challenge tests:
5 classes named with '+', spaces and non-ASCII letters; videos in nested
class folders at 24, 25 and 30 fps, 40 to 90 frames, non-square frames; a
missing, an empty and a truncated training video; an undecodable test video;
a test CSV of file names only, in a folder of its own."""
import os
import os.path as osp

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLASSES = ['jump+run', 'pouring water', 'café crème', 'Ängstlich+schauen',
           'zoom out']


def _folder(name: str) -> str:
    # The MMAction2 list format separates fields by whitespace.
    return name.replace(' ', '_')


def _write(path: str, rng: np.random.Generator, label: int) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    fps = int(rng.choice([24, 25, 30]))
    frames = int(rng.integers(40, 91))
    width, height = [(40, 30), (30, 44), (48, 36)][int(rng.integers(3))]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    colour = np.array([50 * label, 255 - 40 * label, 120], dtype=np.uint8)
    for t in range(frames):
        frame = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
        x = (t * 2) % max(width - 8, 1)
        frame[height // 3:height // 3 + 8, x:x + 8] = colour
        writer.write(frame)
    writer.release()


def make_odd_dataset(root: str, seed: int = 0) -> dict:
    """Write the dataset under ``root``; returns its paths and the videos
    that the data stage or the dense test cannot use."""
    rng = np.random.default_rng(seed)
    videos = osp.join(root, 'videos')
    rows = {'train': [], 'val': []}
    for split, per_class in (('train', 2), ('val', 2)):
        for label, name in enumerate(CLASSES):
            for i in range(per_class):
                rel = f'{split}/{_folder(name)}/clip {i}'.replace(' ', '_')
                rel += '.mp4'
                _write(osp.join(videos, rel), rng, label)
                extra = (label + 1) % len(CLASSES)
                labels = [label, extra] if i == 1 else [label]
                rows[split].append(','.join([rel, *map(str, labels)]))
    broken = {
        'missing': 'train/jump+run/gone.mp4',
        'empty': 'train/zoom_out/empty.mp4',
        'truncated': 'train/café_crème/cut.mp4',
    }
    open(osp.join(videos, broken['empty']), 'wb').close()
    _write(osp.join(videos, broken['truncated']), rng, 2)
    with open(osp.join(videos, broken['truncated']), 'r+b') as f:
        f.truncate(600)
    rows['train'] += [f'{rel},0' for rel in broken.values()]
    test_videos = osp.join(root, 'test_videos')
    test_ids = [f'test_{i}.mp4' for i in range(4)] + ['test_unreadable.mp4']
    for i, video in enumerate(test_ids[:-1]):
        _write(osp.join(test_videos, video), rng, i % len(CLASSES))
    with open(osp.join(test_videos, test_ids[-1]), 'wb') as f:
        f.write(b'\x00not a video\x00' * 64)
    rows['test'] = test_ids
    paths = dict(root=root, videos=videos, test_videos=test_videos,
                 label_map=osp.join(root, 'classes.txt'),
                 test_ids=test_ids, broken_train=broken,
                 unreadable_test=test_ids[-1])
    for split, lines in rows.items():
        paths[f'{split}_csv'] = osp.join(root, f'{split}.csv')
        with open(paths[f'{split}_csv'], 'w', encoding='utf-8') as f:
            f.write(''.join(line + '\n' for line in lines))
    with open(paths['label_map'], 'w', encoding='utf-8') as f:
        f.write(''.join(name + '\n' for name in CLASSES))
    return paths


def write_challenge(path: str, data: dict, work_dir: str,
                    extra: str = '') -> str:
    """The about-ten-line challenge config of docs/challenges.md for the
    odd dataset: two mini members, tiny schedules."""
    text = f"""
data = dict(
    label_map={data['label_map']!r},
    train=dict(csv={data['train_csv']!r}, videos={data['videos']!r}),
    val=dict(csv={data['val_csv']!r}, videos={data['videos']!r}),
    test=dict(csv={data['test_csv']!r}, videos={data['test_videos']!r}))
members = [
    dict(name='TSM', config='configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'),
    dict(name='TSN', config='configs/mini/tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'),
]
work_dir = {work_dir!r}
{extra}
"""
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return str(path)

