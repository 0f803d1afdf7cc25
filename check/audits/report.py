"""``gradspec audit LIBRARY``: every catalog entry the library ships, audited, and the report files.

    reports = audit_library("torch", names=None, dtypes=("float32", "float64"), progress=print)
    write(reports, "torch", "reports")        # reports/audit/torch.md and torch.json

The Markdown report has one table per dtype: entry, the call audited, points, findings by kind,
worst bits of error of the value, of the gradient and of H·u (the second derivative; "no double
backward" where the library has none), and a sample reproducer; then every
convention difference stated in words.
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from spec.errors import GradspecError, lines

import spec

from check.audits.auditor import (KINDS, Implementation, arg_lists, array_literal, audit_with, further_gradients,
                                  input_positions)
from check.frameworks.backends import BACKENDS
from check.frameworks.execution import EAGER, execution_for
from check.frameworks.worker import evaluate_library, require_device
from check.frameworks.libraries import LIBRARIES


def audit_library(library: str, names=None, dtypes=("float32", "float64"), progress=None, search: int = 0,
                  seed: int = 0, scheduler=None, execution=EAGER) -> list:
    """(adapter, report) for every adapter of ``library`` (those of ``names`` only, when given), per dtype;
    with ``search`` random points each and a local search (check.audits.search), seeded by ``seed``;
    the calls run as ``execution`` says (check.frameworks.execution: compiled, autocast, device).

    ``progress(what, total)`` is told as each of the ``total`` audits begins.
    The library's calls run in the framework worker (check.frameworks.worker), one request per entry
    and dtype: gradspec's own process never imports torch, jax or keras."""
    if library not in LIBRARIES:
        raise GradspecError(lines(f"gradspec: no audit adapters for {library!r}",
                                  f"libraries: {', '.join(LIBRARIES)}",
                                  "hint: audit any callable with --impl module:function --spec NAME"))
    lib = LIBRARIES[library]
    if importlib.util.find_spec(lib.module) is None:
        raise GradspecError(lines(f"gradspec: auditing {library} needs {lib.module}, which is not installed",
                                  f"hint: pip install 'gradspec[{library}]' (make installs it)"))
    shipped = sorted({a.spec for a in lib.adapters.values()}, key=list(spec.names()).index)
    unknown = [n for n in names or () if n not in shipped]
    if unknown:
        raise GradspecError(lines(f"gradspec: {library} has no adapter for {unknown[0]!r}",
                                  f"entries with one: {', '.join(shipped)}"))
    execution = execution_for(lib.backend, compile=execution.compile, autocast=execution.autocast,
                              device=execution.device)
    require_device(lib.backend, execution)
    chosen = [a for a in lib.adapters.values() if not names or a.spec in names]
    grad = BACKENDS[lib.backend].autograd
    out = []
    for dtype in dtypes:
        for k, a in enumerate(chosen):
            if progress:
                progress(f"{library} {dtype} {a.key}", len(dtypes) * len(chosen))
            s = spec.get(a.spec)
            params = s.resolve_params(a.params)

            also = further_gradients(s) if grad else ()

            def evaluate(cases, dt, further=True, a=a, params=params, also=also, s=s):
                return evaluate_library(library, a.key, params, dt, arg_lists(cases, grad and further), grad,
                                        also=input_positions(s, also) if further else (), execution=execution,
                                        traced=further)
            impl = Implementation(evaluate, lib.backend, grad, a.call.split("(")[0],
                                  reproducer(a, s, params, lib.backend, dtype), tuple(a.conventions), also=also,
                                  second=grad, execution=execution)
            out.append((a, audit_with(s, impl, dtype, params=params, search=search, seed=seed, scheduler=scheduler)))
    return out


def reproducer(adapter, s, params, backend, dtype):
    """The adapter's call with each input name replaced by the array literal and each parameter by its value."""
    text = adapter.call.split("  #")[0]

    def render(args):
        out = text
        for name, value in params.items():
            out = re.sub(rf"(?<![\w.'])({name})(?![\w=])", repr(value), out)
        for name, a in zip(s.input_names, args):
            out = re.sub(rf"(?<![\w.'])({name})(?![\w=])", array_literal(a, dtype, backend), out)
        return out
    return render


