"""The error plot of an audit's search, one SVG per entry and dtype (as Herbie's error plots).

One panel per input: each searched point (check.audits.search's sample) at its coordinate along the
input (check.audits.search.coordinates), on a symmetric log axis, against its bits of error
(log2(1 + floats between), the largest over the value's and the gradient's entries; all the
format's bits where the result was not finite or the call crashed).  Points with a finding are red,
the others blue; the failure ranges are shaded.  Byte-identical from run to run (check.svg).
"""
from __future__ import annotations

from check.svg import deterministic, to_svg


def error_svg(title: str, dtype: str, width: int, sample: dict, ranges: list) -> str:
    """``sample``: input -> [[coordinate, bits, failed], ...]; ``ranges``: the search's failure ranges."""
    names = list(sample)
    with deterministic() as plt:
        fig, axes = plt.subplots(len(names), 1, figsize=(7.0, 2.3 * len(names)), squeeze=False)
        for ax, name in zip((row[0] for row in axes), names):
            pts = sample[name]
            for failed, colour, label in ((False, "#1f4e99", "no finding"), (True, "#c0392b", "finding")):
                xs = [p[0] for p in pts if p[2] == failed]
                ys = [p[1] for p in pts if p[2] == failed]
                if xs:
                    ax.scatter(xs, ys, s=4, color=colour, label=label, linewidths=0)
            for r in ranges:
                if r["input"] == name:
                    ax.axvspan(float(r["from"]), float(r["to"]), color="#c0392b", alpha=0.08, linewidth=0)
            ax.set_xscale("symlog", linthresh=1.0)
            ax.set_ylim(-0.5, width + 0.5)
            ax.set_ylabel("bits of error")
            ax.set_xlabel(f"{name} (symmetric log scale; a loss input: its entry of largest magnitude)")
            ax.legend(loc="upper left", frameon=False, fontsize=7)
        axes[0][0].set_title(f"{title} in {dtype}: error at the searched points", fontsize=10)
        return to_svg(fig)
