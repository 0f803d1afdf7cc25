"""How an audited call is executed: eagerly or compiled, under autocast or not, on which device.

    Execution()                                    eager, on the CPU: what an audit runs by default
    Execution(compile=True)                        torch.compile(fn) / jax.jit(fn), each case also run
                                                   eagerly (the compiled results compared with both)
    Execution(autocast=True)                       the forward inside torch.autocast: bfloat16 on the
                                                   CPU, float16 on CUDA; the backward outside it
    Execution(device="cuda")                       the arrays on the first CUDA device

The audit's ``dtype`` stays the format of the inputs, and the truth is rounded to it: under
autocast a loss of float32 inputs that returns a float32 computed in bfloat16 is judged as a
float32 result (inaccurate where autocast lost its digits), and the operators that ran, with the
dtypes of their outputs, are recorded (``AuditReport.ops``) so that a finding can be traced to the
operator autocast lowered.  Compiled code that differs from eager is counted apart
(``AuditReport.versus_eager``): a difference is not a finding — the truth decides which is right.

This module is plain data (gradspec's own process imports it); the frameworks are driven in
check.frameworks.backends.
"""
from __future__ import annotations

from dataclasses import dataclass

from spec.errors import GradspecError, lines

DEVICES = ("cpu", "cuda")
#: Seconds the first call of a compiled function may take beyond a call's own limit (the compilation;
#: torch.compile's first on a 2-core machine takes about 30 s, the C++ compiler's start included).
COMPILE_SECONDS = 300.0


@dataclass(frozen=True)
class Execution:
    compile: bool = False
    autocast: bool = False
    device: str = "cpu"

    @property
    def eager(self) -> bool:
        """The default: eager, full precision, on the CPU (the findings' keys carry no path)."""
        return self == Execution()

    @property
    def autocast_dtype(self) -> str:
        """torch.autocast's lower precision on this device (what the issue of autocast's users is)."""
        return "bfloat16" if self.device == "cpu" else "float16"

    @property
    def label(self) -> str:
        """``eager``, or the parts that differ from it: ``compiled + autocast bfloat16 + cuda``."""
        parts = (["compiled"] if self.compile else []) + (
            [f"autocast {self.autocast_dtype}"] if self.autocast else []) + (
            [self.device] if self.device != "cpu" else [])
        return " + ".join(parts) or "eager"

    @property
    def slug(self) -> str:
        """The label as a file-name part: ``compiled-autocast-cuda`` (empty for the default)."""
        return "" if self.eager else "-".join(
            (["compiled"] if self.compile else []) + (["autocast"] if self.autocast else []) +
            ([self.device] if self.device != "cpu" else []))

    def uncompiled(self) -> "Execution":
        """The same path run eagerly: what compiled results are compared with."""
        return Execution(False, self.autocast, self.device)


EAGER = Execution()


def execution_for(backend: str, *, compile: bool = False, autocast: bool = False, device: str = "cpu") -> Execution:
    """The execution asked for, checked against what ``backend`` can do: a clear error otherwise."""
    if device not in DEVICES:
        raise GradspecError(lines(f"gradspec: --device {str(device)[:30]!r} is not a device",
                                  f"devices: {', '.join(DEVICES)} (cpu is the default)"))
    if backend == "numpy" and (compile or autocast or device != "cpu"):
        raise GradspecError(lines("gradspec: NumPy code runs eagerly on the CPU only: --compile, --autocast and "
                                  "--device cuda are for torch and JAX",
                                  "hint: drop them, or audit a torch or JAX implementation (--backend torch|jax)"))
    if autocast and backend != "torch":
        raise GradspecError(lines(f"gradspec: --autocast runs the loss inside torch.autocast; {backend} has no "
                                  "autocast",
                                  "hint: audit the format itself instead: --dtype bfloat16 or --dtype float16"))
    return Execution(compile, autocast, device)
