"""Challenges end to end: configs, the commands of each stage, the runner
and its report."""
from .challenge_config import (SPLITS, Challenge, ChallengeMember, SplitData,
                               load_challenge, member_overrides,
                               scaled_bce_scale)
from .challenge_plan import (STAGES, Launch, Step, final_checkpoint,
                             plan_stage, write_member_configs)
from .challenge_report import leaderboard, write_report
from .challenge_runner import ChallengeRunner, run_command

__all__ = [
    'SPLITS', 'STAGES', 'Challenge', 'ChallengeMember', 'SplitData',
    'load_challenge', 'member_overrides', 'scaled_bce_scale', 'Launch',
    'Step', 'plan_stage', 'write_member_configs', 'final_checkpoint',
    'leaderboard', 'write_report', 'ChallengeRunner', 'run_command'
]
