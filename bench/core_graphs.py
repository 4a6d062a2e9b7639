"""The graph workloads of bench/core.py: a small ResNet and a GoogLeNet-style network,
each as a syn0 spec and as the same network in PyTorch.

Both read 3x32x32 images (CIFAR's shape) and end in global average pooling and a dense
layer of 10 logits.

* ResNet: a stem conv(16, 3x3) + batchnorm + ReLU at 32x32; three residual blocks
  conv-BN-ReLU-conv-BN + shortcut, then ReLU: 16 channels at 32x32; 32 channels at
  16x16, its first conv of stride 2 and its shortcut a 1x1 conv of stride 2 + batchnorm
  (the projection); 32 channels at 16x16. Convolutions before a batchnorm have no bias.
* GoogLeNet-style: a stem conv(32, 3x3) + ReLU at 32x32, two inception blocks of four
  branches (1x1; 1x1 -> 3x3; 1x1 -> 5x5; 3x3 max-pool of stride 1 with same padding
  -> 1x1) joined by concat, at 32x32 (56 channels out) and, after a 2x2 max-pool, at
  16x16 (96 channels out). Every conv carries a ReLU, as in GoogLeNet (no batchnorm).

PyTorch's batchnorm matches Keras's (syn0's): momentum 0.01 (= 1 - 0.99) and eps 1e-3.
One difference in geometry: a 3x3 conv of stride 2 with same padding pads (0, 1) in
Keras and syn0 and (1, 1) in PyTorch (``padding=1``); the shapes and FLOPs agree, the
windows sit one pixel apart. bench/core.py asserts that both hold the same number of parameters
(``torch_size`` counts PyTorch's batchnorm running averages with them, as syn0 does).
"""

from __future__ import annotations

import torch
from torch import nn

N_CLASSES = 10
IMAGE = (3, 32, 32)
BN = {"type": "batchnorm"}  # momentum 0.99, epsilon 1e-3
RELU = {"type": "activation", "activation": "relu"}


def _conv(filters: int, k: int, **kw) -> dict:
    return {"type": "conv2d", "filters": filters, "kernel_size": k, **kw}


# --- ResNet ---------------------------------------------------------------------------------


def _residual(name: str, source: str, filters: int, stride: int) -> list[dict]:
    """conv-BN-ReLU-conv-BN reading ``source``, added to its shortcut, then ReLU."""
    nobias = {"padding": "same", "use_bias": False}
    layers = [
        _conv(filters, 3, stride=stride, inputs=[source], **nobias),
        BN,
        RELU,
        _conv(filters, 3, **nobias),
        {**BN, "name": f"{name}_residual"},
    ]
    shortcut = source
    if stride != 1:
        layers += [
            _conv(filters, 1, stride=stride, use_bias=False, inputs=[source]),
            {**BN, "name": f"{name}_projection"},
        ]
        shortcut = f"{name}_projection"
    add = {"type": "add", "inputs": [shortcut, f"{name}_residual"]}
    return [*layers, add, {**RELU, "name": name}]


RESNET_LAYERS = [
    _conv(16, 3, padding="same", use_bias=False),
    BN,
    {**RELU, "name": "stem"},
    *_residual("block1", "stem", 16, 1),
    *_residual("block2", "block1", 32, 2),
    *_residual("block3", "block2", 32, 1),
    {"type": "global_avgpool2d"},
    {"type": "dense", "units": N_CLASSES, "activation": "softmax"},
]


class _TorchResidual(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.residual = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, padding=1, bias=False),
            _torch_bn(c_out),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
            _torch_bn(c_out),
        )
        self.shortcut = nn.Identity()
        if stride != 1:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), _torch_bn(c_out)
            )

    def forward(self, x):
        return (self.shortcut(x) + self.residual(x)).relu()


def _torch_bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


def torch_resnet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1, bias=False),
        _torch_bn(16),
        nn.ReLU(),
        _TorchResidual(16, 16, 1),
        _TorchResidual(16, 32, 2),
        _TorchResidual(32, 32, 1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(32, N_CLASSES),
    )


# --- GoogLeNet-style ------------------------------------------------------------------------

# (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection), as in GoogLeNet's table.
INCEPTION_A = (16, 16, 24, 4, 8, 8)
INCEPTION_B = (32, 24, 32, 8, 16, 16)


def _inception(name: str, source: str, widths: tuple[int, ...]) -> list[dict]:
    c1, c3r, c3, c5r, c5, pool = widths
    relu = {"activation": "relu"}
    return [
        _conv(c1, 1, inputs=[source], name=f"{name}_1x1", **relu),
        _conv(c3r, 1, inputs=[source], **relu),
        _conv(c3, 3, padding="same", name=f"{name}_3x3", **relu),
        _conv(c5r, 1, inputs=[source], **relu),
        _conv(c5, 5, padding="same", name=f"{name}_5x5", **relu),
        {"type": "maxpool2d", "pool_size": 3, "stride": 1, "padding": "same", "inputs": [source]},
        _conv(pool, 1, name=f"{name}_pool", **relu),
        {
            "type": "concat",
            "name": name,
            "inputs": [f"{name}_{branch}" for branch in ("1x1", "3x3", "5x5", "pool")],
        },
    ]


GOOGLENET_LAYERS = [
    _conv(32, 3, padding="same", activation="relu", name="stem"),
    *_inception("inception_a", "stem", INCEPTION_A),
    {"type": "maxpool2d", "pool_size": 2, "name": "pool"},
    *_inception("inception_b", "pool", INCEPTION_B),
    {"type": "global_avgpool2d"},
    {"type": "dense", "units": N_CLASSES, "activation": "softmax"},
]


class _TorchInception(nn.Module):
    def __init__(self, c_in: int, widths: tuple[int, ...]):
        super().__init__()
        c1, c3r, c3, c5r, c5, pool = widths
        self.branches = nn.ModuleList(
            [
                nn.Sequential(nn.Conv2d(c_in, c1, 1), nn.ReLU()),
                nn.Sequential(
                    nn.Conv2d(c_in, c3r, 1), nn.ReLU(), nn.Conv2d(c3r, c3, 3, padding=1), nn.ReLU()
                ),
                nn.Sequential(
                    nn.Conv2d(c_in, c5r, 1), nn.ReLU(), nn.Conv2d(c5r, c5, 5, padding=2), nn.ReLU()
                ),
                nn.Sequential(nn.MaxPool2d(3, 1, padding=1), nn.Conv2d(c_in, pool, 1), nn.ReLU()),
            ]
        )

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


def torch_googlenet() -> nn.Module:
    width_a = INCEPTION_A[0] + INCEPTION_A[2] + INCEPTION_A[4] + INCEPTION_A[5]
    width_b = INCEPTION_B[0] + INCEPTION_B[2] + INCEPTION_B[4] + INCEPTION_B[5]
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.ReLU(),
        _TorchInception(32, INCEPTION_A),
        nn.MaxPool2d(2),
        _TorchInception(width_a, INCEPTION_B),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(width_b, N_CLASSES),
    )


def torch_size(model: nn.Module) -> int:
    """Parameters plus batchnorm's running mean and variance (syn0 counts those too)."""
    running = sum(
        b.numel()
        for name, b in model.named_buffers()
        if name.endswith(("running_mean", "running_var"))
    )
    return sum(p.numel() for p in model.parameters()) + running
