"""Optimizers over the network's one flat parameter buffer (after sklearn's BaseOptimizer).

``update(params, grads, lr)`` is a few whole-array calls, whatever the number of
layers. ``grads`` may be overwritten. ``state()`` / ``load_state()`` carry every
array and counter a resumed run needs to continue bit for bit.
"""

from __future__ import annotations

import math
from typing import Any

Array = Any


class Optimizer:
    def __init__(self, backend, spec, size: int, dtype):
        self.backend, self.xp, self.spec = backend, backend.xp, spec
        self.slots = {name: self.xp.zeros(size, dtype=dtype) for name in self.slot_names}
        self.tmp = self.xp.empty(size, dtype=dtype)
        self.t = 0

    slot_names: tuple[str, ...] = ()

    def state(self) -> dict[str, Any]:
        return {"t": self.t, **{name: arr.copy() for name, arr in self.slots.items()}}

    def load_state(self, state: dict[str, Any]) -> None:
        self.t = int(state["t"])
        for name, arr in self.slots.items():
            arr[...] = self.xp.asarray(state[name])

    def gradient_scale(self, lr: float) -> float:
        """The factor the trainer applies to the gradients it passes to ``update``."""
        return 1.0

    def update(self, params: Array, grads: Array, lr: float) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """``v = momentum v - lr g; p += v`` (Nesterov: ``p += momentum v - lr g``).

    It takes its gradients already scaled by ``-lr`` (``gradient_scale``): the trainer
    scales the small loss gradient before backprop, which saves a pass over every
    parameter per step.
    """

    def __init__(self, backend, spec, size, dtype):
        self.slot_names = ("velocity",) if spec.momentum else ()
        super().__init__(backend, spec, size, dtype)

    def gradient_scale(self, lr: float) -> float:
        return -lr

    def update(self, params, grads, lr):
        self.t += 1
        if not self.spec.momentum:
            params += grads
            return
        v, mu = self.slots["velocity"], self.spec.momentum
        if self.backend.momentum_step(params, grads, v, mu, self.spec.nesterov):
            return
        v *= mu
        v += grads
        if self.spec.nesterov:
            self.xp.multiply(v, mu, out=self.tmp)
            params += self.tmp
            params += grads
        else:
            params += v


class Adam(Optimizer):
    """Adam with bias correction folded into the step size and epsilon.

    Notes
    -----
    m += (1 - b1)(g - m);  v += (1 - b2)(g**2 - v);
    p -= lr sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + eps sqrt(1 - b2**t)),
    which equals PyTorch's ``lr * m_hat / (sqrt(v_hat) + eps)``. On a GPU the step is
    one fused kernel (``Backend.adam_step``): it reads and writes each array once, where
    the dozen whole-array calls below pass over memory about four times as often.
    """

    slot_names = ("m", "v")

    def update(self, params, grads, lr):
        xp, s, tmp = self.xp, self.spec, self.tmp
        m, v = self.slots["m"], self.slots["v"]
        self.t += 1
        correction2 = math.sqrt(1 - s.beta2**self.t)
        step = lr * correction2 / (1 - s.beta1**self.t)
        eps = s.epsilon * correction2
        if self.backend.adam_step(params, grads, m, v, 1 - s.beta1, 1 - s.beta2, step, eps):
            return
        xp.subtract(grads, m, out=tmp)
        tmp *= 1 - s.beta1
        m += tmp
        grads *= grads
        grads -= v
        grads *= 1 - s.beta2
        v += grads
        xp.sqrt(v, out=tmp)
        tmp += eps
        xp.divide(m, tmp, out=tmp)
        tmp *= step
        params -= tmp


class RMSprop(Optimizer):
    """``v = rho v + (1 - rho) g**2``; ``p -= lr g / (sqrt(v) + eps)`` (with optional momentum)."""

    def __init__(self, backend, spec, size, dtype):
        self.slot_names = ("v", "velocity") if spec.momentum else ("v",)
        super().__init__(backend, spec, size, dtype)

    def update(self, params, grads, lr):
        xp, s, tmp = self.xp, self.spec, self.tmp
        v = self.slots["v"]
        self.t += 1
        xp.multiply(grads, grads, out=tmp)
        tmp -= v
        tmp *= 1 - s.rho
        v += tmp
        xp.sqrt(v, out=tmp)
        tmp += s.epsilon
        xp.divide(grads, tmp, out=tmp)
        tmp *= lr
        if s.momentum:
            velocity = self.slots["velocity"]
            velocity *= s.momentum
            velocity += tmp
            params -= velocity
        else:
            params -= tmp


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def make_optimizer(backend, spec, size: int, dtype) -> Optimizer:
    return OPTIMIZERS[spec.type](backend, spec, size, dtype)