def markdown(library: str, reports: list) -> str:
    path = reports[0][1].execution if reports else "eager"
    title = f"# Audit of {library} against the gradspec specs" + ("" if path == "eager" else f" ({path})")
    lines_ = [title, "",
              "Generated by `gradspec audit`. Each call runs at the spec's domain points (ordinary values, extremes, "
              "both sides of kinks, x[0, 0] = ±89 and ±710), inputs rounded to the dtype; value and gradient are "
              "compared with the spec's truth, computed in ball arithmetic (arb, 128 bits and up until the ball "
              "decides the float) and correctly rounded to the dtype. Bits of error: log2(1 + floats between).", ""]
    for dtype in dict.fromkeys(r.dtype for _, r in reports):
        lines_ += [f"## {dtype}", "", "| entry | call | points | findings | worst bits (value / gradient / H·u) | "
                   "sample reproducer |", "|---|---|---|---|---|---|"]
        for a, r in reports:
            if r.dtype != dtype:
                continue
            counts = ", ".join(f"{k}: {v}" for k, v in r.counts().items()) or "none"
            sample = next((f for k in KINDS for f in r.findings if f.kind == k), None)
            repro = f"`{sample.reproducer}`" if sample else ""
            if sample and len(repro) > 300:
                repro = repro[:297] + "…`"
            grad_bits = f"{r.worst_grad_bits:.1f}" if r.gradient_checked else "—"
            hvp_bits = f"{r.worst_hvp_bits:.1f}" if r.second_checked else (r.second_note and "no double backward") or "—"
            lines_.append(f"| {a.key} | `{a.call}` | {r.points} | {counts} | {r.worst_bits:.1f} / "
                          f"{grad_bits} / {hvp_bits} | {repro} |")
        lines_.append("")
    lines_ += execution_markdown(reports)
    lines_ += search_markdown(reports)
    conv = {(a.key, c.description) for a, _ in reports for c in a.conventions}
    if conv:
        lines_ += ["## Conventions that differ from the spec", ""]
        lines_ += [f"- {name}: {text}" for name, text in sorted(conv)]
        lines_.append("")
    return "\n".join(lines_)


def execution_markdown(reports: list) -> list:
    """The execution path's sections: under autocast the operators each call's forward ran and their
    output dtypes; compiled, where the compiled results differ from the eager ones."""
    out = []
    traced = [(a, r) for a, r in reports if r.ops]
    if traced:
        out += [f"## Operators under {traced[0][1].execution}", "",
                "Each computing operator the forward ran (recorded below autocast, so the casts it inserted show as "
                "`_to_copy`) with the dtypes of its outputs.", "", "| entry | dtype | operators (output dtypes) |",
                "|---|---|---|"]
        out += [f"| {a.key} | {r.dtype} | " + ", ".join(f"{op} ({'/'.join(dts)})" for op, dts in r.ops.items()) + " |"
                for a, r in traced]
        out.append("")
    compared = [(a, r) for a, r in reports if r.versus_eager]
    if compared:
        out += ["## Compiled versus eager", "",
                "Each point also run eagerly: the points where a compiled value or gradient entry differs from the "
                "eager one (not a finding: the truth judges both), the largest difference in bits, the first.", "",
                "| entry | dtype | points | differing | eager failed | worst bits apart | first difference |",
                "|---|---|---|---|---|---|---|"]
        for a, r in compared:
            v = r.versus_eager
            first = (f"{v['first']['entry']} at {v['first']['origin']}: compiled {v['first']['compiled']}, eager "
                     f"{v['first']['eager']}" if v["first"] else "—")
            out.append(f"| {a.key} | {r.dtype} | {v['points']} | {v['differing']} | {v['eager_failed']} | "
                       f"{v['worst_bits']:.1f} | {first} |")
        out.append("")
    return out


def plot_name(library: str, key: str, dtype: str) -> str:
    """The error plot's file, relative to the audit folder: LIBRARY/KEY-DTYPE.svg (key made a file name)."""
    return f"{library}/{re.sub(r'[^A-Za-z0-9_.-]+', '_', key).strip('_')}-{dtype}.svg"


