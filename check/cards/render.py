"""Gradient contract cards: the public contract of each catalog entry, generated, committed, drift-checked.

    files = generate()                  # {"cards/mse.md": text, "cards/mse.json": ..., "cards/mse.svg": ...,
                                        #  "README.md": the index table}
    write(files, "reports")             # gradspec cards
    drift(files, "reports")             # gradspec cards --check: [(path, "changed" | "missing" | "stale")]

A card holds only what the specs and the computation decide — formulas rendered by SymPy's LaTeX
printer, verdicts (status, scope, method, precision, points, worst error; never timings), the
float failure ranges of each form measured along a slice (check.cards.slices), conditions with their
witnesses, kink conventions, the PyTorch analogue, the SVG (check.cards.plot), a SHA-256 of the
entry's source file and the versions of gradspec and the libraries that computed it.  Floating
point results of PyTorch and JAX are left out (whether they are installed must not change a card),
and so is the float64 error of emitted code (its last bits depend on the CPU's vector unit).
Generating twice gives the same bytes.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import re
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import sympy as sp

import derive
import spec as spec_pkg
from derive.budget import run
from derive.sizes import Unsupported, every_size_derivative, every_size_forward
from derive.symbols import exact
from spec.errors import GradspecError, lines
from spec.registry import is_own
from spec.kinds import first_order_kind

from check.cards import plot as card_plot
from check.checks import catalog
from check.cards import slices
from check.numeric.float_error import RULE

SYMBOLIC_SECONDS = 60
LIBRARIES = ("gradspec", "sympy", "python-flint", "numpy", "matplotlib")


# formulas -------------------------------------------------------------------------------------
_LETTERS = ("c", "j", "i", "r")


def _latex(expr) -> str:
    """SymPy's LaTeX, with the summation variables of derive (_c0, _c1, …) named c, j, i, r."""
    expr = sp.sympify(expr)
    names = sorted({v for S in expr.atoms(sp.Sum) for v, _, _ in S.limits}, key=lambda v: v.name)
    return sp.latex(expr.xreplace({v: sp.Symbol(_LETTERS[k % len(_LETTERS)] + "'" * (k // len(_LETTERS)),
                                                integer=True) for k, v in enumerate(names)}))


def forward_latex(s, params) -> tuple[str, str]:
    """(LaTeX, scope) of the forward: its generic entry for every size, else at shape 1×2."""
    exact_params = {k: exact(v) for k, v in params.items()}
    try:
        value, why = run(SYMBOLIC_SECONDS, every_size_forward, s, exact_params)
    except Unsupported as e:
        value, why = None, str(e)
    if why is None:
        first = s.inputs[0].symbol
        name = s.name.replace("_", "\\_")
        lhs = "T_{k,l} = " if s.kind == "loss" else f"\\operatorname{{{name}}}({first})_{{k,l}} = "
        return lhs + _latex(value), "every size: entry (k, l) of an m×n input"
    return _shaped_latex(s, lambda shape: derive.forward(s, shape=shape, params=params))


#: A formula printed at a small shape longer than this is left out of the card (the docstring states it).
LATEX_LIMIT = 6000


def _small_shape(s) -> tuple:
    """1×2 where the spec takes it, else its default shape (ntxent needs two rows)."""
    try:
        s.shapes((1, 2))
        return (1, 2)
    except Exception:
        return tuple(s.default_shape)


def _shaped_latex(s, compute) -> tuple[str, str]:
    """(LaTeX, scope) of ``compute(shape)`` at the spec's smallest shape; a note if it is too long to read."""
    shape = _small_shape(s)
    scope = "shape " + "×".join(map(str, shape))
    text = sp.latex(sp.Matrix(np.atleast_2d(np.asarray(compute(shape), dtype=object))))
    if len(text) > LATEX_LIMIT:
        return (f"\\text{{{len(text)} characters at {'×'.join(map(str, shape))}: too long to print; "
                f"the entry's docstring states the formula}}"), scope
    return text, scope


def gradient_latex(s, wrt, params) -> tuple[str, str]:
    exact_params = {k: exact(v) for k, v in params.items()}
    try:
        value, why = run(SYMBOLIC_SECONDS, lambda: every_size_derivative(s, wrt, exact_params)[0])
    except Unsupported as e:
        value, why = None, str(e)
    if why is None:
        return _latex(value), f"every size: ∂/∂{s.input(wrt).symbol}[k, l]"
    kind = first_order_kind(s)
    return _shaped_latex(s, lambda shape: derive.gradient(s, wrt, shape=shape, params=params) if kind == "grad"
                         else derive.vjp(s, wrt, shape=shape, params=params))


# verdicts --------------------------------------------------------------------------------------
def _verdict(r, known) -> dict:
    v = r.to_json(judged=catalog.passed(r, known), reproducible=True)
    if r.check.startswith("emitted["):
        v["method"] = r.method.split(";")[0]       # the exact check; the float reports are the card's slices
    return v


def _ranges_text(runs) -> list:
    return [{"from": float(f"{lo:.4g}"), "to": float(f"{hi:.4g}"), "why": why} for lo, hi, why in runs]


# one card --------------------------------------------------------------------------------------
def versions() -> dict:
    return {lib: metadata.version(lib) for lib in LIBRARIES}


def source_hash(s) -> str:
    module = sys.modules[s.fn.__module__]
    return hashlib.sha256(inspect.getsource(module).encode()).hexdigest()


def card(name: str, libs: dict | None = None, results: dict | None = None) -> tuple[dict, str]:
    """(card data, SVG) of one catalog entry; ``results`` {check id: CheckResult} of its checks when
    they have been run already (gradspec verify), else they are run here."""
    s = spec_pkg.get(name)
    params = s.resolve_params(None)
    known = catalog.known_deviations()
    if results is None:
        results = {c.id: c.run() for c in catalog.checks(s.name) if not c.id.startswith("emitted-")}
    results = {cid: r for cid, r in results.items() if not cid.startswith("emitted-")}
    latex, scope = forward_latex(s, params)
    grads = []
    for i in s.inputs:
        g, gscope = gradient_latex(s, i.name, params)
        grads.append({"wrt": i.name, "kind": "gradient" if s.kind == "loss" else "VJP", "latex": g,
                      "scope": gscope})
    errors = slices.form_errors(s) if slices.sliceable(s) else {}
    ranges = slices.failure_ranges(errors)
    forms = []
    for f in s.forms:
        r = results[f"form[{f.name}]"]
        forms.append({"name": f.name, "stable": f.stable, "description": f.description,
                      "identity": _verdict(r, known),
                      "float_failures": {fmt: _ranges_text(ranges.get((f.name, fmt), []))
                                         for fmt in slices.FORMATS}})
    conditions = [{"name": c.name, "description": c.description,
                   "verdict": _verdict(results[f"condition[{c.name}]"], known)} for c in s.conditions]
    derivative_checks = [_verdict(r, known) for cid, r in results.items()
                         if not cid.startswith(("form[", "condition["))]
    data = {
        "name": s.name, "kind": s.kind,
        "summary": first_sentence(s.doc or ""),
        "forward": {"latex": latex, "scope": scope},
        "inputs": [{"name": i.name, "symbol": i.symbol, "domain": i.domain.name,
                    "domain_description": i.domain.description,
                    "shape": "×".join(map(str, s.shapes(s.default_shape)[i.name])) if s.input_shapes
                    else "any (m×n at the default 2×3)"} for i in s.inputs],
        "parameters": [{"name": p.name, "default": p.default, "description": p.description} for p in s.params],
        "gradients": grads,
        "checks": derivative_checks,
        "forms": forms,
        "slice": {"input": f"{s.input_names[0]}[0, 0]", "grid_per_decade": slices.GRID_PER_DECADE,
                  "failure_rule": RULE},
        "conditions": conditions,
        "kinks": [{"description": k.description, "convention": k.convention} for k in s.kinks],
        "analogue": (None if s.analogue is None else
                     {"function": s.analogue.function, "args": s.analogue.args, "notes": s.analogue.notes}),
        "plot": f"{s.name}.svg",
        "provenance": {"spec_source_sha256": source_hash(s), **(libs or versions())},
    }
    picture = card_plot.svg(s, slices.curve(s), errors) if slices.sliceable(s) else ""
    return data, picture


# rendering -------------------------------------------------------------------------------------
def _status_text(v: dict) -> str:
    text = f"**{v['status']}**"
    if v["scope"]:
        text += f" ({v['scope']})"
    if v["precision"] and v["points"] and v["shapes"]:
        text += (f"; {'certificate' if v['status'] == 'proved' else 'evaluated'}: {v['points']} points, "
                 f"shapes {', '.join(v['shapes'])}, ball arithmetic at {v['precision']} bits")
        if v["bound_bits"] == "exact":
            text += ", every difference exactly 0"
        elif v["bound_bits"] is not None:
            text += f", differences within 2^-{v['bound_bits']}"
    if v.get("prover_disagreement"):
        text += "; PROVER DISAGREEMENT"
    if v["conditions"]:
        text += f"; under {', '.join(v['conditions'])}"
    if v["note"]:
        text += f" — {v['note']}"
    return text


def first_sentence(doc: str) -> str:
    """The first sentence of a docstring's first paragraph, whole (its lines joined), never cut."""
    para = " ".join(line.strip() for line in doc.strip().split("\n\n")[0].splitlines())
    return re.split(r"(?<=[.!?])\s+(?=[A-Z(])", para, maxsplit=1)[0] if para else ""


def markdown(d: dict) -> str:
    out = [f"# {d['name']} ({d['kind']})", "", d["summary"], "",
           "*Generated by `gradspec cards` from the spec; do not edit. `gradspec cards --check` and "
           "`gradspec verify --cards` fail when this card and the spec disagree.*", "",
           "## Forward", "", f"$$\n{d['forward']['latex']}\n$$", "", f"Scope: {d['forward']['scope']}."
           + (" The loss L is the reduction of the terms T (parameter `reduction`)." if d["kind"] == "loss" else ""), "",
           "| input | symbol | domain | shape |", "|---|---|---|---|"]
    out += [f"| {i['name']} | ${i['symbol']}$ | {i['domain']}: {i['domain_description']} | {i['shape']} |"
            for i in d["inputs"]]
    if d["parameters"]:
        out += ["", "| parameter | default | meaning |", "|---|---|---|"]
        out += [f"| {p['name']} | `{p['default']!r}` | {p['description']} |" for p in d["parameters"]]
    out += ["", "## Closed-form derivatives (derive)", ""]
    for g in d["gradients"]:
        out += [f"{g['kind']} w.r.t. `{g['wrt']}` ({g['scope']}):", "", f"$$\n{g['latex']}\n$$", ""]
    out += ["## Hand-written derivatives and emitted code: verdicts", "",
            "| check | verdict | method |", "|---|---|---|"]
    out += [f"| `{v['check']}` | {_status_text(v)} | {v['method']} |" for v in d["checks"]]
    if d["forms"]:
        out += ["", "## Other forms of the forward", "",
                f"Float failures measured along {d['slice']['input']} ({d['slice']['grid_per_decade']} "
                f"points a decade; a point fails when the result is {d['slice']['failure_rule']}).", "",
                "| form | identity with the forward | float32 fails for | float64 fails for |", "|---|---|---|---|"]
        for f in d["forms"]:
            cells = []
            for fmt in ("float32", "float64"):
                runs = f["float_failures"][fmt]
                cells.append("; ".join(f"{r['from']:g} … {r['to']:g} ({r['why']})" for r in runs) or "nowhere on the grid")
            label = f"`{f['name']}` ({'stable' if f['stable'] else 'naive'}): {f['description']}"
            out.append(f"| {label} | {_status_text(f['identity'])} | {cells[0]} | {cells[1]} |")
    if d["conditions"]:
        out += ["", "## Domain conditions", ""]
        for c in d["conditions"]:
            v = c["verdict"]
            out.append(f"- `{c['name']}`: {c['description']} — {_status_text(v)}")
            if v["counterexample"]:
                ce = v["counterexample"]
                inputs = ", ".join(f"{k} = {val}" for k, val in ce["inputs"].items())
                out.append(f"  - outside it: {inputs} → the spec's derivative is {ce['expected']}, "
                           f"the guarded formula gives {ce['got']}")
    if d["kinks"]:
        out += ["", "## Kinks", ""]
        out += [f"- {k['description']}: {k['convention']}" for k in d["kinks"]]
    if d["analogue"]:
        a = d["analogue"]
        out += ["", "## PyTorch analogue", "", f"`{a['function']}`: "
                + ", ".join(f"`{k}` → `{v}`" for k, v in a["args"].items())
                + (f". {a['notes']}" if a["notes"] else "")]
    if d["plot"]:
        out += ["", "## Picture", "", f"![{d['name']} along {d['slice']['input']}]({d['plot']})"]
    p = d["provenance"]
    out += ["", "## Provenance", "", f"- spec source SHA-256: `{p['spec_source_sha256']}`",
            "- " + ", ".join(f"{lib} {p[lib]}" for lib in LIBRARIES), ""]
    return "\n".join(out)


def _summary_cell(checks: list) -> str:
    firsts = [v for v in checks if v["check"].startswith(("grad[", "vjp[")) and not v["note"]]
    if not firsts:
        return "—"
    statuses = {v["status"] for v in firsts}
    scopes = {v["scope"] for v in firsts}
    if statuses == {"proved"}:
        return "proved, every m×n" if scopes == {"every m×n"} else "proved, " + ", ".join(sorted(scopes))
    return ", ".join(sorted(statuses))


def index_markdown(cards: list[dict], title: str) -> str:
    out = [f"# Gradient contract cards: {title}", "",
           "Generated by `gradspec cards`; nothing here is written by hand. `gradspec cards --check` (and",
           "`gradspec verify --cards`) fails when a card here differs from what the specs produce.", "",
           "| entry | kind | inputs (domain) | reduction | gradient | other forms | PyTorch analogue |",
           "|---|---|---|---|---|---|---|"]
    for d in cards:
        ins = ", ".join(f"{i['name']} ({i['domain']})" for i in d["inputs"])
        red = next((repr(p["default"]) for p in d["parameters"] if p["name"] == "reduction"), "—")
        forms = "; ".join(f"{f['name']}: {f['identity']['status']}"
                          + (" (naive)" if not f["stable"] else "") for f in d["forms"]) or "—"
        ana = f"`{d['analogue']['function']}`" if d["analogue"] else "—"
        out.append(f"| [{d['name']}](cards/{d['name']}.md) | {d['kind']} | {ins} | {red} | "
                   f"{_summary_cell(d['checks'])} | {forms} | {ana} |")
    return "\n".join(out) + "\n"


# the whole set --------------------------------------------------------------------------------
def require_matplotlib() -> None:
    """GradspecError unless matplotlib (the cards' pictures) is installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise GradspecError(lines("gradspec: cards need matplotlib for their pictures, which is not installed",
                                  "hint: pip install 'gradspec[cards]' (make installs it)")) from None


def generate(names=None, progress=None, index: bool | None = None) -> dict:
    """{path relative to the reports folder: text} for every registered spec (or ``names``).

    The folder's README.md (the index table) is written for the whole registry, or for ``names``
    when ``index`` is true (a module's own specs, ``gradspec cards --module``)."""
    require_matplotlib()
    libs = versions()
    files = {}
    for name in names or spec_pkg.names():
        if progress:
            progress(name)
        files.update(card_files(name, None, libs))
    return with_index(files, names or spec_pkg.names()) if (names is None if index is None else index) else files


def card_files(name: str, results: dict | None = None, libs: dict | None = None) -> dict:
    """{path relative to the reports folder: text}: the entry's card as JSON, Markdown and SVG."""
    data, picture = card(name, libs, results)
    files = {f"cards/{name}.json": json.dumps(data, indent=1, ensure_ascii=False) + "\n",
             f"cards/{name}.md": markdown(data)}
    if picture:
        files[f"cards/{name}.svg"] = picture
    return files


def with_index(files: dict, names: list) -> dict:
    """``files`` and the folder's README.md: the index table of the cards of ``names``, in order,
    titled for the modules that registered them (gradspec's catalog, or a project's own)."""
    cards = [json.loads(files[f"cards/{name}.json"]) for name in names]
    modules = list(dict.fromkeys(spec_pkg.origin(n) for n in names))
    title = "gradspec's catalog" if all(map(is_own, modules)) else ", ".join(m for m in modules if not is_own(m))
    return {**files, "README.md": index_markdown(cards, title)}


def refuted_checks(files: dict) -> list:
    """(entry, check id, status) of every check a card in ``files`` shows failing (not passed)."""
    out = []
    for path, text in sorted(files.items()):
        if path.startswith("cards/") and path.endswith(".json"):
            d = json.loads(text)
            out += [(d["name"], v["check"], v["status"]) for v in d["checks"] if v.get("passed") is False]
    return out


def write(files: dict, out: str | Path) -> None:
    out = Path(out)
    (out / "cards").mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (out / rel).write_text(text, encoding="utf-8")


def drift(files: dict, out: str | Path, *, whole: bool = True) -> list[tuple[str, str]]:
    """What differs between the committed folder and ``files``: (path, changed|missing|stale)."""
    out = Path(out)
    found = []
    for rel, text in sorted(files.items()):
        path = out / rel
        if not path.exists():
            found.append((rel, "missing"))
        elif path.read_text(encoding="utf-8") != text:
            found.append((rel, "changed"))
    if whole and (out / "cards").is_dir():
        for path in sorted((out / "cards").iterdir()):
            rel = f"cards/{path.name}"
            if rel not in files:
                found.append((rel, "stale"))
    return found
