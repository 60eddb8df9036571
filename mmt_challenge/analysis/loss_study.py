"""Which multi-label loss trains the mini TSM best: every loss trained with
several seeds, the mean and standard deviation of each loss's validation
sample mAP.

Each run is one ``tools/train.py`` training (the users' path, in its own
process) of a loss's mini config with ``--seed``; its result is the
validation sample mAP that training logged after its last epoch (the
``mmit/sample_mAP`` of mmengine's ``vis_data/scalars.json``), not the best
epoch's, which would pick a checkpoint on the very videos it is scored on.

The study resumes: a run whose ``result.json`` exists is not trained again,
and an interrupted training resumes from its last checkpoint.
"""
import glob
import json
import os.path as osp
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np
from mmengine.logging import print_log

from ..datasets import build_list_file, generate_mini_dataset
from ..utils import atomic_write_text

__all__ = [
    'LOSS_STUDY_CONFIGS', 'StudyResult', 'LossSummary', 'read_val_metric',
    'prepare_mini_data', 'train_with_tool', 'run_loss_study',
    'summarize_loss_study', 'format_loss_study_table'
]

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRIC = 'mmit/sample_mAP'
#: The losses of the study and their mini TSM configs (repository-relative),
#: in table order.
LOSS_STUDY_CONFIGS: Dict[str, str] = {
    'ScaledBCELoss (scale C/2)':
    'configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py',
    'LSEPLoss': 'configs/mini/tsm_r18-lsep_1xb8-1x1x8-8e_mini-mmit-rgb.py',
    'WARPLoss (exact)':
    'configs/mini/tsm_r18-warp_1xb8-1x1x8-8e_mini-mmit-rgb.py',
    'TwoWayLoss': 'configs/mini/tsm_r18-twoway_1xb8-1x1x8-8e_mini-mmit-rgb.py',
    'AsymmetricLoss': 'configs/mini/tsm_r18-asl_1xb8-1x1x8-8e_mini-mmit-rgb.py',
}
#: The list files of the mini M-MiT, named as the mini dataset base expects.
LIST_FILES = {
    'train': ('trainingSet.csv', 'mini_mmit_train_list_videos.txt'),
    'val': ('validationSet.csv', 'mini_mmit_val_list_videos.txt'),
    'test': ('testingSet.csv', 'mini_mmit_test_list_videos.txt'),
}

#: ``train_fn(config, work_dir, seed, cfg_options)``: trains one run.
TrainFn = Callable[[str, str, int, Sequence[str]], None]


@dataclass
class StudyResult:
    """One training of the study.

    Args:
        loss (str): The loss's row name.
        config (str): The config trained.
        seed (int): The training seed.
        sample_mAP (float): Validation sample mAP after the last epoch.
        epoch (int): That last epoch.
        best_sample_mAP (float): The best validation sample mAP of any
            evaluated epoch (reported, not used in the table).
        seconds (float): Wall time of the training (0 when it was resumed
            from a result of an earlier session).
    """
    loss: str
    config: str
    seed: int
    sample_mAP: float
    epoch: int
    best_sample_mAP: float
    seconds: float


@dataclass
class LossSummary:
    """One loss's row: mean and sample standard deviation over seeds.

    Args:
        loss (str): The loss's row name.
        mean (float): Mean of the seeds' sample mAP.
        std (float): Their standard deviation (``ddof=1``; NaN for one seed).
        values (list[float]): The seeds' sample mAP, in seed order.
        seeds (list[int]): The seeds.
    """
    loss: str
    mean: float
    std: float
    values: List[float]
    seeds: List[int]


