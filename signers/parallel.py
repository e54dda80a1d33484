"""Bulk presigning on every core, and on a distributed engine: the work split, never the signing.

:meth:`SigV4Signer.presign_many(..., jobs=N) <signers.sigv4.SigV4Signer.presign_many>` and
:func:`presign_many` here cut the keys into chunks, presign each chunk in a worker process with
the signer's own single-process ``presign_many`` and yield the results in input order, each
``==`` to the single-process result at the same instant (``at`` is read once, in the calling
process, and handed to every worker).  At most two chunks per worker are in flight, so memory
stays bounded however many keys an iterator yields; fewer keys than one chunk are signed in
the calling process, without starting workers.  :func:`presign_urls` yields the URLs alone,
which cost less to bring back; :class:`PresignPool` keeps the workers for many calls.

Processes are started with ``spawn`` by default: it works alike on Linux, macOS and Windows and
is safe in a program that runs threads.  ``fork`` starts in about a tenth of the time on Linux
(``start_method="fork"``) but copies a process whose other threads may hold locks; Python 3.14
no longer uses it by default.  With ``spawn``, the calling program's main module is imported
again in each worker: guard its entry point with ``if __name__ == "__main__":``.

Credentials refuse to pickle (they hold a secret).  A worker gets them in one of two ways:

* :class:`~signers.Credentials`: their three fields go to each worker once, as the initializer's
  arguments.  With ``spawn`` and ``forkserver`` those are pickled into the pipe between this
  process and its own child (never to a file, the command line or the environment); with
  ``fork`` the child inherits them in memory.
* a provider (anything with ``credentials()`` that pickles, e.g.
  :class:`signers.credentials.ChainCredentials`): each worker resolves its own credentials, no
  secret crosses the process line, and a refreshing source refreshes in each worker.  This is
  also the way for a cluster, where task arguments travel over the network
  (:func:`presign_partition`).
"""

from __future__ import annotations

import datetime as _dt
import os
import pickle
from collections import deque
from itertools import chain, islice
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Deque,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import _parallel_worker as _worker
from ._arguments import check_arguments, resolve_credentials
from ._parameters import show_parameters
from ._time import resolve_time
from .errors import InvalidCredentials, InvalidOption, InvalidRequest, InvalidTime
from .model import Credentials, Header, Request, SignedRequest

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from typing_extensions import Concatenate, ParamSpec

    from ._arguments import CredentialProvider
    from .protocols import Signer

    _P = ParamSpec("_P")

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_SIGNED_CHUNK_SIZE",
    "START_METHODS",
    "PresignPool",
    "default_jobs",
    "presign_many",
    "presign_partition",
    "presign_urls",
]

#: Keys per task when the URLs come back: large enough that a task's fixed cost (about 0.2 ms) is
#: a few per cent of its work, small enough that two chunks per worker hold little memory.
DEFAULT_CHUNK_SIZE = 4096
#: Keys per task when whole signed requests come back (about 1.1 KiB of text each): the chunk's
#: buffers then stay small enough to be reused, where 4,096 of them cost page faults (measured).
DEFAULT_SIGNED_CHUNK_SIZE = 1024
START_METHODS = ("spawn", "fork", "forkserver")

_T = TypeVar("_T")
_R = TypeVar("_R")
CredentialsSource = Union[Credentials, "CredentialProvider"]
Headers = Union[Mapping[str, str], Iterable[Header]]


def default_jobs() -> int:
    """The CPUs this process may run on (its affinity where the OS says, else the CPU count)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return max(1, os.cpu_count() or 1)


def _check_count(value: Optional[int], field: str, unit: str, when_none: str = "") -> None:
    # jobs and chunk_size: None (a default) or a whole number, at least 1
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidOption(
            f"{field}: expected a whole number of {unit}, at least 1{when_none}, got {value!r}",
            field=field,
        )


def _credentials_now(source: CredentialsSource) -> Credentials:
    # The credentials to check the arguments with, in this process.
    return resolve_credentials(source)


def _worker_source(source: Any, start_method: str) -> Any:
    """What each worker's initializer receives for ``source`` (see the module docstring)."""
    if isinstance(source, Credentials):
        return (source.access_key, source.secret_key, source.token)
    if start_method != "fork":
        try:
            pickle.dumps(source)
        except Exception as exc:
            raise InvalidCredentials(
                f"credentials: the provider {type(source).__name__} cannot be sent to a worker "
                f"process ({type(exc).__name__}); give Credentials, or a provider that pickles "
                "such as signers.credentials.ChainCredentials(profile)",
                field="credentials",
            ) from None
    return source


