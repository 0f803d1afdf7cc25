"""The ``gradspec`` command.

    gradspec list [--module MOD ...] [--json]
    gradspec derive NAME [--wrt INPUT] [--shape 2,3] [--param k=v ...] [--module MOD]
    gradspec derive --model linear:3x2 [--loss mse] [--wrt INPUT] [--shape 2,3]
    gradspec derive NAME --emit numpy|torch|jax|latex [--wrt INPUT]   vectorised code for every size
    gradspec verify [NAMES ...] [--module MOD ...] [--json] [--junit FILE] [--quiet]
    gradspec cards [NAMES ...] [--module MOD ...] [--out reports] [--check]   contract cards (check/cards/render.py)
    gradspec audit torch|jax|optax|numpy|keras [NAMES ...] [--dtype float16,bfloat16,float32,float64] [--json]
                   [--search N [--seed S] [--scheduler ADDRESS]] [--junit FILE]
                   [--baseline FILE | --write-baseline FILE]
    gradspec audit --impl module:function [--grad module:function] --spec NAME [--module MOD]
                   [--backend numpy|torch|jax] [--dtype ...] [--search N [--seed S] [--scheduler ADDRESS]]

--module MOD imports a module of your own specs (the current folder first on the path) and works on
the specs it registers; installed packages with a ``gradspec.specs`` entry point are loaded always.
Progress goes to stderr: a bar on a terminal, nothing (verify, whose results are lines) or one line
per step (audit, cards) elsewhere; --quiet silences it.

Exit codes: 0 success; 1 a check was refuted or inconclusive (verify), a card drifted (cards
--check), an audit has a finding that is neither a stated convention nor in --baseline FILE
(audit); 2 bad input — with a
several-line message on stderr, never a traceback; 3 an internal error (gradspec's own bug, one
message; GRADSPEC_TRACEBACK=1 shows the traceback); 130 interrupted.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

import spec as spec_pkg
from spec import param_text
from spec.entry import EMITTED_MODES
from spec.errors import GradspecError, lines


#: The exit code of gradspec's own bug (never of bad input, which is 2).
INTERNAL_ERROR = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise GradspecError(lines(f"gradspec: {message}", f"usage: {self.format_usage().strip()[7:]}",
                                  "run `gradspec --help` for every command"))


def _parse_shape(text):
    try:
        shape = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise GradspecError(lines(f"gradspec: invalid --shape {text[:60]!r}",
                                  "give comma-separated positive integers, e.g. --shape 2,3")) from None
    return shape


#: Seconds a --module may take to import (a module that loops at import is stopped, not waited for).
IMPORT_SECONDS = 60.0
#: Seconds `derive` may spend printing one closed form (pretty, then LaTeX).
PRINT_SECONDS = 20.0


def _writable_ancestor(path: Path, flag: str, given: str) -> None:
    """The nearest existing folder at or above ``path`` must be a folder gradspec can write in."""
    q = path
    while not q.exists() and q != q.parent:
        q = q.parent
    if not q.is_dir():
        raise GradspecError(lines(f"gradspec: {flag} {given!r}: {q} is a file, so nothing can be made under it",
                                  f"hint: give {flag} a path in a folder"))
    if not os.access(q, os.W_OK):
        raise GradspecError(lines(f"gradspec: {flag} {given!r}: cannot write in {q}",
                                  f"hint: give {flag} a path in a folder you may write in"))


def output_file(given, flag: str, example: str):
    """Check, before any work, that ``given`` can be written as a file; None passes through."""
    if given is None:
        return None
    if not given.strip():
        raise GradspecError(lines(f"gradspec: {flag} needs a file name", f"e.g. {flag} {example}"))
    path = Path(given)
    if path.is_dir():
        raise GradspecError(lines(f"gradspec: {flag} {given!r} is a folder; it names the file to write",
                                  f"e.g. {flag} {example}"))
    _writable_ancestor(path.parent if str(path.parent) else Path("."), flag, given)
    return given


def output_folder(given, flag: str, example: str):
    """Check, before any work, that ``given`` is (or can be made) a folder gradspec can write in."""
    if not given or not given.strip():
        raise GradspecError(lines(f"gradspec: {flag} needs a folder", f"e.g. {flag} {example}"))
    path = Path(given)
    if path.exists() and not path.is_dir():
        raise GradspecError(lines(f"gradspec: {flag} {given!r} is a file, not a folder",
                                  f"hint: give the folder to write in, e.g. {flag} {example}"))
    _writable_ancestor(path, flag, given)
    return given


def _module_names(args) -> list[str]:
    """The specs the --module modules register (each imported, the current folder first on the path,
    within IMPORT_SECONDS), each checked on gradspec's exact namespaces (check.checks.probe).  Without
    --module nothing is imported (`gradspec list` starts without SymPy)."""
    if not getattr(args, "module", None):
        return []
    from check.checks.probe import probe
    from derive.budget import BudgetExceeded, BudgetUnavailable, budget
    out = []
    for m in getattr(args, "module", None) or []:
        try:
            with budget(IMPORT_SECONDS):
                found = spec_pkg.load_module(m)
        except BudgetUnavailable:
            found = spec_pkg.load_module(m)
        except BudgetExceeded:
            raise GradspecError(lines(f"gradspec: importing the module {m!r} did not finish within "
                                      f"{IMPORT_SECONDS:g} s", "a spec module only defines and registers specs "
                                      "at import; a loop or a long computation there never ends")) from None
        out += [n for n in found if n not in out]
    for n in out:
        probe(spec_pkg.get(n))
    return out


def _progress(args, total: int, label: str, lines_when_not_tty: bool = True):
    from check.cli.progress import Progress
    return Progress(total, label, quiet=args.quiet or (not sys.stderr.isatty() and not lines_when_not_tty))


def cmd_list(args) -> int:
    rows = []
    for name in _module_names(args) or spec_pkg.names():
        s = spec_pkg.get(name)
        rows.append({"name": s.name, "kind": s.kind,
                     "inputs": [{"name": i.name, "domain": i.domain.name} for i in s.inputs],
                     "params": {p.name: p.default for p in s.params},
                     "analogue": s.analogue.function if s.analogue else None})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for r in rows:
        ins = ", ".join(f"{i['name']}: {i['domain']}" for i in r["inputs"])
        ps = "".join(f"; {k}={v}" for k, v in r["params"].items())
        print(f"{r['name']:22s} {r['kind']:10s} ({ins}{ps})")
    return 0


def cmd_derive(args) -> int:
    import numpy as np
    import sympy as sp

    import derive
    from derive import budget
    if (args.name is not None) == (args.model is not None):
        raise GradspecError(lines("gradspec derive: name an entry, or a model with --model (not both)",
                                  "e.g. gradspec derive kl_div --wrt target, gradspec derive --model linear:3x2 --loss mse"))
    if args.loss is not None and args.model is None:
        raise GradspecError(lines("gradspec derive: --loss goes with --model", "e.g. --model linear:3x2 --loss mse"))
    if args.loss == "":
        raise GradspecError(lines("gradspec derive: --loss needs a loss's name", "e.g. --model linear:3x2 --loss mse"))
    _module_names(args)                      # load the --module specs, so that NAME can be one of them
    name = args.name if args.name is not None else args.model + (f"+{args.loss}" if args.loss else "")
    s = spec_pkg.get(name)
    params = s.resolve_params(param_text.items(args.param))
    if args.emit:
        if args.shape is not None:
            raise GradspecError(lines("gradspec derive: --emit writes code for every size; --shape does not apply",
                                      "drop --shape (or drop --emit to see the closed form at that shape)"))
        from derive.emit import emit
        print(emit(s, s.input(args.wrt).name, target=args.emit, params=params), end="")
        return 0
    wrts = [s.input(args.wrt).name] if args.wrt or not args.model else list(s.input_names)
    shape = derive.problem(s, _parse_shape(args.shape), params).shape if args.shape is not None else None
    what = "gradient" if s.kind == "loss" else "VJP (cotangent v)"
    for k, wrt in enumerate(wrts):
        grad = derive.gradient(s, wrt, shape=shape, params=params, simplified=True)
        arr = np.asarray(grad, dtype=object)
        mat = sp.Matrix(arr.reshape(-1, arr.shape[-1])) if arr.ndim else sp.Matrix([[arr.item()]])
        print(("\n" if k else "") + f"{s.name}: {what} w.r.t. {wrt}, shape {'×'.join(map(str, arr.shape))}"
              + (" (rows flattened)" if arr.ndim > 2 else ""))
        for title, printer in (("", lambda m: sp.pretty(m, use_unicode=True)), ("LaTeX:", sp.latex)):
            text, why = budget.run(PRINT_SECONDS, printer, mat)
            if title:
                print(title)
            print(text if text is not None else f"(not printed: {why}; a smaller --shape prints it)")
    return 0


def _runner_options(args) -> dict:
    """The cache and the processes of --no-cache and --jobs (check.checks.runner)."""
    from check.checks.cache import Cache
    from check.checks.runner import default_jobs
    jobs = default_jobs() if args.jobs is None else args.jobs
    if not 1 <= jobs <= 256:
        raise GradspecError(lines(f"gradspec: --jobs {args.jobs} is not a number of processes from 1 to 256",
                                  f"e.g. --jobs {default_jobs()} (this machine's cores, the default)"))
    return {"cache": None if args.no_cache else Cache(), "jobs": jobs, "modules": list(args.module or [])}


def _card_names(names: list) -> list:
    """The registered entries among ``names`` (models have no cards)."""
    registered = set(spec_pkg.names())
    return [n for n in names if spec_pkg.get(n).name in registered]


def _check_cards(files: dict, out: str, whole: bool) -> int:
    """Compare ``files`` with the folder ``out``: 0 when current, 1 (each difference listed) when not."""
    from check.cards import render as cards
    found = cards.drift(files, out, whole=whole)
    if not found:
        print(f"cards up to date: {len(files)} files in {out}/ match the specs")
        return 0
    print(f"gradspec: {len(found)} file(s) in {out}/ differ from what the specs produce:")
    for path, why in found:
        print(f"  {out}/{path}: {why}")
    print(f"  a spec (or the code that computes its card) changed without its card;\n"
          f"  hint: run `gradspec cards --out {out}`, review the diff, and commit it")
    return 1


def cmd_verify(args) -> int:
    from check.checks import catalog
    from check.checks.runner import run_entries
    from check.cli.junit import check_case, write_junit
    output_file(args.junit, "--junit", "reports/gradspec.xml")
    if args.cards is not None:
        from check.cards import render as cards
        output_folder(args.cards, "--cards", "reports")
        cards.require_matplotlib()
    options = _runner_options(args)
    modules = _module_names(args)
    names = list(args.names) or modules or spec_pkg.names() + list(catalog.MODEL_EXAMPLES)
    for n in names:
        spec_pkg.get(n)                      # unknown names fail before any work
    known = catalog.known_deviations(args.emitted)
    card_names = _card_names(names) if args.cards is not None else []
    failed, cases, files, cached, warned = 0, [], {}, 0, 0
    with _progress(args, len(names), "verify", lines_when_not_tty=False) as bar:
        for outcome in run_entries(names, cards=set(card_names), on_start=bar.step, emitted=args.emitted,
                                   **options):
            bar.finish()
            cached += outcome.cached
            files.update(outcome.card or {})
            for r in outcome.results:
                ok, note = catalog.passed(r, known)
                warning = note.startswith("warning:")
                failed += not ok
                warned += warning
                cases.append(check_case(r, ok, note))
                if args.json:
                    print(json.dumps(r.to_json(judged=(ok, note))), flush=True)
                    continue
                took = "cached" if outcome.cached else f"{r.seconds:.2f}s"
                label = "warn" if warning else "ok  " if ok else "FAIL"
                print(f"{label} {r.spec:22s} {r.check:36s} {r.status:12s} {r.scope:20s} {took:>7s}"
                      + (f"  [{note}]" if note and not warning else ""), flush=True)
                if not ok or warning:
                    print("     " + r.message.replace("\n", "\n     ")
                          + (f"\n     {note}" if warning else ""), flush=True)
    if args.junit:
        write_junit(args.junit, "gradspec verify", cases)
    if not args.json:
        missing = [f for f in catalog.FRAMEWORKS if not catalog.framework_installed(f)]
        print(f"{len(cases) - failed} passed, {failed} failed"
              + (f", {warned} warnings (gradspec's emitted code; --emitted check makes them fail)" if warned else "")
              + (f" ({cached} of {len(names)} entries from the cache, {options['cache'].folder}/)" if cached else "")
              + (f"; not run: emitted code for {', '.join(missing)} (not installed — pip install "
                 f"'gradspec[{','.join(missing)}]')" if missing else "")
              + (f"; JUnit XML in {args.junit}" if args.junit else ""))
    drifted = 0
    if args.cards is not None:
        whole = not args.names
        drifted = _check_cards(cards.with_index(files, card_names) if whole else files, args.cards, whole)
    return 1 if failed or drifted else 0


def cmd_cards(args) -> int:
    from check.cards import render as cards
    from check.checks.runner import run_entries
    out = output_folder(args.out, "--out", "reports")
    options = _runner_options(args)
    modules = _module_names(args)                  # the --module specs first: NAME may be one of them
    for n in args.names:
        if spec_pkg.get(n).name not in spec_pkg.names():
            raise GradspecError(lines(f"gradspec: cards are made for registered specs; {n!r} is not one",
                                      "run `gradspec list` to see them (models have no cards)"))
    cards.require_matplotlib()
    chosen = list(args.names) or modules or spec_pkg.names()
    files = {}
    with _progress(args, len(chosen), "card") as bar:
        for outcome in run_entries(chosen, cards=set(chosen), on_start=bar.step, **options):
            files.update(outcome.card)
    if not args.names:
        files = cards.with_index(files, chosen)
    refuted = cards.refuted_checks(files)
    if refuted:
        print(f"gradspec: WARNING — {len(refuted)} check(s) shown in these cards FAIL:", file=sys.stderr)
        for name, check, status in refuted:
            print(f"  {name} {check}: {status}", file=sys.stderr)
        print("  run `gradspec verify` on them for the counterexamples"
              + ("; --check fails while a card shows a failing check" if args.check else ""), file=sys.stderr)
    if not args.check:
        cards.write(files, out)
        print(f"wrote {len(files)} files to {out}/ ({sum(p.startswith('cards/') and p.endswith('.md') for p in files)}"
              " cards)")
        return 0
    return max(_check_cards(files, out, whole=not args.names), 1 if refuted else 0)


def _load_impl(text: str):
    import importlib
    module, _, function = text.partition(":")
    if not module or not function:
        raise GradspecError(lines(f"gradspec: --impl {text!r} is not module:function",
                                  "example: --impl mylosses:focal_loss (the module importable from here)"))
    sys.path.insert(0, os.getcwd())
    try:
        mod = importlib.import_module(module)
    except Exception as e:
        raise GradspecError(lines(f"gradspec: cannot import {module!r} for --impl: {type(e).__name__}: {e}",
                                  "hint: run from the folder that holds it, or install it")) from None
    fn = getattr(mod, function, None)
    if not callable(fn):
        raise GradspecError(lines(f"gradspec: {module} has no function {function!r}",
                                  f"its names: {', '.join(n for n in dir(mod) if not n.startswith('_'))[:300]}"))
    return fn


def cmd_audit(args) -> int:
    from check.audits import report as audit_report
    from check.audits.auditor import DTYPES, audit
    from check.audits.baseline import new_findings, read_baseline, write_baseline
    dtypes = [d.strip() for d in args.dtype.split(",")]
    bad = [d for d in dtypes if d not in DTYPES]
    if bad:
        raise GradspecError(lines(f"gradspec: --dtype {args.dtype[:60]!r}: {bad[0][:30]!r} is not a dtype",
                                  f"dtypes: {', '.join(DTYPES)} (comma-separated, e.g. --dtype float32,float64)"))
    from check.audits.search import MAX_SEARCH
    if not 0 <= args.search <= MAX_SEARCH:
        raise GradspecError(lines(f"gradspec: --search {args.search}: the random points per entry and dtype go "
                                  f"from 0 (no search) to {MAX_SEARCH:,}", "e.g. --search 2000"))
    if not 0 <= args.seed < 2 ** 32:
        raise GradspecError(lines(f"gradspec: --seed {args.seed}: a seed is an integer from 0 to 2^32 − 1",
                                  "e.g. --seed 0 (the default)"))
    output_file(args.junit, "--junit", "reports/audit.xml")
    output_file(args.write_baseline, "--write-baseline", "audit-baseline.json")
    if args.baseline is not None and args.write_baseline is not None:
        raise GradspecError(lines("gradspec: give --baseline FILE (gate on it) or --write-baseline FILE (record "
                                  "today's findings), not both"))
    known = read_baseline(args.baseline) if args.baseline is not None else set()
    if args.impl:
        if args.library or args.names:
            raise GradspecError(lines("gradspec: give either a library or --impl, not both"))
        if args.out is not None:
            raise GradspecError(lines("gradspec: --out writes a library's reports (audit/LIBRARY.md and .json); "
                                      "with --impl use --json or --junit FILE"))
    else:
        unused = [flag for flag, value in (("--grad", args.grad), ("--spec", args.spec),
                                           ("--backend", args.backend)) if value is not None]
        if unused:
            raise GradspecError(lines(f"gradspec: {', '.join(unused)} go{'es' if len(unused) == 1 else ''} with "
                                      "--impl (auditing one callable); a library's calls and backend are its adapter's",
                                      "e.g. --impl mylosses:focal --grad mylosses:focal_backward --spec focal "
                                      "--backend numpy"))
        output_folder("reports" if args.out is None else args.out, "--out", "reports")
    _module_names(args)                      # load the --module specs, so that --spec can name one
    from check.frameworks.execution import Execution
    from check.frameworks.libraries import LIBRARIES
    execution = Execution(args.compile, args.autocast, args.device)     # checked against the backend by the audit
    from check.audits.scale_out import connected
    with connected(args.scheduler) if args.scheduler else contextlib.nullcontext() as client:
        if args.impl:
            if not args.spec:
                raise GradspecError(lines("gradspec: --impl needs --spec NAME: the catalog entry it implements"))
            backend = args.backend or "numpy"
            spec_pkg.get(args.spec)
            fn = _load_impl(args.impl)
            if args.grad and backend != "numpy":
                raise GradspecError(lines(f"gradspec: --grad is for NumPy code; with --backend {backend} the "
                                          "gradient comes from autograd", "drop --grad, or use --backend numpy"))
            grad_fn = _load_impl(args.grad) if args.grad else None
            reports = []
            with _progress(args, len(dtypes), "audit") as bar:
                for d in dtypes:
                    bar.step(f"{args.impl} {d}")
                    reports.append(audit(args.spec, fn, backend=backend, dtype=d, impl_grad=grad_fn,
                                         label=args.impl.replace(":", "."),
                                         grad_label=args.grad.replace(":", ".") if args.grad else None,
                                         search=args.search, seed=args.seed, scheduler=client,
                                         execution=execution))
            pairs = [(None, r) for r in reports]
        else:
            if not args.library:
                raise GradspecError(lines(f"gradspec: audit what? name a library ({', '.join(LIBRARIES)}) or give --impl",
                                          "e.g. gradspec audit torch kl_div, or gradspec audit --impl mylosses:focal "
                                          "--spec focal"))
            with _progress(args, 0, "audit") as bar:
                def step(what, total):
                    bar.total = total
                    bar.step(what)
                pairs = audit_report.audit_library(args.library, args.names or None, tuple(dtypes), step,
                                                   search=args.search, seed=args.seed, scheduler=client,
                                                   execution=execution)
            md, js = audit_report.write(pairs, args.library, "reports" if args.out is None else args.out, execution)
    if args.junit:
        from check.cli.junit import write_junit
        write_junit(args.junit, f"gradspec audit {args.library or args.impl}",
                    [_audit_case(a, r) for a, r in pairs])
    findings = sum(len(r.findings) for _, r in pairs)
    conventions = sum(f.kind == "convention" for _, r in pairs for f in r.findings)
    new = new_findings(pairs, known)
    recorded = write_baseline(args.write_baseline, pairs) if args.write_baseline is not None else None
    if args.json:
        print(json.dumps([r.to_json() for _, r in pairs], indent=1))
    else:
        for _, r in pairs:
            counts = ", ".join(f"{k}: {v}" for k, v in r.counts().items()) or "none"
            print(f"{'ok  ' if r.ok else 'FIND'} {r.spec:22s} {r.dtype:8s} {r.points:4d} points  findings: {counts}")
            first = next((f for f in r.findings if f.kind != "convention"), None)
            if args.impl and first is not None:
                print(f"     first: {first.label} at entry [{', '.join(map(str, first.index))}] ({first.origin} point): "
                      f"expected {first.expected}, got {first.got}, {first.bits:.1f} bits of error")
        if not args.impl:
            print(f"wrote {md} and {js}")
        print(f"{findings} finding(s): {conventions} stated convention(s), {findings - conventions - len(new)} in "
              f"the baseline, {len(new)} new" + (f"; JUnit XML in {args.junit}" if args.junit else ""))
        if recorded is not None:
            print(f"wrote the baseline {args.write_baseline}: {recorded} finding(s) recorded")
    if recorded is not None:
        return 0
    return 1 if new else 0


def _audit_case(adapter, r):
    """An audit report as a JUnit test case: suite the call audited, name the dtype; a finding fails it."""
    from check.cli.junit import Case
    suite = adapter.key if adapter is not None else r.spec
    if r.ok:
        grad = (f"{r.worst_grad_bits:.1f} bits (gradient)" if r.gradient_checked else "gradient not checked")
        return Case(suite, r.dtype, None, True, "no findings",
                    f"{r.implementation} ({r.backend}{'' if r.execution == 'eager' else ', ' + r.execution}) at "
                    f"{r.dtype}: {r.points} points, no findings; "
                    f"worst error {r.worst_bits:.1f} bits (value), {grad}")
    from check.audits.report import findings_text
    counts = ", ".join(f"{k}: {v}" for k, v in r.counts().items())
    return Case(suite, r.dtype, None, False, f"findings: {counts}", findings_text(r))


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="gradspec", description="Specify losses once; prove or verify their derivatives.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    lp = sub.add_parser("list", help="list the catalog")
    lp.add_argument("--json", action="store_true")
    lp.add_argument("--module", action="append", metavar="MOD", help="list only the specs this module registers")
    dp = sub.add_parser("derive", help="print an entry's closed-form gradient / VJP")
    dp.add_argument("name", nargs="?", help="a catalog entry, or a model name such as linear:3x2+mse")
    dp.add_argument("--model", help="linear:IxO or mlp:IxHxO[:tanh|sigmoid|softplus]")
    dp.add_argument("--loss", help="a catalog loss composed with --model")
    dp.add_argument("--emit", metavar="numpy|torch|jax|latex", help="print the every-size gradient as code")
    dp.add_argument("--wrt", help="the input to differentiate (default: the first)")
    dp.add_argument("--shape", help="comma-separated, e.g. 2,3 (default: the entry's)")
    dp.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a parameter")
    dp.add_argument("--module", action="append", metavar="MOD", help="a module of your own specs, for NAME")
    vp = sub.add_parser("verify", help="run every check of the named entries (default: all)")
    vp.add_argument("names", nargs="*")
    vp.add_argument("--json", action="store_true", help="one JSON object per check, per line")
    vp.add_argument("--module", action="append", metavar="MOD",
                    help="a module of your own specs (e.g. mypkg.losses): check the specs it registers")
    vp.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML to FILE")
    vp.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    vp.add_argument("--cards", metavar="DIR", help="also check the cards in DIR for drift, from the same results "
                    "(one pass: what `make verify` runs)")
    vp.add_argument("--emitted", choices=EMITTED_MODES,
                    help="how the checks of gradspec's emitted code count, for every spec: check (fail), warn "
                         "(report), skip (default: each spec's own — check for the catalog, warn for yours)")
    cp = sub.add_parser("cards", help="write the gradient contract cards (or check them for drift)")
    cp.add_argument("names", nargs="*", help="only these entries (default: all, and the index)")
    cp.add_argument("--out", default="reports", help="the reports folder (default: reports)")
    cp.add_argument("--module", action="append", metavar="MOD", help="cards for the specs this module registers")
    cp.add_argument("--quiet", action="store_true", help="no progress on stderr")
    cp.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 naming the files that differ from what the specs produce")
    for parser in (vp, cp):
        parser.add_argument("--no-cache", action="store_true",
                            help="run every check: neither read nor write the result cache (.gradspec-cache/)")
        parser.add_argument("--jobs", type=int, metavar="N",
                            help="processes to run entries in (default: this machine's cores)")
    ap = sub.add_parser("audit", help="audit a library's losses (or any callable) against the specs")
    ap.add_argument("library", nargs="?", help="torch, jax, optax, numpy or keras")
    ap.add_argument("names", nargs="*", help="only these entries (default: every one the library ships)")
    ap.add_argument("--dtype", default="float32,float64",
                    help="comma-separated formats: float16, bfloat16, float32, float64 (default: float32,float64)")
    ap.add_argument("--search", type=int, default=0, metavar="N",
                    help="also N random points per entry and dtype over the format's whole range, then a local "
                         "search in ulps from the worst: worst error, failure ranges, error plots (default 0: none)")
    ap.add_argument("--seed", type=int, default=0, help="the search's seed (default 0): same seed, same points")
    ap.add_argument("--scheduler", metavar="ADDRESS",
                    help="run the search's truth chunks as Dask distributed tasks on the scheduler at ADDRESS "
                         "(pip install 'gradspec[dask]'); the same results as a local run")
    ap.add_argument("--compile", action="store_true",
                    help="run the calls compiled (torch.compile, jax.jit), each point also eagerly: compared with "
                         "the truth and with eager")
    ap.add_argument("--autocast", action="store_true",
                    help="torch: run the forward inside torch.autocast (bfloat16 on the CPU, float16 on CUDA); the "
                         "report lists the dtype each operator ran in")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                    help="where the calls run (default cpu; cuda needs a GPU and a CUDA build of the framework)")
    ap.add_argument("--json", action="store_true", help="the reports as JSON on stdout")
    ap.add_argument("--out", help="the reports folder: writes audit/LIBRARY.md and .json (default: reports)")
    ap.add_argument("--junit", metavar="FILE", help="also write the reports as JUnit XML to FILE")
    ap.add_argument("--baseline", metavar="FILE",
                    help="findings already known (written by --write-baseline): exit 1 only on a new one")
    ap.add_argument("--write-baseline", metavar="FILE",
                    help="record every finding that is not a stated convention in FILE (exit 0)")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    ap.add_argument("--module", action="append", metavar="MOD", help="a module of your own specs, for --spec")
    ap.add_argument("--impl", help="module:function, a callable to audit instead of a library")
    ap.add_argument("--grad", metavar="module:function",
                    help="with --impl (NumPy): its hand-written gradient w.r.t. the first input, audited too")
    ap.add_argument("--spec", help="with --impl: the spec it implements (catalog, or one from --module)")
    ap.add_argument("--backend", choices=["numpy", "torch", "jax"],
                    help="with --impl: the arrays it takes (gradients from torch/jax autograd; default numpy)")
    return p


def _no_empty_values(args) -> None:
    """An option given an empty value (``--junit ''``, ``--emit ''``) is a mistake, not "not given"."""
    for key, value in vars(args).items():
        if key in ("command", "names", "name", "library"):
            continue
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and not v.strip() for v in values):
            flag = "--" + key.replace("_", "-")
            raise GradspecError(lines(f"gradspec: {flag} was given an empty value",
                                      f"give {flag} a value, or leave it out (run `gradspec {args.command} --help`)"))


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        _no_empty_values(args)
        return {"list": cmd_list, "derive": cmd_derive, "verify": cmd_verify,
                "cards": cmd_cards, "audit": cmd_audit}[args.command](args)
    except GradspecError as e:
        print(str(e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gradspec: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:                      # `gradspec list | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError:
        print(lines("gradspec: out of memory", "hint: a smaller shape (symbolic work is limited to "
                    "1024 entries an input), or fewer entries at once"), file=sys.stderr)
        return 2
    except OSError as e:                         # a file gradspec reads or writes (disk full, permissions)
        print(lines(f"gradspec: {e.strerror or type(e).__name__}: {e.filename or e}",
                    "hint: check the path, its permissions and the free space"), file=sys.stderr)
        return 2
    except Exception as e:                       # gradspec's own bug: said plainly, never a traceback
        if os.environ.get("GRADSPEC_TRACEBACK"):
            raise
        print(lines(f"gradspec: internal error: {type(e).__name__}: {str(e)[:300]}",
                    "this is a bug in gradspec, not in your input; please report it with the command line",
                    "GRADSPEC_TRACEBACK=1 shows the traceback"), file=sys.stderr)
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
