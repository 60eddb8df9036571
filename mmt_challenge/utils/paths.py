"""Path checks every tool runs before its work: an output never overwrites
an input, suffixes and characters are what the formats allow."""
import os.path as osp
from typing import Iterable, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    'same_file', 'check_outputs_not_inputs', 'check_suffix',
    'check_no_whitespace'
]

Paths = Mapping[str, Union[None, str, Sequence[str]]]


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file: the same path after resolving links,
    or the same existing file (hard links)."""
    if osp.realpath(a) == osp.realpath(b):
        return True
    try:
        return osp.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


def _inside(path: str, directory: str) -> bool:
    path, directory = osp.realpath(path), osp.realpath(directory)
    return osp.commonpath([path, directory]) == directory


def _flatten(paths: Paths) -> Iterable[Tuple[str, str]]:
    for name, value in paths.items():
        if value is None:
            continue
        if isinstance(value, str):
            yield name, value
        else:
            for item in value:
                yield name, item


def check_outputs_not_inputs(outputs: Paths,
                             inputs: Paths,
                             *,
                             output_dirs: Optional[Paths] = None) -> None:
    """Refuse a run whose outputs would overwrite its inputs or each other.

    Call it before any work. Files are compared by :func:`same_file`, so a
    symbolic or hard link to an input counts as that input.

    Args:
        outputs (Mapping[str, str | list[str] | None]): What the run writes,
            by the name the message gives it (``'--out'``); None entries are
            skipped.
        inputs (Mapping[str, str | list[str] | None]): What it reads, by
            name (``"member 'tsn' score file"``).
        output_dirs (Mapping[str, str | None], optional): Directories the run
            replaces or fills (a report directory): no input may lie inside
            one, and no other output may be one. Defaults to None.

    Raises:
        ValueError: Naming the output and the input it would overwrite.
    """
    output_list = list(_flatten(outputs))
    input_list = list(_flatten(inputs))
    for out_name, out in output_list:
        for in_name, source in input_list:
            if same_file(out, source):
                raise ValueError(
                    f'{out_name} {out} is the {in_name} ({source}): the run '
                    'would overwrite its own input; write somewhere else')
    for i, (name_a, a) in enumerate(output_list):
        for name_b, b in output_list[i + 1:]:
            if same_file(a, b):
                raise ValueError(f'{name_a} and {name_b} are the same file '
                                 f'({a}): one would overwrite the other')
    for dir_name, directory in _flatten(output_dirs or {}):
        for in_name, source in input_list:
            if _inside(source, directory):
                raise ValueError(
                    f'{dir_name} {directory} holds the {in_name} ({source}), '
                    'and the run replaces that directory; choose another one')
        for out_name, out in output_list:
            if same_file(out, directory):
                raise ValueError(f'{out_name} {out} is the {dir_name} '
                                 f'directory')


def check_suffix(path: Optional[str], suffixes: Union[str, Sequence[str]],
                 name: str) -> None:
    """Raise ``ValueError`` unless ``path`` (if given) ends with one of
    ``suffixes``."""
    if path is None:
        return
    suffixes = (suffixes, ) if isinstance(suffixes, str) else tuple(suffixes)
    if not path.endswith(suffixes):
        raise ValueError(f'{name} must end with '
                         f'{" or ".join(suffixes)}, got {path!r}')


def check_no_whitespace(path: str, where: str) -> None:
    """Raise ``ValueError`` if a video path holds whitespace, which the
    space-separated list and submission formats cannot hold."""
    if any(c.isspace() for c in path):
        raise ValueError(f'{where}: video path {path!r} contains whitespace, '
                         'which the space-separated MMAction2 list and '
                         'submission formats cannot hold')
