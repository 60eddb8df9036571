"""Challenges end to end: configs, the files they generate, the commands of
each stage, the launchers, the runner and its report."""
from .challenge_config import (SPLITS, Challenge, ChallengeMember, SplitData,
                               load_challenge)
from .challenge_plan import STAGES, Step, final_checkpoint, plan_stage
from .challenge_report import leaderboard, write_report
from .challenge_runner import ChallengeRunner, run_command
from .launch import Launch
from .member_injection import (member_overrides, scaled_bce_scale,
                               write_member_configs, write_recipe)

__all__ = [
    'SPLITS', 'STAGES', 'Challenge', 'ChallengeMember', 'SplitData',
    'load_challenge', 'member_overrides', 'scaled_bce_scale', 'Launch',
    'Step', 'plan_stage', 'write_member_configs', 'write_recipe',
    'final_checkpoint', 'leaderboard', 'write_report', 'ChallengeRunner',
    'run_command'
]
