"""benchmarks/device_check.sh needs a GPU and says so without one."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.skipif(torch.cuda.is_available(), reason='a CUDA device is here')
def test_device_check_fails_clearly_without_cuda(tmp_path):
    result = subprocess.run(
        ['bash', osp.join(ROOT, 'benchmarks', 'device_check.sh'),
         str(tmp_path / 'work')],
        env=dict(os.environ, PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=120)
    assert result.returncode == 1
    assert 'device_check.sh: error: no CUDA device' in result.stderr
    assert not (tmp_path / 'work').exists()  # nothing started