class _Batch:
    """One call's fixed arguments, checked in this process before any worker starts."""

    __slots__ = ("at", "base_url", "headers", "method", "signer")

    def __init__(
        self,
        signer: Signer,
        method: str,
        base_url: str,
        keys: Iterable[str],
        credentials: Credentials,
        at: Optional[_dt.datetime],
        headers: Headers,
    ) -> None:
        when = resolve_time(at)  # read once for the whole batch: every worker signs at it
        many = getattr(signer, "presign_many", None)
        if many is not None:
            # The signer's own checks (placement, base URL, method, headers, credentials, a
            # single string for keys); the generator it returns is dropped unread.
            many(method, base_url, keys, credentials, when, headers=headers)
        else:
            if not callable(getattr(signer, "sign", None)):
                raise InvalidRequest(
                    f"signer: {type(signer).__name__} has neither presign_many nor sign",
                    field="signer",
                )
            if "?" in base_url:
                raise InvalidRequest(
                    "base_url: must not have a query; presign_many appends a key to its path",
                    field="base_url",
                )
            check_arguments(Request(method, base_url, headers), credentials)
            if isinstance(keys, (str, bytes)):
                raise InvalidRequest(
                    "keys: expected an iterable of keys, got a single string", field="keys"
                )
        self.signer, self.method, self.base_url, self.at = signer, method, base_url, when
        self.headers = Request(method, base_url, headers).headers

    def arguments(self, form: str) -> Tuple[object, ...]:
        return (self.signer, self.method, self.base_url, self.headers, self.at, form)

    def here(self, keys: List[str], credentials: Credentials) -> Iterator[SignedRequest]:
        """Sign ``keys`` in this process (a batch smaller than one chunk)."""
        return _worker.signed_keys(
            self.signer, self.method, self.base_url, self.headers, self.at, keys, credentials
        )


def _chunks(keys: Iterable[_T], size: int) -> Iterator[List[_T]]:
    """``keys`` in lists of ``size``, read as they are asked for."""
    iterator = iter(keys)
    while True:
        chunk = list(islice(iterator, size))
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return


def _result_form(
    impl: Callable[Concatenate[str, _P], Iterator[Any]],
    form: str,
    result: Type[_R],
    qualname: str,
    doc: str,
) -> Callable[_P, Iterator[_R]]:
    """``impl`` with its first parameter, the result form, fixed to ``form``: a public function
    (or method) per result form whose parameters are written once, in ``impl``.  help() and
    ``inspect.signature`` see ``impl``'s parameters less ``form``, returning ``Iterator[result]``
    (the type checker sees the same through ``_P``)."""

    def call(*args: Any, **kwargs: Any) -> Iterator[_R]:
        return impl(form, *args, **kwargs)

    show_parameters(call, impl, returns=f"Iterator[{result.__name__}]")
    call.__name__, call.__qualname__, call.__doc__ = qualname.rpartition(".")[2], qualname, doc
    return call


def _presign(
    form: str,
    self: PresignPool,
    signer: Signer,
    method: str,
    base_url: str,
    keys: Iterable[str],
    at: Optional[_dt.datetime] = None,
    *,
    headers: Headers = (),
) -> Iterator[Any]:
    # PresignPool's methods, one per result form (_worker.SIGNED, URLS, LINES): the arguments
    # are checked when called; the keys are read as the results are consumed.
    batch = _Batch(signer, method, base_url, keys, self._credentials, at, headers)
    if form == _worker.LINES:
        return self._chunks_of(batch, keys, form)
    return self._run(batch, keys, form)


