"""Install mmt-challenge with its pinned stack (see docs/design.md, "Stack")."""
from pathlib import Path

from setuptools import find_packages, setup

version = {}
ROOT = Path(__file__).resolve().parent
exec(Path('mmt_challenge/version.py').read_text(), version)

setup(
    name='mmt-challenge',
    version=version['__version__'],
    description='Multi-label video recognition challenges (M-MiT) on MMAction2',
    long_description=Path('README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmt_challenge', 'mmt_challenge.*']),
    python_requires='>=3.11',
    install_requires=[
        'torch==2.13.0',
        'mmengine==0.10.7',
        'mmcv-lite==2.1.0',
        'mmaction2==1.2.0',
        'decord==0.6.0',
        'importlib_metadata',  # mmaction2 imports it without declaring it
        'numpy<2',  # mmcv-lite 2.1.0 and decord 0.6.0 predate numpy 2
        # Compiles the rank-counting loops of sample mAP and of the ensemble
        # weight search (mmt_challenge/evaluation/rank_counting.py).
        'numba==0.68.1',
        # The one cv2 provider. mmengine and mmcv-lite require opencv-python,
        # mmaction2 requires opencv-contrib-python: the metadata-only
        # stand-ins in shims/ satisfy those names with no files of their own,
        # so pip installs one cv2 (docs/design.md, "Stack").
        'opencv-python-headless==4.11.0.86',
        *(f'{name} @ {(ROOT / "shims" / name).as_uri()}'
          for name in ('opencv-python', 'opencv-contrib-python')),
        'pandas',
        'rich',  # progress reports (mmt_challenge/utils/progress.py)
        'scikit-learn',
        'scipy',
        'matplotlib',
    ],
    extras_require={
        # PyAV (FFmpeg with libx264 in its wheels) re-encodes videos for a
        # challenge's optional data preparation (tools/prepare_videos.py).
        'prepare': ['av'],
        # timm backbones for the TSN Inception-ResNet-v2 and SENet-154
        # members (MMAction2's `timm.` backbones). timm needs a torchvision
        # built for the installed torch: with a CUDA torch 2.13.0, pip's
        # torchvision==0.28.0 is that build. Not in install_requires because
        # no torchvision on PyPI matches the CPU torch 2.13.0 (its wheel links
        # libtorch_cuda and fails at import), and pip would replace torch.
        'timm': ['timm==1.0.31', 'torchvision==0.28.0'],
        'tests': ['pytest', 'pytest-timeout', 'pytest-xdist', 'av'],
    },
)
