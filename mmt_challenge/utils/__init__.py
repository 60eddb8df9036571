"""Small shared helpers."""
from .atomic import (atomic_directory, atomic_open, atomic_write_text,
                     remove_stale_temporaries)
from .paths import (check_no_whitespace, check_outputs_not_inputs,
                    check_suffix, same_file)

__all__ = [
    'atomic_open', 'atomic_write_text', 'atomic_directory',
    'remove_stale_temporaries', 'same_file', 'check_outputs_not_inputs',
    'check_suffix', 'check_no_whitespace'
]