def read_val_metric(work_dir: str, key: str = METRIC) -> Dict[int, float]:
    """The validation metric ``key`` by epoch, as a training logged it.

    Reads every ``<timestamp>/vis_data/scalars.json`` under ``work_dir``
    (one per session: a resumed training starts a new one), later sessions
    winning for an epoch evaluated twice.

    Raises:
        FileNotFoundError: No ``scalars.json`` under ``work_dir``.
        ValueError: No line of them has ``key``.
    """
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not paths:
        raise FileNotFoundError(
            f'no */vis_data/scalars.json under {work_dir}: did the training '
            'run with LocalVisBackend and validation?')
    by_epoch = {}
    for path in paths:
        with open(path) as f:
            for line_number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f'{path}:{line_number}: not JSON: '
                                     f'{e}') from e
                if key in record:
                    by_epoch[int(record['step'])] = float(record[key])
    if not by_epoch:
        raise ValueError(f'no {key!r} in {", ".join(paths)}: was the '
                         'training validated?')
    return by_epoch


def prepare_mini_data(data_dir: str) -> None:
    """Generate the mini M-MiT in ``data_dir`` unless it is there, and write
    its list files unless they are there."""
    if not osp.isfile(osp.join(data_dir, 'classes.json')):
        generate_mini_dataset(data_dir, show_progress=True)
    with open(osp.join(data_dir, 'classes.json')) as f:
        num_classes = len(json.load(f)['classes'])
    for csv, list_file in LIST_FILES.values():
        out = osp.join(data_dir, list_file)
        if not osp.isfile(out):
            build_list_file(
                osp.join(data_dir, csv),
                osp.join(data_dir, 'videos'),
                out,
                num_classes=num_classes)


def data_options(data_dir: str) -> List[str]:
    """``--cfg-options`` pointing a mini config's loaders at ``data_dir``
    (made absolute: the trainings run from the repository root)."""
    data_dir = osp.abspath(data_dir)
    splits = dict(train='train', val='val', test='test')
    return [
        f'{loader}_dataloader.dataset.{key}={value}'
        for loader, split in splits.items()
        for key, value in (('ann_file',
                            osp.join(data_dir, LIST_FILES[split][1])),
                           ('data_prefix.video', osp.join(data_dir, 'videos')))
    ]


def train_with_tool(config: str, work_dir: str, seed: int,
                    cfg_options: Sequence[str]) -> None:
    """Train with ``python tools/train.py CONFIG --work-dir W --seed S`` in
    a process of its own, resuming from the last checkpoint of an
    interrupted training."""
    command = [
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'train.py'), config, '--work-dir',
        work_dir, '--seed',
        str(seed)
    ]
    if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
        command.append('--resume')
    if cfg_options:
        command += ['--cfg-options', *cfg_options]
    print_log('$ ' + ' '.join(command), logger='current')
    result = subprocess.run(command, cwd=REPO_ROOT)
    if result.returncode != 0:
        raise RuntimeError(f'training {config} with seed {seed} failed with '
                           f'exit code {result.returncode}; its log is in '
                           f'{work_dir}')


