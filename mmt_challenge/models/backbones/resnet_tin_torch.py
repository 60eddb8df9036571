"""ResNet backbone for TIN on the pure-PyTorch interlace shift."""
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmaction.models.backbones.resnet import ResNet
from mmaction.models.backbones.resnet_tsm import ResNetTSM
from mmaction.registry import MODELS

from .temporal_interlace import TemporalInterlace

__all__ = ['InterlacedConv', 'ResNetTINTorch']


class InterlacedConv(nn.Module):
    """A convolution preceded by a temporal interlace module.

    MMAction2's ``CombineNet``: the interlace module is ``net1`` and the
    wrapped convolution ``net2``, so state dicts of MMAction2's ``ResNetTIN``
    load unchanged. Loading also accepts the wrapped convolution's weights
    under the names other backbones give them, so that a TSM (or TSN)
    checkpoint initialises a TIN backbone:

    - ``<prefix>net.<param>``, TSM's ``TemporalShift`` wrapper;
    - ``<prefix><param>``, a block TSM left unshifted (every other block of
      ``layer3`` in ResNet-101 TSM) or a plain 2D ResNet.

    Both are renamed to ``<prefix>net2.<param>`` when that key is absent.

    Args:
        net1 (TemporalInterlace): The interlace module.
        net2 (nn.Module): The wrapped convolution.
    """

    def __init__(self, net1: TemporalInterlace, net2: nn.Module):
        super().__init__()
        self.net1 = net1
        self.net2 = net2

    def forward(self, x: Tensor) -> Tensor:
        """Interlace, then convolve.

        Args:
            x (Tensor): [N*T, C, H, W] features.

        Returns:
            Tensor: [N*T, C', H', W'], the convolution's output.
        """
        return self.net2(self.net1(x))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Runs before this module's children load, on the dict they load
        # from (torch's and mmengine's load_state_dict alike).
        renames = {}
        for key in state_dict:
            if not key.startswith(prefix):
                continue
            name = key[len(prefix):]
            if name.startswith('net.'):  # TSM's TemporalShift
                renames[key] = f'{prefix}net2.{name[len("net."):]}'
            elif '.' not in name:  # an unwrapped convolution
                renames[key] = f'{prefix}net2.{name}'
        for key, new_key in renames.items():
            if new_key not in state_dict:
                state_dict[new_key] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


@MODELS.register_module()
class ResNetTINTorch(ResNetTSM):
    """ResNet backbone for TIN, on the pure-PyTorch interlace shift.

    `Temporal Interlacing Network <https://arxiv.org/abs/2001.06499>`_:
    every residual block's first convolution is preceded by a
    :class:`TemporalInterlace` module (MMAction2's ``ResNetTIN`` layout,
    interlacing every block at every depth). Unlike MMAction2's
    ``ResNetTIN``, which needs ``mmcv.ops.tin_shift`` (compiled mmcv, CUDA
    only, wrong input gradient), it runs on any device with exact gradients,
    and its parameter names are the same, so checkpoints move both ways.
    A checkpoint of MMAction2's ``ResNetTSM`` (or a 2D ResNet in MMAction2's
    naming) loads into it too: its convolutions map from ``.net`` (or
    unwrapped) to ``.net2`` names and only the interlace modules stay
    freshly initialised (see :class:`InterlacedConv`).

    Registered as ``ResNetTINTorch``, apart from MMAction2's ``ResNetTIN``.

    Args:
        depth (int): Depth of ResNet, from {18, 34, 50, 101, 152}.
        num_segments (int): Number of frames T per clip. Defaults to 8.
        is_tin (bool): Whether to insert the interlace modules.
            Defaults to True.
        shift_div (int): ``1 / shift_div`` of the channels are interlaced.
            Defaults to 4.
        **kwargs: Arguments of MMAction2's ``ResNetTSM`` (``non_local``,
            ``non_local_cfg``, ``pretrained``, ``pretrained2d``, ...) and
            ``ResNet``. ``temporal_pool`` is not supported. See
            :meth:`init_weights` for ``pretrained`` and ``pretrained2d``.
    """

    def __init__(self,
                 depth: int,
                 num_segments: int = 8,
                 is_tin: bool = True,
                 shift_div: int = 4,
                 **kwargs):
        if kwargs.get('temporal_pool', False):
            raise ValueError('temporal_pool=True is not supported by TIN')
        self.is_tin = is_tin
        super().__init__(
            depth, num_segments=num_segments, shift_div=shift_div, **kwargs)

    def init_structure(self) -> None:
        """Insert the interlace modules, then the non-local blocks."""
        if self.is_tin:
            self.make_temporal_interlace()
        if len(self.non_local_cfg) != 0:
            self.make_non_local()

    def make_temporal_interlace(self) -> None:
        """Wrap the first convolution of every block of every stage."""
        for layer_name in self.res_layers:
            for block in getattr(self, layer_name):
                interlace = TemporalInterlace(
                    block.conv1.in_channels,
                    num_segments=self.num_segments,
                    shift_div=self.shift_div)
                block.conv1.conv = InterlacedConv(interlace, block.conv1.conv)

    def _get_wrap_prefix(self) -> list:
        return ['.net2']

    def init_weights(self) -> None:
        """Initialise from scratch, or load ``pretrained``.

        ``pretrained=None``: from scratch (Kaiming convolutions, BN at 1),
        whatever ``pretrained2d``. A path with ``pretrained2d=True``: a 2D
        torchvision ResNet, as MMAction2's ``ResNetTSM`` loads it. A path
        with ``pretrained2d=False``: a checkpoint of a backbone in MMAction2's
        naming (TSM, TIN, TSN's ResNet), loaded non-strictly; the interlace
        modules it lacks keep their initialisation.
        """
        if self.pretrained is None:
            ResNet.init_weights(self)
        elif self.pretrained2d:
            self.load_original_weights(MMLogger.get_current_instance())
        else:
            self.init_cfg = dict(type='Pretrained', checkpoint=self.pretrained)
            BaseModule.init_weights(self)
