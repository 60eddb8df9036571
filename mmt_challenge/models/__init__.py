"""Models: ops, backbones, heads, losses and recognizers, registered in MMAction2's MODELS."""
import mmaction.models  # noqa: F401  registers MMAction2's own components first

from . import backbones, heads, losses, ops, recognizers  # noqa: F401,E402
