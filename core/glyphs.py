"""Glyphs: ten classes of digit-like images drawn from strokes, for dense vs conv nets.

Each digit 0-9 is a few line segments in a unit box (seven-segment style, with a slanted
stroke for 7 and a flag on 1). Every sample draws its own height, width, slant, stroke
width and position, so a digit can sit anywhere in the image: a convolutional net, which
shares its filters across positions, learns that far more easily than a dense one.

Pixels are ``background + ink * (foreground - background)`` with ``ink`` in [0, 1]
(anti-aliased strokes), plus Gaussian noise of std ``noise``, clipped to [0, 1]. With one
channel the background is 0 and the foreground a grey in [0.6, 1]; with three, both are
random colours whose channels differ by 0.4 to 0.6, so every channel shows the stroke but
the colours say nothing of the class.
"""

import numpy as np

N_CLASSES = 10
CHANNELS = (1, 3)
MIN_SIZE, DEFAULT_SIZE, MAX_SIZE = 8, 16, 32  # height and width in pixels

# Stroke ends in the unit box, x to the right and y down.
_TL, _TR, _ML, _MR, _BL, _BR = (0, 0), (1, 0), (0, 0.5), (1, 0.5), (0, 1), (1, 1)
_STROKES = (
    ((_TL, _TR), (_TR, _BR), (_BR, _BL), (_BL, _TL)),  # 0
    (((0.5, 0), (0.5, 1)), ((0.5, 0), (0.1, 0.3))),  # 1
    ((_TL, _TR), (_TR, _MR), (_MR, _ML), (_ML, _BL), (_BL, _BR)),  # 2
    ((_TL, _TR), (_TR, _BR), (_ML, _MR), (_BL, _BR)),  # 3
    ((_TL, _ML), (_ML, _MR), (_TR, _BR)),  # 4
    ((_TR, _TL), (_TL, _ML), (_ML, _MR), (_MR, _BR), (_BR, _BL)),  # 5
    ((_TR, _TL), (_TL, _BL), (_BL, _BR), (_BR, _MR), (_MR, _ML)),  # 6
    ((_TL, _TR), (_TR, (0.3, 1))),  # 7
    ((_TL, _TR), (_TR, _BR), (_BR, _BL), (_BL, _TL), (_ML, _MR)),  # 8
    ((_MR, _ML), (_ML, _TL), (_TL, _TR), (_TR, _BR), (_BR, _BL)),  # 9
)
_MAX_STROKES = max(len(digit) for digit in _STROKES)
# (10, strokes, 2 ends, xy); a digit with fewer strokes repeats its first one.
_SEGMENTS = np.array(
    [digit + (digit[0],) * (_MAX_STROKES - len(digit)) for digit in _STROKES], dtype=np.float32
)
_CHUNK = 256  # samples drawn at a time: the temporaries stay in cache (and bounded)


def _strokes(rng: np.random.Generator, y: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    """Each sample's strokes in pixel coordinates: starts and ends ``(n, strokes, 2)``
    (x, y), and the stroke half-widths ``(n,)``.

    The digit's box is ``height`` tall (0.45-0.8 of the image), 0.5-0.75 of that wide,
    slanted by up to 0.3 of its height, and placed anywhere it fits whole.
    """
    n = len(y)
    height = rng.uniform(0.45, 0.8, n) * size
    width = height * rng.uniform(0.5, 0.75, n)
    slant = rng.uniform(-0.3, 0.3, n) * height
    half = rng.uniform(0.5, 1.0, n) * size / 16
    # How far the strokes reach from the box's centre (capped: at 8 pixels a big slanted
    # digit may touch the border).
    reach_x = np.minimum((width + np.abs(slant)) / 2 + half, (size - 1) / 2)
    reach_y = np.minimum(height / 2 + half, (size - 1) / 2)
    centre_x = rng.uniform(reach_x, size - 1 - reach_x)
    centre_y = rng.uniform(reach_y, size - 1 - reach_y)
    u, v = _SEGMENTS[y, ..., 0] - 0.5, _SEGMENTS[y, ..., 1] - 0.5  # (n, strokes, 2 ends)
    x = centre_x[:, None, None] + u * width[:, None, None] + v * slant[:, None, None]
    y = centre_y[:, None, None] + v * height[:, None, None]
    ends = np.stack([x, y], axis=-1).astype(np.float32)  # (n, strokes, 2 ends, xy)
    return ends[:, :, 0], ends[:, :, 1], half.astype(np.float32)


def _ink(starts: np.ndarray, ends: np.ndarray, half: np.ndarray, size: int) -> np.ndarray:
    """Anti-aliased stroke coverage ``(n, size, size)`` in [0, 1]: 1 within ``half`` of a
    segment, fading to 0 one pixel further."""
    grid = np.arange(size, dtype=np.float32)
    nearest = np.full((len(half), size, size), np.inf, dtype=np.float32)
    for k in range(starts.shape[1]):
        (ax, ay), (dx, dy) = starts[:, k].T, (ends[:, k] - starts[:, k]).T
        px = grid[None, None, :] - ax[:, None, None]  # (n, 1, size)
        py = grid[None, :, None] - ay[:, None, None]  # (n, size, 1)
        length2 = np.maximum(dx * dx + dy * dy, 1e-6)[:, None, None]
        t = px * dx[:, None, None] + py * dy[:, None, None]
        t /= length2
        np.clip(t, 0, 1, out=t)
        ex = px - t * dx[:, None, None]
        ey = py - t * dy[:, None, None]
        ex *= ex
        ey *= ey
        ex += ey
        np.minimum(nearest, ex, out=nearest)
    np.sqrt(nearest, out=nearest)
    return np.clip(half[:, None, None] + 0.5 - nearest, 0, 1)


def _colours(rng: np.random.Generator, n: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Background and foreground ``(n, channels)``."""
    if channels == 1:
        background, foreground = np.zeros((n, 1)), rng.uniform(0.6, 1.0, (n, 1))
    else:
        background = rng.uniform(0, 1, (n, channels))
        foreground = (background + rng.uniform(0.4, 0.6, (n, channels))) % 1
    return background.astype(np.float32), foreground.astype(np.float32)


def draw(
    rng: np.random.Generator, y: np.ndarray, noise: float, channels: int, size: int
) -> np.ndarray:
    """Images ``(n, channels, size, size)`` float32 in [0, 1] of the digits ``y`` ``(n,)``;
    ``noise`` is the std of the Gaussian pixel noise."""
    n = len(y)
    starts, ends, half = _strokes(rng, y, size)
    background, foreground = _colours(rng, n, channels)
    X = np.empty((n, channels, size, size), dtype=np.float32)
    for lo in range(0, n, _CHUNK):
        part = slice(lo, lo + _CHUNK)
        ink = _ink(starts[part], ends[part], half[part], size)[:, None]
        bg, fg = background[part, :, None, None], foreground[part, :, None, None]
        pixels = bg + ink * (fg - bg)
        if noise:
            pixels += np.float32(noise) * rng.standard_normal(pixels.shape, np.float32)
        X[part] = np.clip(pixels, 0, 1)
    return X