def run_loss_study(work_dir: str,
                   *,
                   configs: Optional[Mapping[str, str]] = None,
                   seeds: Sequence[int] = (0, 1, 2),
                   cfg_options: Sequence[str] = (),
                   train_fn: TrainFn = train_with_tool) -> List[StudyResult]:
    """Train every loss with every seed, skipping finished runs.

    Runs go seed by seed, each seed's losses in ``configs`` order. Run ``(loss, seed)`` works in
    ``<work_dir>/<config name>/seed<seed>``; it is finished when its
    ``result.json`` (written atomically after the training) exists.

    Args:
        work_dir (str): Root of the runs' work dirs.
        configs (Mapping[str, str], optional): Loss row name -> config path.
            Defaults to :data:`LOSS_STUDY_CONFIGS`.
        seeds (Sequence[int]): Training seeds. Defaults to ``(0, 1, 2)``.
        cfg_options (Sequence[str]): ``--cfg-options`` items for every
            training (e.g. :func:`data_options`). Defaults to ``()``.
        train_fn (callable): Trains one run. Defaults to
            :func:`train_with_tool`.

    Returns:
        list[StudyResult]: Every run's result, in run order.
    """
    # absolute: the trainings run from the repository root
    work_dir = osp.abspath(work_dir)
    configs = dict(LOSS_STUDY_CONFIGS if configs is None else configs)
    if not configs:
        raise ValueError('configs is empty: nothing to study')
    seeds = list(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f'seeds must be distinct and at least one, got '
                         f'{seeds}')
    stems = [osp.splitext(osp.basename(c))[0] for c in configs.values()]
    if len(set(stems)) != len(stems):
        raise ValueError(f'two losses share a config name: {stems}; their '
                         'runs would share work dirs')
    results = []
    # seed by seed, so that a study stopped early still has every loss
    for seed in seeds:
        for (loss, config), stem in zip(configs.items(), stems):
            run_dir = osp.join(work_dir, stem, f'seed{seed}')
            result_path = osp.join(run_dir, 'result.json')
            if osp.isfile(result_path):
                with open(result_path) as f:
                    result = StudyResult(**json.load(f))
                print_log(f'{loss}, seed {seed}: done, sample mAP '
                          f'{result.sample_mAP:.4f} ({result_path})',
                          logger='current')
            else:
                print_log(f'{loss}, seed {seed}: training {config}',
                          logger='current')
                start = time.perf_counter()
                train_fn(config, run_dir, seed, list(cfg_options))
                seconds = time.perf_counter() - start
                by_epoch = read_val_metric(run_dir)
                last = max(by_epoch)
                result = StudyResult(
                    loss=loss,
                    config=config,
                    seed=seed,
                    sample_mAP=by_epoch[last],
                    epoch=last,
                    best_sample_mAP=max(by_epoch.values()),
                    seconds=round(seconds, 1))
                atomic_write_text(result_path,
                                  json.dumps(asdict(result), indent=2) + '\n')
            results.append(result)
    return results


def summarize_loss_study(results: Sequence[StudyResult]) -> List[LossSummary]:
    """Mean and standard deviation (``ddof=1``) of each loss's seeds, in the
    order the losses first appear."""
    rows: Dict[str, List[StudyResult]] = {}
    for result in results:
        rows.setdefault(result.loss, []).append(result)
    summaries = []
    for loss, runs in rows.items():
        runs = sorted(runs, key=lambda r: r.seed)
        values = np.array([r.sample_mAP for r in runs], dtype=np.float64)
        std = float(values.std(ddof=1)) if len(values) > 1 else float('nan')
        summaries.append(
            LossSummary(
                loss=loss,
                mean=float(values.mean()),
                std=std,
                values=values.tolist(),
                seeds=[r.seed for r in runs]))
    return summaries


def format_loss_study_table(summaries: Sequence[LossSummary]) -> str:
    """A Markdown table: loss, mean ± std, each seed's value, and the gap
    to the best mean in units of the pooled seed-to-seed standard deviation
    (the root mean square of the losses' standard deviations)."""
    if not summaries:
        raise ValueError('no losses to tabulate')
    seeds = summaries[0].seeds
    for s in summaries:
        if s.seeds != seeds:
            raise ValueError(f'{s.loss} has seeds {s.seeds}, '
                             f'{summaries[0].loss} has {seeds}: the table '
                             'needs the same seeds for every loss')
    stds = [s.std for s in summaries if not np.isnan(s.std)]
    pooled = float(np.sqrt(np.mean(np.square(stds)))) if stds else float('nan')
    best = max(s.mean for s in summaries)
    seed_columns = ' | '.join(f'seed {seed}' for seed in seeds)
    lines = [
        f'| loss | sample mAP (mean ± std, {len(seeds)} seeds) | '
        f'{seed_columns} | gap to best / pooled std |',
        '|---|---:|' + '---:|' * len(seeds) + '---:|'
    ]
    for s in summaries:
        values = ' | '.join(f'{v:.3f}' for v in s.values)
        gap = (best - s.mean) / pooled if pooled > 0 else float('nan')
        lines.append(f'| {s.loss} | {s.mean:.3f} ± {s.std:.3f} | {values} | '
                     f'{gap:.1f} |')
    lines.append('')
    lines.append(f'Pooled seed-to-seed standard deviation: {pooled:.3f}.')
    return '\n'.join(lines)