class PresignPool:
    """Worker processes that presign with one credential source, kept for many calls.

    ``credentials``: :class:`~signers.Credentials` or a provider (see the module docstring);
    ``jobs``: the number of processes (``None``: one per CPU); ``start_method``: ``"spawn"``
    (default), ``"fork"`` or ``"forkserver"``; ``chunk_size``: keys per task (default:
    :data:`DEFAULT_SIGNED_CHUNK_SIZE` for signed requests, :data:`DEFAULT_CHUNK_SIZE` for
    URLs).  The workers start
    on first use and stop on :meth:`close` (or leaving a ``with`` block)::

        with signers.parallel.PresignPool(credentials, jobs=2) as pool:
            for url in pool.presign_urls(signer, "GET", bucket_url, keys):
                print(url)
    """

    def __init__(
        self,
        credentials: CredentialsSource,
        *,
        jobs: Optional[int] = None,
        start_method: str = "spawn",
        chunk_size: Optional[int] = None,
    ) -> None:
        _check_count(jobs, "jobs", "processes", " (or None for one per CPU)")
        self.jobs = default_jobs() if jobs is None else jobs
        if start_method not in START_METHODS:
            raise InvalidOption(
                f"start_method: expected one of {', '.join(START_METHODS)}, got {start_method!r}",
                field="start_method",
            )
        _check_count(chunk_size, "chunk_size", "keys")
        self.start_method, self.chunk_size = start_method, chunk_size
        self._source = credentials
        self._credentials = _credentials_now(credentials)  # a bad source fails here, early
        self._initargs = (_worker_source(credentials, start_method),)
        self._executor: Optional[ProcessPoolExecutor] = None
        self._closed = False

    @property
    def started(self) -> bool:
        """Whether the worker processes are running."""
        return self._executor is not None

    def start(self) -> PresignPool:
        """Start the workers now and wait until each answers (they otherwise start on first
        use); returns the pool."""
        executor = self._pool()
        for future in [executor.submit(os.getpid) for _ in range(self.jobs)]:
            future.result()
        return self

    def _pool(self) -> ProcessPoolExecutor:
        if self._closed:
            raise InvalidOption("PresignPool: this pool is closed", field="pool")
        if self._executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._executor = ProcessPoolExecutor(
                self.jobs,
                mp_context=multiprocessing.get_context(self.start_method),
                initializer=_worker.initialize,
                initargs=self._initargs,
            )
        return self._executor

    def close(self) -> None:
        """Stop the workers (waiting for the tasks in flight); the pool cannot be used again."""
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def __enter__(self) -> PresignPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "started" if self.started else "not started"
        return (
            f"PresignPool(jobs={self.jobs}, start_method={self.start_method!r}, "
            f"chunk_size={self.chunk_size or 'default'}, {state})"
        )

    # -- the work ---------------------------------------------------------------------------------

    presign_many = _result_form(
        _presign,
        _worker.SIGNED,
        SignedRequest,
        "PresignPool.presign_many",
        """``signer.presign_many(method, base_url, keys, credentials, at, headers=headers)``
        on the workers: the same signed requests, in order, streamed.  Arguments are checked
        when called; the keys are read as the results are consumed.""",
    )
    presign_urls = _result_form(
        _presign,
        _worker.URLS,
        str,
        "PresignPool.presign_urls",
        """As :meth:`presign_many`, yielding each result's URL alone (less to bring back).""",
    )
    url_lines = _result_form(
        _presign,
        _worker.LINES,
        str,
        "PresignPool.url_lines",
        """As :meth:`presign_urls`, one text per chunk of keys holding its URLs, each followed
        by a newline: for a writer (``out.writelines(pool.url_lines(...))``), which then needs
        no object per URL.""",
    )

    def _run(self, batch: _Batch, keys: Iterable[str], form: str) -> Iterator[Any]:
        # (a generator, so that close() ends the tasks of a batch abandoned early)
        yield from chain.from_iterable(self._chunks_of(batch, keys, form))

    def _chunks_of(self, batch: _Batch, keys: Iterable[str], form: str) -> Iterator[Any]:
        # One item per chunk: an iterator of its results, or (LINES) its text.
        size = self.chunk_size or (
            DEFAULT_SIGNED_CHUNK_SIZE if form == _worker.SIGNED else DEFAULT_CHUNK_SIZE
        )
        chunks = _chunks(keys, size)
        first = next(chunks, None)
        if first is None:
            return
        if len(first) < size and not self.started:
            # One short chunk: signed here, without starting a process.
            results: Iterable[Tuple[Any, Any]] = [
                _worker.collect(batch.here(first, self._credentials), form)
            ]
        else:
            fixed = batch.arguments(form)
            results = self.ordered(_worker.presign_chunk, fixed, chain([first], chunks))
        for result, error in results:
            yield result if form == _worker.LINES else _worker.unpack(result)
            if error is not None:  # a key refused: after the results before it, as signed here
                raise error

    def ordered(
        self, function: Callable[..., _T], fixed: Tuple[object, ...], chunks: Iterable[object]
    ) -> Iterator[_T]:
        """``function(*fixed, chunk)`` on the workers for each chunk, the results in the order
        of the chunks, at most two tasks per worker in flight (the chunks are read as results
        are taken).  An error raised by a task is raised here, after the results before it."""
        executor = self._pool()
        pending: Deque[Future[_T]] = deque()
        limit = 2 * self.jobs
        try:
            for chunk in chunks:
                pending.append(executor.submit(function, *fixed, chunk))
                if len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:  # abandoned early (or failed): drop what has not started
                future.cancel()


