"""Fixtures shared by the TIN tests: a stand-in for mmcv's compiled
``tin_shift``, fixed offset / weight nets, and documented defaults."""
import inspect
import re
import sys
import types

import pytest
import torch
from torch import nn


def loop_tin_shift(x, shift):
    """mmcv.ops.tin_shift's forward, one sample and group at a time."""
    n, t, c, _ = x.shape
    group_channel = c // shift.size(1)
    out = torch.zeros_like(x)
    for b in range(n):
        for g in range(shift.size(1)):
            s = int(shift[b, g])
            channels = slice(g * group_channel, (g + 1) * group_channel)
            for i in range(t):
                if 0 <= i + s < t:
                    out[b, i + s, channels] = x[b, i, channels]
    return out


@pytest.fixture
def mmcv_ops_tin_shift(monkeypatch):
    """Stand in for compiled mmcv's ops so MMAction2's TIN can run."""
    fake = types.ModuleType('mmcv.ops')
    fake.tin_shift = loop_tin_shift
    monkeypatch.setitem(sys.modules, 'mmcv.ops', fake)


class Constant(nn.Module):
    """Replaces the offset or weight net: returns a fixed value."""

    def __init__(self, value, shape):
        super().__init__()
        self.value = value
        self.shape = shape

    def forward(self, pooled):
        n = pooled.size(0)
        return torch.full((n, *self.shape), self.value, dtype=pooled.dtype)


@pytest.fixture
def fix_interlace():
    """``fix_interlace(module)`` fixes a TemporalInterlace's offsets at -1
    and its weights at 1, which makes it TSM's shift (shift_div doubled)."""

    def fix(module):
        module.offset_net = Constant(-1., (2, ))
        module.weight_net = Constant(1., (module.num_segments, 2))

    return fix


def _documented_defaults(obj):
    args = inspect.getdoc(obj).split('Args:')[1]
    entries = re.findall(r'^    (\w+) \(.*?\):(.*?)(?=^    \S|\Z)', args,
                         re.M | re.S)
    return {
        name: m.group(1)
        for name, text in entries
        if (m := re.search(r'Defaults to (\S+?)\.', text))
    }


@pytest.fixture
def documented_defaults():
    """``documented_defaults(obj)``: ``{arg: 'X'}`` for every ``Defaults to
    X.`` in the Args section of ``obj``'s docstring."""
    return _documented_defaults
