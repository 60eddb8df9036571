"""Drawing the scenes of the mini datasets into frames (OpenCV, anti-aliased,
sub-pixel)."""
import math
from typing import Sequence

import numpy as np

__all__ = ['render_scene', 'SHAPE_EXTENT', 'lollipop_dot', 'object_extent']

# Extent of a shape (radius of its bounding circle) per unit radius.
SHAPE_EXTENT = dict(
    circle=1.0,
    disc=1.0,
    ring=1.0,
    square=1.0,
    box=1.0,
    triangle=1.15,
    cross=1.05,
    star=1.15,
    lollipop=1.0)
_SHIFT = 4  # OpenCV's fractional bits for sub-pixel drawing


def lollipop_dot(size: int) -> float:
    """Radius of the dot at the tip of a rotating bar in a ``size`` frame."""
    return max(1.5, 0.06 * size)


def object_extent(obj: dict, size: int) -> np.ndarray:
    """``[T]`` radius of the circle that holds the drawn object, per frame."""
    if obj['shape'] == 'lollipop':
        return obj['radius'] + lollipop_dot(size)
    return obj['radius'] * SHAPE_EXTENT[obj['shape']]


def render_scene(scene: dict) -> np.ndarray:
    """Draw the frames of a scene.

    Args:
        scene (dict): A scene from :func:`~.mini_scenes.sample_scene`.

    Returns:
        np.ndarray: ``[T, H, W, 3]`` uint8 RGB frames.
    """
    import cv2
    frames = np.repeat(scene['background'][None], scene['num_frames'], axis=0)
    size = scene['size']
    for obj in scene['objects']:
        for t in range(scene['num_frames']):
            _draw(cv2, frames[t], obj['shape'], obj['color'], obj['center'][t],
                  float(obj['radius'][t]), float(obj['angle'][t]), size)
    return frames


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(points) * (1 << _SHIFT)).astype(np.int32)


def _polygon(center: np.ndarray, radii: Sequence[float],
             angles: np.ndarray) -> np.ndarray:
    radii = np.asarray(radii, dtype=float)
    return center + np.stack([radii * np.cos(angles), radii * np.sin(angles)],
                             axis=1)


def _draw(cv2, img: np.ndarray, shape: str, color: tuple, center: np.ndarray,
          radius: float, angle: float, size: int) -> None:
    aa = cv2.LINE_AA
    if shape in ('circle', 'disc'):
        cv2.circle(img, tuple(_fixed(center)), int(_fixed(radius)), color, -1,
                   aa, _SHIFT)
    elif shape == 'ring':
        thickness = max(2, int(round(0.4 * radius)))
        cv2.circle(img, tuple(_fixed(center)),
                   int(_fixed(radius - thickness / 2)), color, thickness, aa,
                   _SHIFT)
    elif shape in ('square', 'box'):
        pts = _polygon(center, [radius] * 4,
                       angle + math.pi / 4 + np.arange(4) * math.pi / 2)
        cv2.fillPoly(img, [_fixed(pts)], color, aa, _SHIFT)
    elif shape == 'triangle':
        pts = _polygon(center, [radius * SHAPE_EXTENT['triangle']] * 3,
                       angle + np.arange(3) * 2 * math.pi / 3)
        cv2.fillPoly(img, [_fixed(pts)], color, aa, _SHIFT)
    elif shape == 'star':
        outer, inner = radius * SHAPE_EXTENT['star'], radius * 0.5
        pts = _polygon(center, [outer, inner] * 5,
                       angle + np.arange(10) * math.pi / 5)
        cv2.fillPoly(img, [_fixed(pts)], color, aa, _SHIFT)
    elif shape == 'cross':
        # Two bars of half length radius and half width 0.3 * radius.
        for a in (angle, angle + math.pi / 2):
            _fill_bar(cv2, img, center, a, -radius, radius, 0.3 * radius,
                      color)
    elif shape == 'lollipop':
        half_width = max(0.75, 0.025 * size)
        _fill_bar(cv2, img, center, angle, -radius, radius, half_width, color)
        tip = center + radius * np.array([math.cos(angle), math.sin(angle)])
        cv2.circle(img, tuple(_fixed(tip)), int(_fixed(lollipop_dot(size))),
                   color, -1, aa, _SHIFT)
    else:  # pragma: no cover - shapes come from the tables above
        raise ValueError(f'unknown shape {shape!r}')


def _fill_bar(cv2, img: np.ndarray, center: np.ndarray, angle: float,
              start: float, end: float, half_width: float,
              color: tuple) -> None:
    along = np.array([math.cos(angle), math.sin(angle)])
    across = np.array([-along[1], along[0]])
    pts = np.stack([
        center + start * along - half_width * across,
        center + end * along - half_width * across,
        center + end * along + half_width * across,
        center + start * along + half_width * across,
    ])
    cv2.fillPoly(img, [_fixed(pts)], color, cv2.LINE_AA, _SHIFT)
