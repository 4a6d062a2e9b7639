"""Batch normalization (after Keras's ``BatchNormalization``).

Notes
-----
Per feature (vectors) or per channel (images), over the ``m`` values of a batch:
``xhat = (x - mean) / sqrt(var + eps)``, ``y = gamma * xhat + beta`` with the batch's
mean and (biased) variance while training, the moving averages at predict. Backward
while training: ``dgamma = sum(g * xhat)``, ``dbeta = sum(g)``,
``dx = gamma / sqrt(var + eps) * (g - (dbeta + xhat * dgamma) / m)``.

``gamma`` and ``beta`` sit with the biases of the flat parameter buffer (trained, not
penalized); the moving mean and variance sit in its state part, where the gradient
is always zero, so every optimizer leaves them be while they travel with the weights
into files, checkpoints and early stopping's best weights.
"""

from __future__ import annotations

from math import prod

from syn0.core.layers import Layer


class BatchNorm(Layer):
    """Batchnorm over a few whole-array passes; it may carry the activation that follows
    it (``core.fuse``), applied in place in its output.

    Training keeps ``x - mean`` (``self.centered``) and ``1 / sqrt(var + eps)``; with
    ``a = gamma * inv`` the input gradient is
    ``a * (g - dbeta / m) - centered * (a * inv * dgamma / m)``. Per-channel sums are
    sums along the contiguous axis and per-channel dot products are stacked matrix
    products: no temporary of the input's size.
    """

    @classmethod
    def count_params(cls, spec, shapes):
        return 4 * shapes[0][0]

    @classmethod
    def count_flops(cls, spec, shapes, out):
        return 2 * prod(out)

    def __init__(self, backend, dtype, spec, shapes):
        super().__init__(backend, dtype, spec, shapes)
        c = self.in_shape[0]
        self.bias_size = self.state_size = 2 * c
        self.momentum, self.epsilon = spec.momentum, spec.epsilon
        self.images = len(self.in_shape) == 3
        # Images are viewed as (c, h*w*n), reduced along axis 1; vectors (n, f) along 0.
        self.axis = 1 if self.images else 0
        self.column = (c, 1) if self.images else (1, c)

    def bind(self, weights, bias, grad_w, grad_b):
        c = self.in_shape[0]
        self.gamma, self.beta = bias[:c], bias[c:]
        self.dgamma, self.dbeta = grad_b[:c], grad_b[c:]

    def bind_state(self, state):
        c = self.in_shape[0]
        self.moving_mean, self.moving_var = state[:c], state[c:]

    def initialize_constants(self):
        self.gamma.fill(1)
        self.moving_var.fill(1)

    def _flat(self, x):
        return self.xp.ascontiguousarray(x).reshape(self.in_shape[0], -1) if self.images else x

    def _col(self, values):
        return values.reshape(self.column)

    def _dots(self, a, b):
        """Per channel (feature), the dot product of ``a`` and ``b`` over the batch."""
        if self.images:
            return self.xp.matmul(a[:, None, :], b[:, :, None]).reshape(-1)
        return self.xp.einsum("nf,nf->f", a, b)

    def forward(self, x, training, rng):
        xp, x2 = self.xp, self._flat(x)
        self.training, self.x2 = training, x2
        out = self.buffer("out", x2.shape)
        if training:
            m = x2.shape[self.axis]
            mean = x2.sum(axis=self.axis) / m
            centered = self.buffer("centered", x2.shape)
            xp.subtract(x2, self._col(mean), out=centered)
            var = self._dots(centered, centered) / m
            self.inv = 1.0 / xp.sqrt(var + self.epsilon)
            self.centered = centered
            xp.multiply(centered, self._col(self.gamma * self.inv), out=out)
            out += self._col(self.beta)
            for moving, batch in ((self.moving_mean, mean), (self.moving_var, var)):
                moving *= self.momentum
                moving += (1 - self.momentum) * batch
        else:
            self.inv = 1.0 / xp.sqrt(self.moving_var + self.epsilon)
            scale = self.gamma * self.inv
            xp.multiply(x2, self._col(scale), out=out)
            out += self._col(self.beta - self.moving_mean * scale)
        out = self.activate(out)
        return out.reshape(*self.in_shape, x.shape[-1]) if self.images else out

    def backward(self, grad, need_input_grad):
        xp = self.xp
        g2 = self.activation_gradient(self._flat(grad))
        if not self.training:
            self.centered = self.buffer("centered", g2.shape)
            xp.subtract(self.x2, self._col(self.moving_mean), out=self.centered)
        g2.sum(axis=self.axis, out=self.dbeta)
        self.dgamma[...] = self._dots(g2, self.centered) * self.inv
        if not need_input_grad:
            return None
        a = self.gamma * self.inv
        dx = self.buffer("dx", g2.shape)
        if self.training:
            m = g2.shape[self.axis]
            work = self.buffer("work", g2.shape)
            xp.multiply(self.centered, self._col(a * self.inv * self.dgamma / m), out=work)
            xp.subtract(g2, self._col(self.dbeta / m), out=dx)
            dx *= self._col(a)
            dx -= work
        else:
            xp.multiply(g2, self._col(a), out=dx)
        return dx.reshape(*self.in_shape, grad.shape[-1]) if self.images else dx
