import io
import re

import pytest
from mmengine.utils import ProgressBar

from mmt_challenge.utils.progress import ProgressReport, track, track_map


class FakeTerminal(io.StringIO):

    def isatty(self):
        return True


def _lines(text):
    return [line for line in text.split('\n') if line]


def test_mmengine_progress_bar_is_one_line_per_item_in_a_log():
    """What this module fixes: ``'\\r'`` redraws, one per item."""
    log = io.StringIO()
    bar = ProgressBar(50, file=log)
    for _ in range(50):
        bar.update()
    assert log.getvalue().count('\r') == 50


@pytest.mark.parametrize('total, every, expected_lines', [
    (1000, 0.1, 11),
    (7, 0.1, 8),  # fewer steps than tenths: one line per step
    (1000, 0.25, 5),
    (1000, 1.0, 2),
])
def test_a_log_gets_few_whole_lines(total, every, expected_lines):
    log = io.StringIO()
    with ProgressReport(total, 'Writing videos', file=log,
                        every=every) as report:
        for _ in range(total):
            report.update()
    text = log.getvalue()
    assert '\r' not in text and '\x1b' not in text
    lines = _lines(text)
    assert len(lines) == expected_lines
    assert all(line.startswith('Writing videos') for line in lines)
    assert f'0/{total}' in lines[0]
    assert f'{total}/{total}' in lines[-1] and '100%' in lines[-1]
    assert ' it/s ' in lines[-1]
    done = [int(re.search(r' (\d+)/\d+ ', line).group(1)) for line in lines]
    assert done == sorted(done)


def test_an_interrupted_run_reports_where_it_stopped():
    log = io.StringIO()
    for i in track(range(40), description='Scoring', file=log):
        if i == 12:
            break
    lines = _lines(log.getvalue())
    assert '12/40' in lines[-1]  # items 0 to 11 done
    assert len(lines) == 1 + 3  # start, 10 %, 20 %, 30 %

    log = io.StringIO()
    for i in track(range(40), description='Scoring', file=log):
        if i == 13:
            break
    lines = _lines(log.getvalue())
    assert '13/40' in lines[-1]
    assert len(lines) == 1 + 3 + 1  # start, 10 %, 20 %, 30 %, the stop


def test_nothing_to_do_or_disabled_prints_nothing():
    log = io.StringIO()
    assert list(track([], file=log)) == []
    assert list(track(range(3), file=log, disable=True)) == [0, 1, 2]
    assert track_map(abs, [-1], file=log, disable=True) == [1]
    assert ProgressReport(3, file=FakeTerminal(), disable=True).live is False
    assert log.getvalue() == ''


def test_a_terminal_gets_a_live_bar():
    term = FakeTerminal()
    report = ProgressReport(5, 'Scoring', file=term)
    assert report.live
    for _ in range(5):
        report.update()
    report.close()
    assert '5/5' in term.getvalue()


@pytest.mark.parametrize('nproc', [1, 2])
def test_track_map_keeps_the_task_order(nproc):
    log = io.StringIO()
    tasks = list(range(-10, 10))
    assert track_map(abs, tasks, nproc=nproc, file=log) == [
        abs(t) for t in tasks
    ]
    assert '20/20' in _lines(log.getvalue())[-1]


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(total=-1), ValueError, 'total must be non-negative'),
    (dict(total=2.0), TypeError, 'total must be an int'),
    (dict(total=3, every=0), ValueError, r'every must be in \(0, 1\]'),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ProgressReport(**kwargs)
