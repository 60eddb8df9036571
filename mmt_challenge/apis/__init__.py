"""High-level entry points that chain the pipeline's stages."""
from .mini_challenge import MINI_MEMBERS, MiniChallenge, MiniMember

__all__ = ['MiniChallenge', 'MiniMember', 'MINI_MEMBERS']