def search_markdown(reports: list, library: str | None = None) -> list:
    """The search's section: per dtype, each entry's points searched, worst errors and where, the
    points failing by kind, the failure ranges along each input and (with ``library``) its plot."""
    searched = [(a, r) for a, r in reports if r.search]
    if not searched:
        return []
    first = searched[0][1].search
    out = [f"## Search for the worst input ({first['random']} random points per entry and dtype, then a local "
           f"search in ulps; seed {first['seed']})", "",
           "Worst: the largest bits of error of the value / the gradient over every searched point (expected → "
           "got). Points: searched (how many the fast truth tier left to arb; past 2,000 of those, uncompared). "
           "Failure ranges: along each input (an activation's entry where the error is; a loss input's "
           "entry of largest magnitude), the ranges where points were not finite or inaccurate (failing of "
           "searched there).", ""]
    for dtype in dict.fromkeys(r.dtype for _, r in searched):
        out += [f"### {dtype}", "", "| entry | points (in arb; uncompared) | worst value | worst gradient | failing points | "
                "failure ranges | plot |", "|---|---|---|---|---|---|---|"]
        for a, r in searched:
            if r.dtype != dtype:
                continue
            sr = r.search
            worst = {p: (f"{w['bits']:.1f} bits ({w['expected']} → {w['got']})") for p, w in sr["worst"].items()}
            failing = ", ".join(f"{k}: {v}" for k, v in sr["failing"].items()) or "none"
            ranges = "; ".join(f"{x['input']} {x['kind']} in [{x['from']}, {x['to']}] ({x['failing']}/{x['of']})"
                               for x in sr["ranges"]) or "none"
            plot = f"[svg]({plot_name(library, a.key, dtype)})" if library else ""
            counted = f"{sr['random'] + sr['local']} ({sr['arb_points']}" + (
                f"; {sr['uncompared']} uncompared)" if sr.get("uncompared") else ")")
            out.append(f"| {a.key} | {counted} | {worst.get('value', '—')} | "
                       f"{worst.get('grad', '—')} | {failing} | {ranges} | {plot} |")
        out.append("")
    return out


def write(reports: list, library: str, out: str | Path, execution=EAGER) -> tuple[Path, Path]:
    """reports/audit/LIBRARY.md and .json, and with a search each entry's error plot in
    reports/audit/LIBRARY/ (check.audits.plots; left out, and said so, without matplotlib); another
    execution path than eager on the CPU writes LIBRARY-SLUG.md (``torch-compiled.md``) and so on."""
    folder = Path(out) / "audit"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{library}-{execution.slug}" if execution.slug else library
    md, js = folder / f"{stem}.md", folder / f"{stem}.json"
    text = markdown(library, reports)
    searched = [(a, r) for a, r in reports if r.search]
    if searched:
        text = text.replace("\n".join(search_markdown(reports)), "\n".join(search_markdown(reports, stem)))
        if importlib.util.find_spec("matplotlib") is None:
            text += "\n(The error plots need matplotlib: pip install 'gradspec[cards]'.)\n"
        else:
            from check.audits.plots import error_svg
            from check.numeric.formats import format_of
            for a, r in searched:
                path = folder / plot_name(stem, a.key, r.dtype)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(error_svg(a.key, r.dtype, format_of(r.dtype).width, r.search["plot"],
                                          r.search["ranges"]), encoding="utf-8")
    md.write_text(text, encoding="utf-8")
    js.write_text(json.dumps([dict(r.to_json(), call=a.call, key=a.key, params=a.params) for a, r in reports],
                             indent=1) + "\n",
                  encoding="utf-8")
    return md, js


def findings_text(r, limit: int = 20) -> str:
    """An audit report's findings as text: a summary line, then each finding with its reproducer."""
    counts = ", ".join(f"{k}: {v}" for k, v in r.counts().items())
    text = [f"{r.implementation} ({r.backend}{'' if r.execution == 'eager' else ', ' + r.execution}) at {r.dtype}: {len(r.findings)} finding(s) on {r.points} points "
            f"({counts})"]
    for f in r.findings[:limit]:
        text.append(f"- {f.label} at {f.origin}, entry {list(f.index)}: expected {f.expected}, got {f.got}"
                    + (f" ({f.detail})" if f.detail else "") + f"\n  reproduce: {f.reproducer}")
    if len(r.findings) > limit:
        text.append(f"... and {len(r.findings) - limit} more (see --json or the report file)")
    return "\n".join(text)
