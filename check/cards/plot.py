"""The picture beside a card: an SVG, byte-identical from run to run.

Top: the entry along its slice (check.cards.slices) — the forward (a loss; entry [0, 0] of an
activation) and its derivative w.r.t. x[0, 0], the truth correctly rounded to float64.  Bottom, for
entries with other forms: each form's float32 error relative to the forward's magnitude along the
log grid (symmetric-log axis), the threshold of "inaccurate" marked and labelled, non-finite results
drawn at the top of the axis and errors below FLOOR (exact results among them) on a floor line the
legend explains; at most one major tick per decade (every other on x).

Determinism: check.svg (the Agg backend, fixed ids, text as text, no date).
"""
from __future__ import annotations

import numpy as np

from check.svg import deterministic, to_svg

from check.numeric.float_error import INACCURATE_ULPS

CEILING = 1e2          # where a non-finite result is drawn
FLOOR = 1e-10          # errors below this are drawn at it


def svg(s, curve: tuple, errors: dict) -> str:
    from matplotlib import ticker

    float32 = {k: v for k, v in errors.items() if k[1] == "float32"}
    with deterministic() as plt:
        rows = 2 if float32 else 1
        fig, axes = plt.subplots(rows, 1, figsize=(8.0 if float32 else 6.4, 2.6 * rows), squeeze=False)
        first = s.input_names[0]
        xs, values, slopes = curve
        ax = axes[0][0]
        what = s.name if s.kind == "loss" else f"{s.name}[0, 0]"
        ax.plot(xs, values, color="#1f4e99", label=what)
        ax.plot(xs, slopes, color="#c0392b", linestyle="--", label=f"∂/∂{first}[0, 0]")
        ax.set_xlabel(f"{first}[0, 0]   (other entries fixed at a seeded sample)")
        ax.legend(loc="best", frameon=False)
        ax.set_title(f"{s.name} along one entry of {first}", fontsize=10)
        if float32:
            ax = axes[1][0]
            for (name, _), (a, errs, _) in sorted(float32.items()):
                shown = [CEILING if not np.isfinite(e) else max(e, FLOOR) for e in errs]
                ax.plot(a, shown, marker=".", markersize=2, linewidth=0.8, label=name)
            ax.set_xscale("symlog", linthresh=1.0)
            ax.set_yscale("log")
            ax.set_ylim(FLOOR / 2, CEILING * 3)
            threshold = INACCURATE_ULPS["float32"] * float(np.finfo(np.float32).eps)
            ax.axhline(threshold, color="grey", linewidth=0.6, linestyle=":")
            ax.annotate(f"threshold: inaccurate above 2^12 ulps ({threshold:.1g})", (0.01, threshold),
                        xycoords=("axes fraction", "data"), xytext=(0, 2), textcoords="offset points", fontsize=7,
                        color="grey")
            ax.axhline(FLOOR, color="grey", linewidth=0.6, linestyle="-.")
            ax.yaxis.set_major_locator(ticker.LogLocator(base=10, numticks=7))      # every other decade at most
            ax.yaxis.set_minor_locator(ticker.NullLocator())
            ax.xaxis.set_major_locator(ticker.SymmetricalLogLocator(linthresh=1.0, base=100))
            ax.set_xlabel(f"{first}[0, 0]   (symmetric log scale: linear in [−1, 1])")
            ax.set_ylabel("float32 error / magnitude")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title_fontsize=8, fontsize=8,
                      title=f"not finite: drawn at {CEILING:g}\nbelow {FLOOR:g} (exact: 0):\non the floor line (-.)")
        return to_svg(fig)
