"""Data structures shared across stages: the score file (the contract between
dense test, ensemble, submission and analysis) and its MMAction2 importer."""
from .mmaction_dump import (DUMP_SUFFIXES, import_mmaction_dump,
                            load_member_scores)
from .score_file import (SCORE_FILE_VERSION, ScoreFile, load_score_file,
                         make_meta, save_score_file)

__all__ = [
    'ScoreFile', 'save_score_file', 'load_score_file', 'make_meta',
    'SCORE_FILE_VERSION', 'import_mmaction_dump', 'load_member_scores',
    'DUMP_SUFFIXES'
]
