"""SVG figures byte-identical from run to run (the cards' pictures, the audits' error plots).

    with deterministic():
        fig, ax = plt.subplots(...)
        ...
    text = to_svg(fig)                   # closes the figure

Determinism: the Agg backend, a fixed ``svg.hashsalt`` (the ids of clip paths), text kept as text
(``svg.fonttype = none``, so no font's glyph outlines are embedded) and no date in the metadata.
matplotlib is imported by these functions only (the ``cards`` extra installs it).
"""
from __future__ import annotations

import contextlib
import io

SETTINGS = {"svg.hashsalt": "gradspec", "svg.fonttype": "none", "font.family": "DejaVu Sans",
            "font.size": 9, "axes.grid": True, "grid.alpha": 0.3, "path.simplify": False}


@contextlib.contextmanager
def deterministic():
    """matplotlib's pyplot on the Agg backend with SETTINGS, for the block."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with matplotlib.rc_context(SETTINGS):
        yield plt


def to_svg(fig) -> str:
    """The figure as SVG text, without a date; the figure is closed."""
    import matplotlib.pyplot as plt
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "gradspec", "Format": None})
    plt.close(fig)
    return buf.getvalue()
