"""The five families as templates: each writes its network into a ``Sketch`` scaled to
the input, ``(channels, height, width)`` with sides of 8 pixels or more.

The papers' networks read 224x224 (LeNet-5 32x32) images; a template keeps each one's
pattern and chooses its downsampling from the input: strides and pooling shrink the
maps of a large input as the paper does, and fewer of them a small one, so no map
shrinks below 1 pixel and a 28x28 digit is not pooled away. ``width`` sets the filters
of the first stage (later stages grow from it in the paper's ratios), ``depth`` the
blocks or stages; the classifier is a dense softmax layer of ``classes`` units.
"""

from __future__ import annotations

from syn0.core.sketch import Sketch


def reduction(side: int, target: int, most: int) -> int:
    """The largest power of two up to ``most`` that leaves maps of ``target`` pixels or
    more: how much a stem shrinks a ``side``-pixel input (4 for a 224-pixel input and
    a target of 32; 1 for 32 pixels)."""
    factor = 1
    while factor * 2 <= most and side // (factor * 2) >= target:
        factor *= 2
    return factor


def lenet5(sketch: Sketch, classes: int, width: int, depth: int) -> None:
    """C1 conv 5x5 (6) -> S2 subsampling -> C3 conv 5x5 (16) -> S4 -> C5 120 -> F6 84,
    tanh throughout, subsampling as 2x2 average pooling. ``depth`` conv-pool stages; a
    convolution is unpadded, as in the paper, where the map keeps room for the stages
    after it, and padded otherwise."""
    for stage in range(1, depth + 1):
        room = 2 ** (depth - stage + 2)
        padding = "valid" if sketch.side() - 4 >= room else "same"
        filters = round(width * (8 / 3) ** (stage - 1))  # 6, 16, ...
        sketch.conv(f"conv{stage}", filters, 5, padding=padding, activation="tanh")
        if sketch.side() >= 2:
            sketch.pool(f"pool{stage}", 2, 2, type="avgpool2d", padding="valid")
    sketch.add("flatten", "flatten")
    sketch.dense("fc1", 20 * width, "tanh")  # C5: 120 units for width 6
    sketch.dense("fc2", 14 * width, "tanh")  # F6: 84
    sketch.dense("predictions", classes, "softmax")


def alexnet(sketch: Sketch, classes: int, width: int, depth: int) -> None:
    """A large strided first convolution (11x11 stride 4 at 224 pixels, 5x5 stride 1 at
    32), then 5x5, then ``depth`` 3x3 convolutions (the paper's 3), each stage closed
    by an overlapping 3x3 stride-2 max pool; two dropout-regularized dense layers. ReLU
    throughout; the paper's local response normalization is left out (later work found
    it adds little)."""
    stride = reduction(sketch.side(), 32, 4)
    sketch.conv("conv1", width, 2 * stride + 3, stride=stride)  # the paper's 96 filters
    _overlapping_pool(sketch, "pool1")
    sketch.conv("conv2", round(width * 8 / 3), 5)  # 256
    _overlapping_pool(sketch, "pool2")
    for index in range(1, depth + 1):
        filters = 4 * width if index < depth else round(width * 8 / 3)  # 384, 384, 256
        sketch.conv(f"conv{index + 2}", filters, 3)
    _overlapping_pool(sketch, "pool3")
    _dense_head(sketch, classes, 16 * width)  # 4096 for the paper's width


def _overlapping_pool(sketch: Sketch, name: str) -> None:
    if sketch.side() >= 2:
        sketch.pool(name, 3, 2)


def _dense_head(sketch: Sketch, classes: int, units: int) -> None:
    sketch.add("flatten", "flatten")
    for index in (1, 2):
        sketch.dense(f"fc{index}", units, "relu")
        sketch.add(f"dropout{index}", "dropout", rate=0.5)
    sketch.dense("predictions", classes, "softmax")


def vgg(sketch: Sketch, classes: int, width: int, depth: int) -> None:
    """Stages of ``depth`` 3x3 convolutions (VGG-13 has 2) each closed by a 2x2 max pool,
    filters doubling per stage up to 8x ``width``; as many stages (up to the paper's 5)
    as bring the maps down to 7 pixels or fewer. Two dropout-regularized dense layers."""
    stages = 1
    while stages < 5 and sketch.side() // 2**stages > 7:
        stages += 1
    for stage in range(1, stages + 1):
        filters = width * 2 ** min(stage - 1, 3)
        for index in range(1, depth + 1):
            sketch.conv(f"block{stage}_conv{index}", filters, 3)
        sketch.pool(f"block{stage}_pool", 2, 2, padding="valid")
    _dense_head(sketch, classes, 16 * width)  # 4096 for the paper's width of 64


