"""Challenge runs with the heavy steps faked: a tiny mini challenge, a
stand-in for ``run_command`` that records every command, fakes trainings
(a checkpoint file) and dense tests (a score file of random probabilities),
runs the light steps for real, and may press Ctrl-C."""
import os
import os.path as osp
from unittest import mock

import numpy as np
from mmengine.config import Config

from mmt_challenge.apis import ChallengeRunner
from mmt_challenge.apis import challenge_runner as runner_module
from mmt_challenge.datasets import read_label_map, read_list_file
from mmt_challenge.structures import ScoreFile, save_score_file

from .conftest import ROOT

RUN_COMMAND = runner_module.run_command


def after(argv, flag):
    """The value after ``flag`` in a command."""
    return argv[argv.index(flag) + 1]


def tiny_challenge(root) -> str:
    data = root / 'data'
    text = f"""
_base_ = [{osp.join(ROOT, 'challenges', 'mini_mmit.py')!r}]
work_dir = {str(root / 'work')!r}
_root = {str(data)!r}
data = dict(
    generate=dict(out=_root, num_train=8, num_val=6, num_test=6, size=32,
                  num_frames=8),
    label_map=f'{{_root}}/moments_categories.txt',
    **{{split: dict(csv=f'{{_root}}/{{csv}}', videos=f'{{_root}}/videos',
                   list=f'{{_root}}/{{split}}_list.txt')
       for split, csv in (('train', 'trainingSet.csv'),
                          ('val', 'validationSet.csv'),
                          ('test', 'testingSet.csv'))}})
submission = dict(file={str(root / 'submissions' / 'top5.txt')!r})
report = dict(class_group=dict(classes_json=f'{{_root}}/classes.json'))
"""
    path = root / 'tiny_mini.py'
    path.write_text(text)
    return str(path)


def fake_heavy(argv):
    """Stand in for a training (its checkpoints) or a dense test (a score
    file of random probabilities for the videos on disk)."""
    tool = next(a for a in argv if a.endswith('.py'))
    if tool.endswith('train.py'):
        work = after(argv, '--work-dir')
        os.makedirs(work, exist_ok=True)
        cfg = Config.fromfile(argv[argv.index(tool) + 1])
        checkpoint = osp.join(work, f'epoch_{cfg.train_cfg.max_epochs}.pth')
        with open(checkpoint, 'wb') as f:
            f.write(b'fake checkpoint')
        with open(osp.join(work, 'last_checkpoint'), 'w') as f:
            f.write(checkpoint)
        return
    out, ann = after(argv, '--out'), after(argv, '--ann')
    root = after(argv, '--video-root')
    names = read_label_map(after(argv, '--label-map'))
    ids = [r.video_id for r in read_list_file(ann, allow_unlabelled=True)
           if osp.isfile(osp.join(root, r.video_id))]
    rng = np.random.default_rng(abs(hash(out)) % 2**32)
    save_score_file(out, ScoreFile(
        video_ids=np.asarray(ids), class_names=np.asarray(names),
        scores=rng.random((len(ids), 2, len(names))),
        scales=np.array([28, 32])))


class Spy:
    """Stands in for ``run_command``: records every command, fakes the
    heavy ones, runs the others, and may press Ctrl-C.

    Args:
        interrupt (callable, optional): Predicate on a command: raise
            KeyboardInterrupt instead of running it.
        before (callable, optional): Called with a heavy command before it
            is faked (may wait, or raise as a failed command).
        during (callable, optional): Predicate on a command: run it (faked
            or not), then raise KeyboardInterrupt, as if Ctrl-C came while
            it was writing.
    """

    def __init__(self, interrupt=None, during=None, before=None):
        self.commands = []
        self.calls = []  # (argv, env, log_file)
        self.interrupt = interrupt or (lambda argv: False)
        self.during = during or (lambda argv: False)
        self.before = before or (lambda argv: None)

    def __call__(self, argv, in_process=False, env=None, log_file=None):
        self.commands.append(list(argv))
        self.calls.append((list(argv), env, log_file))
        if self.interrupt(argv):
            raise KeyboardInterrupt
        if in_process:
            RUN_COMMAND(argv, in_process=True)
        else:
            self.before(argv)
            fake_heavy(argv)
        if self.during(argv):
            raise KeyboardInterrupt

    def tools(self, name):
        return [c for c in self.commands if f'tools/{name}.py' in c]


def run_with(challenge, spy, jobs=1):
    """Run the challenge with ``spy`` as ``run_command``; one job at a time
    unless ``jobs`` says (the order of the commands is then fixed)."""
    with mock.patch.object(runner_module, 'run_command', spy):
        return ChallengeRunner(challenge, jobs=jobs).run()
