"""Leaderboard submissions: writers, a validator, the class-prior fill."""
from .prior_fill import (class_prior, fill_missing_with_prior,
                         fill_score_file, prior_filled_videos)
from .validator import Problem, detect_format, validate_submission
from .writers import (SUBMISSION_FORMATS, make_submission, top_k_classes,
                      write_score_csv, write_top5)

__all__ = [
    'SUBMISSION_FORMATS', 'top_k_classes', 'write_top5', 'write_score_csv',
    'make_submission', 'Problem', 'detect_format', 'validate_submission',
    'class_prior', 'fill_missing_with_prior', 'fill_score_file',
    'prior_filled_videos'
]