def googlenet(sketch: Sketch, classes: int, width: int, depth: int) -> None:
    """A stem shrinking the input to maps of 14 pixels or more (28 at 224 pixels, as the
    paper's), then ``depth`` inception blocks with a 3x3 stride-2 max pool before the
    3rd and the 8th (the paper's 9 blocks are 2, 5 and 2 between pools), global average
    pooling, dropout 0.4 and the classifier."""
    stem = reduction(sketch.side(), 14, 8)
    stride = 2 if stem >= 4 else 1
    sketch.conv("stem_conv1", width, 7 if stride == 2 else 3, stride=stride)
    halvings = (stem // stride).bit_length() - 1  # left to the pools
    for index in range(1, halvings + 1):
        if index > 1:
            sketch.conv(f"stem_conv{index}", 3 * width, 3)  # the paper's 192
        sketch.pool(f"stem_pool{index}", 3, 2)
    for block in range(1, depth + 1):
        if block in (3, 8) and sketch.side() >= 2:
            sketch.pool(f"pool{block}", 3, 2)
        stage = 0 if block < 3 else 1 if block < 8 else 2
        _inception(sketch, f"inception{block}", width * 2**stage)
    sketch.add("avgpool", "global_avgpool2d")
    sketch.add("dropout", "dropout", rate=0.4)
    sketch.dense("predictions", classes, "softmax")


def _inception(sketch: Sketch, name: str, c: int) -> None:
    """Four branches side by side, joined along channels: 1x1 (``c`` filters), 1x1 ->
    3x3 (2c), 1x1 -> 5x5 (c/2), 3x3 max pool -> 1x1 (c/2); 4c channels out, in the
    proportions of the paper's inception (3a): 64, 128, 32 and 32."""
    x = sketch.last
    sketch.conv(f"{name}_b1", c, 1, inputs=[x])
    sketch.conv(f"{name}_b2_reduce", max(1, 3 * c // 2), 1, inputs=[x])
    sketch.conv(f"{name}_b2", 2 * c, 3)
    sketch.conv(f"{name}_b3_reduce", max(1, c // 4), 1, inputs=[x])
    sketch.conv(f"{name}_b3", max(1, c // 2), 5)
    sketch.pool(f"{name}_b4_pool", 3, 1, inputs=[x])
    sketch.conv(f"{name}_b4", max(1, c // 2), 1)
    branches = [f"{name}_b{branch}" for branch in (1, 2, 3, 4)]
    sketch.add(name, "concat", inputs=branches)


# A convolution followed by batch normalization needs no bias: the normalization's
# beta takes its place.
_PRE_NORM = {"activation": "linear", "use_bias": False}


def _norm(sketch: Sketch, name: str) -> str:
    """Batch normalization whose moving averages follow the last ~10 batches (PyTorch's
    default; Keras's 0.99 follows ~100), so that a short run on a small dataset
    predicts with averages that have caught up with its weights."""
    return sketch.add(name, "batchnorm", momentum=0.9)


def resnet(sketch: Sketch, classes: int, width: int, depth: int) -> None:
    """The CIFAR ResNet of the paper (6n + 2 layers, n = ``depth``: ResNet-20 has 3):
    a stem, three stages of ``depth`` residual blocks with ``width``, 2x and 4x filters,
    the first block of stages 2 and 3 halving the maps; global average pooling and the
    classifier. An input of 64 pixels or more gets the ImageNet stem: 7x7 stride 2 (and
    a 3x3 stride-2 max pool from 128 pixels)."""
    stem = reduction(sketch.side(), 32, 4)
    stride = min(stem, 2)
    sketch.conv("stem_conv", width, 3 if stem == 1 else 7, stride=stride, **_PRE_NORM)
    _norm(sketch, "stem_bn")
    sketch.add("stem_relu", "activation", activation="relu")
    if stem == 4:
        sketch.pool("stem_pool", 3, 2)
    for stage in (1, 2, 3):
        for block in range(1, depth + 1):
            halve = stage > 1 and block == 1 and sketch.side() >= 2
            _residual(sketch, f"stage{stage}_block{block}", width * 2 ** (stage - 1), halve)
    sketch.add("avgpool", "global_avgpool2d")
    sketch.dense("predictions", classes, "softmax")


def _residual(sketch: Sketch, name: str, filters: int, halve: bool) -> None:
    """``y = relu(x + F(x))``, ``F`` = conv-BN-ReLU-conv-BN; where ``F`` halves the maps
    or changes the channels, ``x`` goes through a 1x1 strided projection with BN."""
    x, stride = sketch.last, 2 if halve else 1
    sketch.conv(f"{name}_conv1", filters, 3, stride=stride, **_PRE_NORM)
    _norm(sketch, f"{name}_bn1")
    sketch.add(f"{name}_relu1", "activation", activation="relu")
    sketch.conv(f"{name}_conv2", filters, 3, **_PRE_NORM)
    residual = _norm(sketch, f"{name}_bn2")
    shortcut = x
    if halve or sketch.shape(x)[0] != filters:
        sketch.conv(f"{name}_projection", filters, 1, stride=stride, inputs=[x], **_PRE_NORM)
        shortcut = _norm(sketch, f"{name}_projection_bn")
    sketch.add(f"{name}_add", "add", inputs=[shortcut, residual])
    sketch.add(f"{name}_out", "activation", activation="relu")
