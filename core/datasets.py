"""Toy datasets: the TensorFlow Playground generators, moons, images, glyphs, a split helper.

Classification generators return ``X`` float32 ``(n_samples, 2)`` and ``y`` int64
``(n_samples,)`` in {0, 1}; regression generators return ``y`` float32 ``(n_samples,)`` in
about [-1, 1]. ``noise`` is a fraction in [0, 1] (the Playground's 0-50 % slider / 100).

For classification the label belongs to the noise-free point and the returned coordinates
carry the noise. For regression the returned points are clean and the label is computed from
a perturbed copy of each point, as in the Playground. Rows are shuffled, classes are balanced
(to within one sample) and every generator is deterministic given ``seed``.
"""

import math

import numpy as np

from syn0.core import glyphs as _glyphs
from syn0.core.errors import DataError
from syn0.core.spec import Task

Dataset = tuple[np.ndarray, np.ndarray]

_RADIUS = 5.0  # half-width of the classification plane
_REG_RADIUS = 6.0  # half-width of the regression plane
_MOON_SCALE = 10.0 / 3.0  # maps the unit moons' x-range [-1, 2] onto [-5, 5]
_MOON_CENTRE = np.array([0.5, 0.25])
_BUMPS = np.array(  # (x, y, sign) of each Gaussian bump of regress_gauss
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


def _invalid(name: str, expected: str, value: object, shown: str | None = None) -> DataError:
    head = f"Received an invalid value for `{name}`, expected {expected}."
    return DataError(f"{head} Received: {shown or name}={value!r}", field=name)


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return _is_int(value) or isinstance(value, float | np.floating)


def _check_int(name: str, value: object, minimum: int) -> None:
    if not _is_int(value) or value < minimum:
        raise _invalid(name, f"an integer >= {minimum}", value)


def _setup(n_samples: int, noise: float, seed: int) -> np.random.Generator:
    """Validate the common arguments and return the seeded generator."""
    _check_int("n_samples", n_samples, 2)
    if not _is_real(noise) or not 0 <= noise <= 1:
        raise _invalid("noise", "a number in [0, 1]", noise)
    return np.random.default_rng(seed)


def _halves(n_samples: int) -> tuple[int, int]:
    return n_samples // 2, n_samples - n_samples // 2


def _polar(r: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.column_stack([r * np.sin(t), r * np.cos(t)])


def _classes(rng: np.random.Generator, pos: np.ndarray, neg: np.ndarray) -> Dataset:
    """Stack label-1 points ``pos`` and label-0 points ``neg``, shuffle and cast."""
    X = np.concatenate([pos, neg]).astype(np.float32)
    y = np.concatenate([np.ones(len(pos), np.int64), np.zeros(len(neg), np.int64)])
    order = rng.permutation(len(y))
    return X[order], y[order]


def _ring(rng: np.random.Generator, n: int, low: float, high: float, noise: float) -> np.ndarray:
    points = _polar(rng.uniform(low, high, n), rng.uniform(0, 2 * np.pi, n))
    return points + rng.uniform(-_RADIUS, _RADIUS, (n, 2)) * noise


def circle(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Disc of radius 2.5 (label 1) inside a ring of radii 3.5 to 5 (label 0).

    Returns ``X`` ``(n_samples, 2)`` and ``y`` ``(n_samples,)``; noise adds
    ``uniform(-5, 5) * noise`` to each coordinate.
    """
    rng = _setup(n_samples, noise, seed)
    n_pos, n_neg = _halves(n_samples)
    inner = _ring(rng, n_pos, 0, 0.5 * _RADIUS, noise)
    return _classes(rng, inner, _ring(rng, n_neg, 0.7 * _RADIUS, _RADIUS, noise))


def xor(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Points in [-5, 5]² at least 0.3 from the axes; label 1 where ``x * y >= 0``.

    Returns ``X`` ``(n_samples, 2)`` and ``y`` ``(n_samples,)``; noise adds
    ``uniform(-5, 5) * noise`` to each coordinate.
    """
    rng = _setup(n_samples, noise, seed)
    points = rng.uniform(0.3, _RADIUS, (n_samples, 2)) * rng.choice([-1, 1], (n_samples, 1))
    n_pos, _ = _halves(n_samples)
    points[n_pos:, 1] *= -1  # the label-0 half goes to the 2nd and 4th quadrants
    points += rng.uniform(-_RADIUS, _RADIUS, (n_samples, 2)) * noise
    return _classes(rng, points[:n_pos], points[n_pos:])


def gauss(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Gaussian blobs at (2, 2) (label 1) and (-2, -2) (label 0).

    The variance grows linearly from 0.5 at ``noise=0`` to 4 at ``noise>=0.5``.
    Returns ``X`` ``(n_samples, 2)`` and ``y`` ``(n_samples,)``.
    """
    rng = _setup(n_samples, noise, seed)
    n_pos, n_neg = _halves(n_samples)
    std = math.sqrt(0.5 + 7.0 * min(noise, 0.5))
    return _classes(rng, rng.normal(2, std, (n_pos, 2)), rng.normal(-2, std, (n_neg, 2)))


def _arm(rng: np.random.Generator, n: int, delta: float, noise: float) -> np.ndarray:
    i = np.arange(n) / n
    points = _polar(i * _RADIUS, 1.75 * i * 2 * np.pi + delta)
    return points + rng.uniform(-1, 1, (n, 2)) * noise


def spiral(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Two interleaved spirals of radius 5 (label 1 starts at angle 0, label 0 at pi).

    Returns ``X`` ``(n_samples, 2)`` and ``y`` ``(n_samples,)``; noise adds
    ``uniform(-1, 1) * noise`` to each coordinate.
    """
    rng = _setup(n_samples, noise, seed)
    n_pos, n_neg = _halves(n_samples)
    return _classes(rng, _arm(rng, n_pos, 0.0, noise), _arm(rng, n_neg, np.pi, noise))


def moons(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Two interleaving half circles: upper (label 0) and lower (label 1).

    The unit moons get Gaussian noise of std ``noise`` (as in scikit-learn), then are
    centred and scaled onto x in [-5, 5], y in [-2.5, 2.5].
    Returns ``X`` ``(n_samples, 2)`` and ``y`` ``(n_samples,)``.
    """
    rng = _setup(n_samples, noise, seed)
    n_pos, n_neg = _halves(n_samples)
    t_pos, t_neg = rng.uniform(0, np.pi, n_pos), rng.uniform(0, np.pi, n_neg)
    lower = np.column_stack([1 - np.cos(t_pos), 0.5 - np.sin(t_pos)])
    upper = np.column_stack([np.cos(t_neg), np.sin(t_neg)])
    lower, upper = (
        (m + rng.normal(0, noise, m.shape) - _MOON_CENTRE) * _MOON_SCALE for m in (lower, upper)
    )
    return _classes(rng, lower, upper)


def _regression(n_samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Clean uniform points in [-6, 6]² and the perturbed copy their label is taken at."""
    rng = _setup(n_samples, noise, seed)
    X = rng.uniform(-_REG_RADIUS, _REG_RADIUS, (n_samples, 2))
    return X, X + rng.uniform(-_REG_RADIUS, _REG_RADIUS, (n_samples, 2)) * noise


def plane(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Linear target ``(x + y) / 12`` on [-6, 6]².

    Returns ``X`` ``(n_samples, 2)`` and ``y`` ``(n_samples,)`` in [-1 - noise, 1 + noise];
    the label is taken at the point plus ``uniform(-6, 6) * noise`` per coordinate.
    """
    X, shifted = _regression(n_samples, noise, seed)
    y = shifted.sum(axis=1) / (2 * _REG_RADIUS)
    return X.astype(np.float32), y.astype(np.float32)


def regress_gauss(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Sum of six signed unit Gaussian bumps (std 1) on [-6, 6]², as in the Playground.

    Returns ``X`` ``(n_samples, 2)`` and ``y`` ``(n_samples,)`` in about [-1, 1]; the label
    is taken at the point plus ``uniform(-6, 6) * noise`` per coordinate.
    """
    X, shifted = _regression(n_samples, noise, seed)
    d2 = ((shifted[:, None, :] - _BUMPS[:, :2]) ** 2).sum(axis=2)
    y = (_BUMPS[:, 2] * np.exp(-d2 / 2)).sum(axis=1)
    return X.astype(np.float32), y.astype(np.float32)


CLASSIFICATION = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral, "moons": moons}
REGRESSION = {"plane": plane, "regress_gauss": regress_gauss}
KINDS = tuple(sorted(CLASSIFICATION | REGRESSION))


def task_of(kind: str) -> Task:
    """Return ``"classification"`` or ``"regression"`` for a dataset ``kind``."""
    if kind not in KINDS:
        raise _invalid("kind", "one of " + ", ".join(KINDS), kind)
    return "classification" if kind in CLASSIFICATION else "regression"


def generate(kind: str, n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Generate the dataset ``kind`` (one of ``KINDS``); returns ``X`` ``(n_samples, 2)``, ``y``."""
    registry = CLASSIFICATION if task_of(kind) == "classification" else REGRESSION
    return registry[kind](n_samples, noise, seed)


def _bars(rng: np.random.Generator, y: np.ndarray, size: int) -> np.ndarray:
    """Line masks ``(n, size, size)``: horizontal, vertical, diagonal, anti-diagonal."""
    n, half, quarter = len(y), size // 2, size // 4
    rr, cc = np.indices((size, size))
    across = np.stack([rr, cc, cc - rr + half, cc + rr - (size - 1) + half])[y]
    along = np.stack([cc, rr, rr, rr])[y]
    straight = y < 2
    pos = rng.integers(np.where(straight, 1, quarter), np.where(straight, size - 2, size - quarter))
    thick = rng.integers(1, 3, n)
    start, length = rng.integers(0, quarter + 1, n), rng.integers(half, size + 1, n)
    pos, thick, start, length = (a[:, None, None] for a in (pos, thick, start, length))
    return (across >= pos) & (across < pos + thick) & (along >= start) & (along < start + length)


def _shapes(rng: np.random.Generator, y: np.ndarray, size: int) -> np.ndarray:
    """Shape masks ``(n, size, size)``: filled square, hollow square, plus-shaped cross."""
    width = rng.integers(4, size - 1, len(y))
    top, left = rng.integers(0, size - width + 1), rng.integers(0, size - width + 1)
    width, top, left = (a[:, None, None] for a in (width, top, left))
    rr, cc = np.indices((size, size))
    inside = (rr >= top) & (rr < top + width) & (cc >= left) & (cc < left + width)
    interior = (rr > top) & (rr < top + width - 1) & (cc > left) & (cc < left + width - 1)
    cross = inside & ((rr == top + width // 2) | (cc == left + width // 2))
    label = y[:, None, None]
    return np.where(label == 0, inside, np.where(label == 1, inside & ~interior, cross))


_IMAGES = {"bars": (4, _bars), "shapes": (3, _shapes)}


def images(
    n_samples: int = 1000, size: int = 12, noise: float = 0.0, seed: int = 0, kind: str = "bars"
) -> Dataset:
    """Small one-channel images for CNN tests.

    ``kind="bars"``: 4 classes (horizontal, vertical, diagonal, anti-diagonal line of
    thickness 1-2); ``kind="shapes"``: 3 classes (filled square, hollow square, cross).
    Returns ``X`` float32 ``(n_samples, 1, size, size)`` in [0, 1] with Gaussian pixel noise
    of std ``noise`` (clipped), and balanced int64 labels ``y`` ``(n_samples,)``.
    """
    rng = _setup(n_samples, noise, seed)
    _check_int("size", size, 8)
    if kind not in _IMAGES:
        raise _invalid("kind", "one of " + ", ".join(_IMAGES), kind)
    n_classes, draw = _IMAGES[kind]
    y = rng.permutation(np.arange(n_samples) % n_classes)
    X = draw(rng, y, size) + rng.normal(0, noise, (n_samples, size, size))
    return np.clip(X, 0, 1).astype(np.float32)[:, None], y.astype(np.int64)


def glyphs(
    n_samples: int = 1000,
    noise: float = 0.0,
    seed: int = 0,
    channels: int = 1,
    size: int = _glyphs.DEFAULT_SIZE,
) -> Dataset:
    """Ten classes of digit-like glyphs (``core.glyphs``) at random places, sizes, slants
    and stroke widths: a task where a convolutional net beats a dense one.

    Returns ``X`` float32 ``(n_samples, channels, size, size)`` in [0, 1] with Gaussian
    pixel noise of std ``noise`` (clipped), and balanced int64 labels ``y`` in 0-9, the
    digit drawn. ``channels``: 1 (grey) or 3 (random colours); ``size``: 8 to 32.
    """
    rng = _setup(n_samples, noise, seed)
    if not _is_int(channels) or channels not in _glyphs.CHANNELS:
        raise _invalid("channels", "1 or 3", channels)
    if not _is_int(size) or not _glyphs.MIN_SIZE <= size <= _glyphs.MAX_SIZE:
        raise _invalid("size", f"an integer in [{_glyphs.MIN_SIZE}, {_glyphs.MAX_SIZE}]", size)
    y = rng.permutation(np.arange(n_samples) % _glyphs.N_CLASSES)
    return _glyphs.draw(rng, y, noise, channels, size), y.astype(np.int64)


# Generators by name that make images (for classification) rather than KINDS' points.
IMAGE_KINDS = ("glyphs",)


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.25, seed: int = 0, stratify: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split rows into ``(X_train, X_test, y_train, y_test)``.

    ``test_size`` is the fraction of rows (rounded) sent to the test split; with
    ``stratify=True`` the rounding is per class of ``y``, keeping class proportions.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(y) != len(X):
        raise _invalid("y", f"as many rows as X ({len(X)})", len(y), shown="len(y)")
    if not _is_real(test_size) or not 0 < test_size < 1:
        raise _invalid("test_size", "a fraction in (0, 1)", test_size)
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    test, train = [], []
    for group in groups:
        shuffled = rng.permutation(group)
        n_test = math.floor(test_size * len(group) + 0.5)
        test.append(shuffled[:n_test])
        train.append(shuffled[n_test:])
    test, train = rng.permutation(np.concatenate(test)), rng.permutation(np.concatenate(train))
    if len(test) == 0 or len(train) == 0:
        raise _invalid("test_size", "a fraction leaving rows in both splits", test_size)
    return X[train], X[test], y[train], y[test]
