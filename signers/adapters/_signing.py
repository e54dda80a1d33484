"""What every client adapter does around a signer, whatever the HTTP client.

An attempt is signed as AWS's SDKs sign it: with the time of that attempt and the credentials the
provider hands out at that moment (``signers.credentials.resolve``), so a retry carries a new
``X-Amz-Date`` and refreshed credentials are used as soon as they are refreshed.  The rules the
adapters share:

- the request is signed as the client will send it: its method, URL, headers and body, less the
  headers an HTTP stack may rewrite on the way (hop-by-hop headers, ``Cookie``), which go out
  unsigned (the signer's own defaults leave out ``User-Agent``, ``Expect`` and the like);
- a body in memory is hashed; a body that is not (a file, a generator, a stream) is never read
  for signing, nor held in memory: it is sent as ``UNSIGNED-PAYLOAD``, declared in
  ``x-amz-content-sha256`` for the SigV4 family (``streaming="unsigned"``), or as S3's
  aws-chunked upload (``streaming="aws-chunked"``, SigV4 and SigV4A in the Authorization
  header): :meth:`Signing.sign_stream` signs the seed and the stream signs each chunk as the
  client sends it (``chunked_mode``, ``chunk_size``, ``checksum``: ``sign_stream``'s ``mode``,
  ``chunk_size`` and ``checksum``).  A ``Content-Length`` the request carries is the decoded
  length (``x-amz-decoded-content-length``); the one sent is the length on the wire, or none
  (HTTP chunked transfer) when the decoded length is unknown;
- a request that already carries ``Authorization``, ``X-Amz-Signature`` or SigV2's
  ``Signature`` is refused with :class:`~signers.errors.AlreadySigned`: an adapter never signs a
  request twice, and never sends one signed by someone else as if it were its own;
- a redirect is signed again only when it stays on the same origin (scheme, host and port);
  elsewhere what signing added is taken off, so no ``Authorization`` and no ``X-Amz-*`` header
  of ours reaches another host;
- ``retries`` re-sends an answer with a status in ``retry_statuses`` (default 500, 502, 503,
  504) that many times, each attempt signed afresh, when the body can be sent again.

The adapters import their HTTP library lazily and say which extra installs it
(:func:`require`).
"""

from __future__ import annotations

import collections
import datetime as _dt
import importlib
from typing import (  # (a list of names, like streaming's: not logic)
    TYPE_CHECKING,
    Any,
    Callable,
    Collection,
    Deque,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Protocol,
    Tuple,
    Union,
)
from urllib.parse import urlsplit

from .._http import DEFAULT_PORTS
from .._parameters import show_parameters
from ..errors import AlreadySigned, InvalidOption, InvalidRequest, MissingDependency
from ..model import UNSIGNED_PAYLOAD, Body, Credentials, Header, Request, SignedRequest

if TYPE_CHECKING:
    from typing_extensions import Concatenate, ParamSpec

    from .._arguments import CredentialsLike
    from ..streaming import SignedStream

    _P = ParamSpec("_P")

__all__ = [
    "DEFAULT_RETRY_STATUSES",
    "STREAMING_MODES",
    "Fed",
    "Signed",
    "SignerArg",
    "SignerObject",
    "Signing",
    "SigningAuth",
    "require",
    "same_origin",
    "without",
]

#: What a body that is not in memory is sent as: ``unsigned`` (``UNSIGNED-PAYLOAD``) or
#: ``aws-chunked`` (S3's chunked upload, each chunk signed through ``sign_stream``).
STREAMING_MODES = ("unsigned", "aws-chunked")
_DEFAULT_CHUNK_SIZE = 65536

#: The statuses a retry is for: the server's transient failures, as AWS's SDKs retry them.
DEFAULT_RETRY_STATUSES: FrozenSet[int] = frozenset({500, 502, 503, 504})

