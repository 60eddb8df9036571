"""A member's mAP overall and by kind of class (motion / appearance on the
mini M-MiT), from its predictions on a list file.

The mini dataset makes each motion class the time reversal of another, so an
order-less member such as TSN is at chance within each pair: its motion
macro mAP stays low while its appearance macro mAP does not.
"""
from typing import Dict, List, Sequence

from ..datasets import labels_to_multi_hot, read_list_file
from ..ensemble import rows_in_order
from ..structures import load_member_scores
from ..evaluation import macro_map, map_metrics

__all__ = ['kind_maps', 'format_kind_map_table']


def kind_maps(path: str, ann_file: str, classes: Dict[str, Sequence[int]], *,
              name: str) -> Dict[str, float]:
    """sample / macro mAP of one member, and macro mAP of each class kind.

    Scores are joined to the list's labels on video id. Only pass pickles
    you made or trust: unpickling runs code.

    Args:
        path (str): The member's ``tools/test.py --dump`` pickle (``.pkl``)
            of ``ann_file``, or its score file (``.npz``; the first scale).
        ann_file (str): The list file the member was tested on.
        classes (dict[str, Sequence[int]]): ``{kind: [class index, ...]}``
            as :func:`mmt_challenge.datasets.class_indices_by_kind` returns.
        name (str): The member, for messages.

    Returns:
        dict[str, float]: ``sample_mAP``, ``macro_mAP``, ``micro_mAP``
        (:func:`~mmt_challenge.evaluation.map_metrics`) and one macro mAP per
        kind, under the kind's name, in [0, 1].
    """
    score_file = load_member_scores(path, ann_file=ann_file)
    num_classes = score_file.num_classes
    records = read_list_file(ann_file, num_classes=num_classes)
    rows = rows_in_order(name, score_file, [r.video_id for r in records],
                         ann_file)
    scores = score_file.scores[rows, 0, :]  # the first (only) scale
    labels = labels_to_multi_hot(records, num_classes)
    maps = map_metrics(scores, labels)
    for kind, indices in classes.items():
        maps[kind] = macro_map(scores[:, indices], labels[:, indices])
    return maps


def format_kind_map_table(results: Dict[str, Dict[str, float]],
                          kinds: List[str]) -> str:
    """``{member: kind_maps(...)}`` as a Markdown table, in percent.

    Args:
        results (dict[str, dict[str, float]]): Per member, in row order.
        kinds (list[str]): The kinds to show, in column order.

    Returns:
        str: The table; columns sample mAP, macro mAP, then the kinds'
        macro mAP.
    """
    header = ['member', 'sample mAP', 'macro mAP'] + [
        f'{kind} macro mAP' for kind in kinds
    ]
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|---|' + '---:|' * (len(header) - 1),
    ]
    for name, maps in results.items():
        values = [maps['sample_mAP'], maps['macro_mAP']] + [
            maps[k] for k in kinds]
        lines.append(f'| {name} | ' +
                     ' | '.join(f'{100 * v:.1f}' for v in values) + ' |')
    return '\n'.join(lines) + '\n'
