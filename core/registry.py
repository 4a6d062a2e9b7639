"""Every layer type of the spec, by its ``type`` tag, to the class that runs it."""

from __future__ import annotations

from syn0.core.conv import Conv2D
from syn0.core.layers import Activation, Dense, Dropout, Flatten, Layer
from syn0.core.merge import Add, Concat
from syn0.core.norm import BatchNorm
from syn0.core.pool import AvgPool2D, GlobalAvgPool2D, MaxPool2D

LAYERS: dict[str, type[Layer]] = {
    "dense": Dense,
    "conv2d": Conv2D,
    "maxpool2d": MaxPool2D,
    "flatten": Flatten,
    "dropout": Dropout,
    "avgpool2d": AvgPool2D,
    "global_avgpool2d": GlobalAvgPool2D,
    "batchnorm": BatchNorm,
    "activation": Activation,
    "add": Add,
    "concat": Concat,
}
