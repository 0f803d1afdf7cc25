"""The catalog: importing this package registers every entry, in this order."""
from . import (  # noqa: F401
    mse, mae, smooth_l1, huber, cross_entropy, cross_entropy_logits, nll, bce, bce_log_clamped, bce_with_logits, kl_div,
    hinge, poisson_nll, poisson_nll_rate, cosine_similarity, log_cosh, soft_margin, multilabel_soft_margin,
    margin_ranking, hinge_embedding, cosine_embedding, focal,
    sigmoid, log_sigmoid, tanh, softmax, log_softmax, softplus, relu, gelu, exp, log, reciprocal, safe_log, safediv,
    gelu_erf, silu, mish, elu, selu, celu, leaky_relu, hardtanh, hardsigmoid, hardswish, relu6, softsign,
    kl_div_log_target, squared_hinge, gaussian_nll, poly1_cross_entropy, triplet_margin, multi_margin,
    logsumexp, multilabel_margin, multiclass_hinge, multiclass_perceptron, categorical_hinge, cross_entropy_index, ntxent,
    sum,
)
