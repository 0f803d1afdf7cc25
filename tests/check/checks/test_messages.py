"""The hints of a refutation (check.checks.messages) name the actual cause: a per-row divisor, a
clamp's zero, where the callable really raised, and the point that is off the most."""
from check import check_gradient, check_vjp
from spec.reduction import count, rows_count


def test_a_per_row_loss_divided_by_entries_names_rows_count():
    def wrong(predicted, target, *, xp, reduction, weight):       # count of entries: 3× too small at 2×3
        return (1 / (1 + xp.exp(-predicted)) - target) / (predicted.shape[-1] * count(predicted, reduction))
    r = check_gradient("multilabel_soft_margin", wrong)
    assert r.status == "refuted"
    assert "the 3 entries of a row" in r.message and "rows_count" in r.message

    def right(predicted, target, *, xp, reduction, weight):
        return (1 / (1 + xp.exp(-predicted)) - target) / (predicted.shape[-1] * rows_count(predicted, reduction))
    assert check_gradient("multilabel_soft_margin", right).ok


def test_an_entrywise_missing_mean_still_names_the_count():
    r = check_gradient("mae", lambda p, t, *, xp: xp.sign(p - t))
    assert r.status == "refuted" and "the 6 entries at this shape: a missing or extra 1/N" in r.message


def test_a_gradient_that_ignores_a_clamp_is_told_the_truth_is_zero_there():
    r = check_vjp("relu", lambda x, v, *, xp: v)                   # passes v where relu is flat
    assert r.status == "refuted"
    assert "the truth is 0 at every entry that differs" in r.message and "constant factor" not in r.message


def test_the_raise_hint_only_when_the_shown_point_raised():
    def sometimes(p, t, *, xp):
        if float(xp.max(xp.abs(p))) > 100:
            raise ValueError("too large")
        return 10 * (p - t) / p.size                                # also off by 5 everywhere
    r = check_gradient("mse", sometimes)
    assert r.status == "refuted"
    head, _, hint_text = r.message.partition("hint:")
    assert "constant factor 5 everywhere" in hint_text
    assert "the callable raised" not in hint_text
    assert "also raised" in hint_text and "too large" in hint_text

    def always(p, t, *, xp):
        raise ValueError("never works")
    r = check_gradient("mse", always)
    assert r.status == "refuted" and "hint: the callable raised" in r.message


def test_the_point_off_the_most_is_shown_beside_the_simplest():
    def drifting(p, t, *, xp):                                     # 1 % off near 0, 10^12 × off at 1e6
        d = p - t
        return 2 * d * (1 + d * d / 100) / p.size
    r = check_gradient("mse", drifting)
    assert r.status == "refuted" and "the largest difference" in r.message
    largest = r.message.split("the largest difference")[1]
    assert "relative error" in largest and "e+" in largest.split("relative error")[1].split(")")[0]

    r = check_gradient("mse", lambda p, t, *, xp: 3 * (p - t) / p.size)     # one factor: nothing extra
    assert r.status == "refuted" and "the largest difference" not in r.message