# -- one call, its own pool -----------------------------------------------------------------------


def _one_call(
    form: str,
    signer: Signer,
    method: str,
    base_url: str,
    keys: Iterable[str],
    credentials: CredentialsSource,
    at: Optional[_dt.datetime] = None,
    *,
    headers: Headers = (),
    jobs: Optional[int] = None,
    start_method: str = "spawn",
    chunk_size: Optional[int] = None,
) -> Iterator[Any]:
    # presign_many and presign_urls below: a pool of their own, closed with their results
    pool = PresignPool(credentials, jobs=jobs, start_method=start_method, chunk_size=chunk_size)
    return _closing(pool, _presign(form, pool, signer, method, base_url, keys, at, headers=headers))


presign_many = _result_form(
    _one_call,
    _worker.SIGNED,
    SignedRequest,
    "presign_many",
    """``signer.presign_many(...)`` over ``jobs`` worker processes (``None``: one per CPU): the
    same signed requests in the same order, streamed; the workers stop when the iterator is
    exhausted or closed.  ``credentials``: Credentials or a provider that pickles (see the module
    docstring).  A signer without ``presign_many`` (``s3-v2-query``, say) signs each
    ``base_url/KEY`` URL with ``sign``.""",
)
presign_urls = _result_form(
    _one_call,
    _worker.URLS,
    str,
    "presign_urls",
    """As :func:`presign_many`, yielding the URLs alone.""",
)


def _closing(pool: PresignPool, results: Iterator[_T]) -> Iterator[_T]:
    # (a generator: the pool closes when the results are exhausted, closed or collected)
    try:
        yield from results
    finally:
        pool.close()


# -- a distributed engine -------------------------------------------------------------------------


def presign_partition(
    keys: Iterable[str],
    *,
    signer: Signer,
    method: str,
    base_url: str,
    credentials: CredentialsSource,
    at: _dt.datetime,
    headers: Headers = (),
) -> List[str]:
    """Presign one partition of keys where it runs, and return its URLs in order: the function
    a distributed engine maps over partitions (Dask: ``bag.map_partitions(presign_partition,
    signer=..., ...)``).  ``at`` is required: read it once where the job is built, so that every
    partition signs at the same instant.  ``credentials`` is a provider each worker resolves
    itself (:class:`signers.credentials.ChainCredentials`) -- Credentials do not pickle, so they
    reach a remote worker only if the engine ships them by its own means."""
    if at is None:
        raise InvalidTime(
            "at: presign_partition needs the batch's instant; read it once "
            "(datetime.now(timezone.utc)) and give it to every partition",
            field="at",
        )
    found = _credentials_now(credentials)
    keys = keys if isinstance(keys, list) else list(keys)
    batch = _Batch(signer, method, base_url, keys, found, at, headers)
    return [signed.url for signed in batch.here(keys, found)]
