import pytest
import torch
import torch.distributed as dist
from mmengine.model import BaseModel

from mmengine.registry import MODEL_WRAPPERS
from mmt_challenge.engine import (DeviceAgnosticDDP, finish_distributed,
                                  init_distributed)


class TinyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 2)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        return {'loss': out.sum()} if mode == 'loss' else out


@pytest.fixture
def single_process_group(tmp_path):
    dist.init_process_group(
        'gloo', init_method=f'file://{tmp_path}/store', rank=0, world_size=1)
    yield
    dist.destroy_process_group()


def test_wraps_cpu_module_the_way_the_runner_builds_it(single_process_group):
    # Runner.wrap_model passes device_ids=[LOCAL_RANK] to every DDP subclass.
    wrapper = MODEL_WRAPPERS.build(
        dict(type='DeviceAgnosticDDP', broadcast_buffers=False),
        default_args=dict(module=TinyModel(), device_ids=[0]))
    assert isinstance(wrapper, DeviceAgnosticDDP)
    assert wrapper.device_ids is None
    out = wrapper(torch.ones(4, 3))
    assert out.shape == (4, 2)
    out.sum().backward()
    assert wrapper.module.linear.weight.grad is not None


def test_init_distributed_is_a_no_op_without_launcher():
    init_distributed('none')
    assert not dist.is_initialized()


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only path')
def test_init_distributed_needs_torchrun_environment(monkeypatch):
    monkeypatch.delenv('RANK', raising=False)
    with pytest.raises(RuntimeError, match="torchrun's environment"):
        init_distributed('pytorch')


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only path')
def test_init_distributed_rejects_slurm_without_cuda():
    with pytest.raises(ValueError, match="launcher 'slurm' without CUDA"):
        init_distributed('slurm')


@pytest.fixture
def torchrun_env(monkeypatch):
    """The variables torchrun sets for a one-process job."""
    for name, value in (('RANK', '0'), ('WORLD_SIZE', '1'),
                        ('MASTER_ADDR', '127.0.0.1'),
                        ('MASTER_PORT', '29731')):
        monkeypatch.setenv(name, value)


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only path')
def test_init_distributed_uses_gloo_from_torchrun_env(torchrun_env):
    init_distributed('pytorch')
    try:
        assert dist.get_backend() == 'gloo'
        init_distributed('pytorch')  # already initialised: nothing happens
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only path')
def test_finish_distributed_destroys_the_group(torchrun_env):
    init_distributed('pytorch')
    try:
        assert dist.is_initialized()
        finish_distributed()
        assert not dist.is_initialized()
        finish_distributed()  # nothing to finish: nothing happens
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