# Headers the HTTP stack may add, drop or rewrite after signing (hop-by-hop headers; the cookie
# jar rebuilds Cookie on a redirect): sent, never signed.
_NOT_SIGNED = frozenset(
    {
        "connection",
        "cookie",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

# The schemes whose payload hash is part of the signature, in the Authorization header.
_HASHING_SCHEMES = frozenset({"sigv4", "sigv4a"})


def require(module: str, extra: str, adapter: str) -> Any:
    """Import the HTTP library ``module`` or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependency(
            f"{adapter} needs {module}: pip install 'sigbridge[{extra}]'", field=module
        ) from None


def _port(scheme: str, port: Optional[int]) -> Optional[str]:
    return str(port) if port is not None else DEFAULT_PORTS.get(scheme)


def same_origin(first: str, second: str) -> bool:
    """Whether two absolute URLs share scheme, host and port (default ports filled in)."""
    a, b = urlsplit(first), urlsplit(second)
    try:
        return (
            a.scheme.lower() == b.scheme.lower()
            and (a.hostname or "") == (b.hostname or "")
            and _port(a.scheme.lower(), a.port) == _port(b.scheme.lower(), b.port)
        )
    except ValueError:  # a port that is not a number: not a URL we would sign for
        return False


class SignerObject(Protocol):
    """What an adapter uses of a signer object: ``sign`` (and, for aws-chunked uploads, a
    ``sign_stream`` like :meth:`signers.sigv4.SigV4Signer.sign_stream`, checked when built)."""

    def sign(
        self, request: Request, credentials: CredentialsLike, at: Optional[_dt.datetime] = None
    ) -> SignedRequest: ...


#: A signer as the adapters take it: an object, or a scheme name built with the options.
SignerArg = Union[str, SignerObject]


class Signed(NamedTuple):
    """One signed attempt: the URL to send (a presigned URL carries the signature) and the
    headers signing added or changed, to set on the outgoing request.  For an aws-chunked body,
    also the header names to take off (``removed``: ``Content-Length`` when the wire length is
    unknown) and ``stream``, the :class:`~signers.streaming.SignedStream` whose iteration gives
    the bytes to send."""

    url: str
    headers: Tuple[Header, ...]
    removed: FrozenSet[str] = frozenset()
    stream: Any = None  # (a SignedStream)

    @property
    def names(self) -> FrozenSet[str]:
        """The lower-case names of the added headers (what to take off before the next one)."""
        return frozenset(name.lower() for name, _ in self.headers)


class Fed:
    """A body that arrives asynchronously, handed to ``sign_stream`` as a plain iterable.

    ``sign_stream`` pulls its body synchronously, a chunk at a time.  The async adapters put each
    piece they receive with :meth:`put` and ask the stream for its next part only once
    :meth:`ready` (a whole chunk waits, or the body has ended, :meth:`end`): the stream then never
    asks for a piece that has not come yet.
    """

    def __init__(self, chunk_size: int) -> None:
        self.chunk_size = chunk_size
        self.pending = 0
        self.ended = False
        self._pieces: Deque[bytes] = collections.deque()

    def put(self, piece: bytes) -> None:
        if piece:
            self._pieces.append(bytes(piece))
            self.pending += len(piece)

    def end(self) -> None:
        self.ended = True

    def ready(self) -> bool:
        return self.ended or self.pending >= self.chunk_size

    def __iter__(self) -> Iterator[bytes]:
        while True:
            if self._pieces:
                piece = self._pieces.popleft()
                self.pending -= len(piece)
                yield piece
            elif self.ended:
                return
            else:  # (the adapter asked before ready(): a bug, never a short body)
                raise InvalidRequest("body: read before it arrived", field="body")


def _signature_in(url: str, headers: Iterable[Header]) -> Optional[str]:
    """The name of a signature the request already carries, or ``None``."""
    for name, _ in headers:
        if name.lower() == "authorization":
            return f"header {name!r}"
    query = urlsplit(url).query
    if query:
        names = {part.split("=", 1)[0].lower() for part in query.split("&")}
        if "x-amz-signature" in names:
            return "query parameter 'X-Amz-Signature'"
        if "signature" in names and ("awsaccesskeyid" in names or "x-amz-credential" in names):
            return "query parameter 'Signature'"
    return None


class Signing:
    """A signer, credentials or a provider, a clock, and the adapters' shared rules (above).

    ``adapter`` names the adapter in messages.  ``signer`` is a signer object (anything with
    ``sign(request, credentials, at)``) or a scheme name, built with the scheme's options
    (``get_signer(name, **options)``): ``given`` and the other keywords (an adapter whose own
    keywords are fewer passes the rest on in ``given``, where none is read as a setting of
    this class).  ``credentials`` is a
    :class:`~signers.model.Credentials` or a provider (anything with ``credentials()``), asked
    on every attempt.  ``clock`` returns the signing time (aware; default: now).
    """

    __slots__ = (
        "_clock",
        "_source",
        "adapter",
        "backoff",
        "checksum",
        "chunk_size",
        "chunked_mode",
        "hashes_payload",
        "placement",
        "retries",
        "retry_statuses",
        "signer",
        "streaming",
    )

    def __init__(
        self,
        adapter: str,
        given: Mapping[str, object],
        /,
        signer: SignerArg,
        credentials: CredentialsLike,
        *,
        clock: Optional[Callable[[], _dt.datetime]] = None,
        streaming: str = "unsigned",
        chunked_mode: str = "signed",
        chunk_size: int = _DEFAULT_CHUNK_SIZE,
        checksum: Optional[str] = None,
        retries: int = 0,
        retry_statuses: Collection[int] = DEFAULT_RETRY_STATUSES,
        backoff: float = 0.0,
        **options: object,
    ) -> None:
        self.adapter = adapter
        options = {**given, **options}
        if isinstance(signer, str):
            from ..registry import get_signer

            signer = get_signer(signer, **options)
        elif options:
            raise InvalidOption(
                f"{adapter}: options {', '.join(sorted(options))} are for a scheme name; "
                "this signer is built already",
                field=sorted(options)[0],
            )
        if not callable(getattr(signer, "sign", None)):
            raise InvalidOption(
                f"{adapter}: signer: expected a scheme name or a signer with sign(), got "
                f"{type(signer).__name__}",
                field="signer",
            )
        self.signer = signer
        self._check_source(credentials)
        self._source = credentials
        if clock is not None and not callable(clock):
            raise InvalidOption(f"{adapter}: clock: expected a callable", field="clock")
        self._clock = clock
        if streaming not in STREAMING_MODES:
            raise InvalidOption(
                f"{adapter}: streaming: expected one of {', '.join(STREAMING_MODES)}, got "
                f"{streaming!r}",
                field="streaming",
            )
        self.streaming = streaming
        self.chunked_mode, self.chunk_size, self.checksum = _chunked_options(
            adapter, signer, streaming, chunked_mode, chunk_size, checksum
        )
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InvalidOption(f"{adapter}: retries: expected an int >= 0", field="retries")
        self.retries = retries
        self.retry_statuses = frozenset(retry_statuses)
        if isinstance(backoff, bool) or not isinstance(backoff, (int, float)) or backoff < 0:
            raise InvalidOption(f"{adapter}: backoff: expected seconds >= 0", field="backoff")
        self.backoff = float(backoff)
        name = str(getattr(signer, "name", ""))
        self.hashes_payload = name in _HASHING_SCHEMES
        options_value = getattr(signer, "options", None)
        self.placement = str(getattr(options_value, "placement", "header"))

    def _check_source(self, credentials: object) -> None:
        if not isinstance(credentials, Credentials) and not callable(
            getattr(credentials, "credentials", None)
        ):
            raise InvalidOption(
                f"{self.adapter}: credentials: expected signers.Credentials or a provider with "
                f"credentials(), got {type(credentials).__name__}",
                field="credentials",
            )

    def credentials(self) -> Credentials:
        """The credentials for this attempt (a provider refreshes them when they near expiry)."""
        from ..credentials import resolve

        return resolve(self._source)

    def now(self) -> Optional[_dt.datetime]:
        return None if self._clock is None else self._clock()

    def refuse_signed(self, url: str, headers: Iterable[Header]) -> None:
        """Refuse a request that arrives signed already (the adapters never sign twice)."""
        found = _signature_in(url, headers)
        if found is not None:
            raise AlreadySigned(
                f"{found} already present; {self.adapter} signs the request itself and never "
                "signs one twice (remove it, or send this request without the adapter)",
                field=found.split("'")[1].lower(),
            )

    def sign(
        self,
        method: str,
        url: str,
        headers: Iterable[Header],
        body: Union[bytes, None],
    ) -> Signed:
        """Sign one attempt.  ``body`` is the body in memory, or ``None`` when it is not in
        memory (a stream): then ``UNSIGNED-PAYLOAD`` is signed and declared."""
        pairs = [(n, v) for n, v in headers if n.lower() not in _NOT_SIGNED]
        extra: List[Header] = []
        payload: Body
        if body is None:
            payload = UNSIGNED_PAYLOAD
            declared = any(n.lower() == "x-amz-content-sha256" for n, _ in pairs)
            if self.hashes_payload and self.placement == "header" and not declared:
                # Outside S3, servers hash the body unless told not to: say so, signed.
                extra.append(("x-amz-content-sha256", "UNSIGNED-PAYLOAD"))
        else:
            payload = body
        request = Request(method, url.partition("#")[0], pairs + extra, payload)
        signed = self.signer.sign(request, self.credentials(), self.now())
        if signed.request.body != request.body:
            # (SigV2 puts the signature of a POST into its form body)
            raise InvalidRequest(
                f"{self.adapter}: {signed.scheme} signs this request by changing its body; an "
                "adapter keeps the body it was given: send the parameters in the URL",
                field="body",
            )
        return Signed(signed.request.url, tuple(extra) + tuple(signed.added_headers))

    def sign_stream(
        self, method: str, url: str, headers: Iterable[Header], body: Iterable[bytes]
    ) -> Signed:
        """Sign one attempt whose ``body`` (an iterable of bytes or a binary file, read as the
        client sends it) goes as an aws-chunked upload; :attr:`Signed.stream` is what to send."""
        given = [(n, v) for n, v in headers if n.lower() not in _NOT_SIGNED]
        declared = [v.strip() for n, v in given if n.lower() == "content-length"]
        pairs = [(n, v) for n, v in given if n.lower() != "content-length"]
        if declared and not any(n.lower() == "x-amz-decoded-content-length" for n, _ in pairs):
            pairs.append(("x-amz-decoded-content-length", declared[0]))  # (the data's length)
        request = Request(method, url.partition("#")[0], pairs)
        # (not part of SignerObject: _chunked_options checked the signer has it)
        sign_stream: Callable[..., SignedStream] = getattr(self.signer, "sign_stream")  # noqa: B009
        stream = sign_stream(
            request, self.credentials(), body, self.now(), mode=self.chunked_mode,
            chunk_size=self.chunk_size, checksum=self.checksum,
        )  # fmt: skip
        sent = stream.request.headers
        names = {name.lower() for name, _ in sent}
        removed = {n.lower() for n, _ in given if n.lower() not in names}
        if stream.content_length is None:
            removed.add("content-length")
        before = set(given)
        changed = tuple((n, v) for n, v in sent if (n, v) not in before)
        return Signed(stream.request.url, changed, frozenset(removed), stream)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1, 2, ...)."""
        return self.backoff * (2 ** (attempt - 1)) if self.backoff else 0.0

    def retry(self, status: int, attempt: int) -> bool:
        """Whether an answer with ``status`` after ``attempt`` retries is retried."""
        return attempt < self.retries and status in self.retry_statuses

    def __repr__(self) -> str:
        chunked = f", chunked_mode={self.chunked_mode!r}" if self.streaming == "aws-chunked" else ""
        return (
            f"{self.adapter}(signer={getattr(self.signer, 'name', self.signer)!r}, "
            f"streaming={self.streaming!r}{chunked}, retries={self.retries})"
        )


def _chunked_options(
    adapter: str,
    signer: object,
    streaming: str,
    mode: str,
    chunk_size: int,
    checksum: Optional[str],
) -> Tuple[str, int, Optional[str]]:
    """The aws-chunked options, checked up front (so no attempt fails on them later)."""
    from .. import checksums
    from ..streaming import MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, MODES

    if streaming != "aws-chunked":
        if (mode, chunk_size, checksum) != ("signed", _DEFAULT_CHUNK_SIZE, None):
            raise InvalidOption(
                f"{adapter}: chunked_mode, chunk_size and checksum are for streaming='aws-chunked'",
                field="streaming",
            )
        return mode, chunk_size, checksum
    placement = str(getattr(getattr(signer, "options", None), "placement", "header"))
    if not callable(getattr(signer, "sign_stream", None)) or placement != "header":
        raise InvalidOption(
            f"{adapter}: streaming='aws-chunked' needs a SigV4 or SigV4A signer with "
            f"placement='header', not {getattr(signer, 'name', type(signer).__name__)!r}",
            field="streaming",
        )
    if mode not in MODES:
        raise InvalidOption(
            f"{adapter}: chunked_mode: expected one of {', '.join(MODES)}, got {mode!r}",
            field="chunked_mode",
        )
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
        raise InvalidOption(f"{adapter}: chunk_size: expected an int", field="chunk_size")
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise InvalidOption(
            f"{adapter}: chunk_size: {chunk_size} is outside {MIN_CHUNK_SIZE} ... {MAX_CHUNK_SIZE}",
            field="chunk_size",
        )
    if checksum is not None:
        checksum = checksums.normalize(checksum)
        if mode == "signed":
            raise InvalidOption(
                f"{adapter}: checksum: chunked_mode 'signed' sends no trailer; a streamed "
                "body's checksum needs 'signed-trailer' or 'unsigned-trailer'",
                field="checksum",
            )
    return mode, chunk_size, checksum


def _arguments_of(
    make: Callable[Concatenate[str, Mapping[str, object], _P], object],
) -> Callable[[Callable[..., None]], Callable[Concatenate[Any, _P], None]]:
    """An ``__init__(self, *args, **kwargs)`` that passes them on to ``make`` after a name and
    a mapping, typed and shown (help()) with ``make``'s parameters less those two."""

    def decorate(init: Callable[..., None]) -> Callable[Concatenate[Any, _P], None]:
        show_parameters(init, make, drop=2, self_first=True, returns="None")
        return init

    return decorate


class SigningAuth:
    """The constructor the adapters' ``AWSAuth`` share: :class:`Signing`'s settings by keyword,
    the scheme's ``options`` (for a scheme name) as the other keywords.  ``adapter`` names the
    adapter in error messages."""

    adapter = "adapter"

    @_arguments_of(Signing)  # Signing's parameters less adapter and given: written once, there
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.signing = Signing(self.adapter, {}, *args, **kwargs)

    def __repr__(self) -> str:
        return repr(self.signing)


def without(headers: Iterable[Header], names: Collection[str]) -> List[Header]:
    """``headers`` less those named in ``names`` (lower-case)."""
    return [(n, v) for n, v in headers if n.lower() not in names]
