"""The training code: forward and hand-written backward of two custom losses (mean reduction).

    charbonnier(p, t; ε)   = mean √((p − t)² + ε²)                 ∂/∂p = (p − t) / √((p − t)² + ε²) / N
    pseudo_huber(p, t; δ)  = mean δ² (√(1 + ((p − t)/δ)²) − 1)      ∂/∂p = (p − t) / √(1 + ((p − t)/δ)²) / N

``pseudo_huber_backward`` carries a real-looking bug: it forgets δ inside the root, which is
harmless at δ = 1 and wrong everywhere else (the default here is δ = 1.5).
"""
import numpy as np


def charbonnier(p, t, eps=0.1):
    return np.mean(np.sqrt((p - t) ** 2 + eps ** 2))


def charbonnier_backward(p, t, eps=0.1):
    d = p - t
    return d / np.sqrt(d ** 2 + eps ** 2) / d.size


def pseudo_huber(p, t, delta=1.5):
    return np.mean(delta ** 2 * (np.sqrt(1 + ((p - t) / delta) ** 2) - 1))


def pseudo_huber_backward(p, t, delta=1.5):
    d = p - t
    return d / np.sqrt(1 + d ** 2) / d.size          # bug: should be 1 + (d / delta) ** 2
