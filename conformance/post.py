"""POST-policy cases: AWS's published browser-upload examples, read and run stage by stage.

Spec: Amazon S3, "Browser-Based Uploads Using POST" (SigV4: sigv4-HTTPPOSTConstructPolicy,
sigv4-post-example; SigV2: HTTPPOSTForms, HTTPPOSTExamples).  The string to sign is the policy's
base64 text; the signature is the hex HMAC-SHA256 of it under the SigV4 signing key of (date,
region, ``s3``), or (SigV2) the base64 HMAC-SHA1 under the secret key.

A case is a folder holding ``case.json`` (``vectors/post-policy/README.md``: scheme, credentials,
region and date, bucket, the published form or sample request), ``policy.json``,
``policy-base64.txt`` and ``signature.txt``, and sigbridge's ``context.json``: the instant the form
is presigned at (``timestamp``, which no page publishes for SigV2), the form's ``url`` where
``case.json`` has none, and the harness's own keys (``description``, ``xfail``, ``unchecked``,
``requires``).  Its stages, compared in order:

1. ``string-to-sign``: the base64 of ``policy.json`` against the published base64;
2. ``signature``: the signature of the published base64 against the published signature;
3. ``policy``: :func:`signers.presign_post` at the case's instant, for the published form's
   key, fields and the policy's other conditions: its policy decoded must have the published
   expiration (as an instant) and the published conditions (as a multiset: S3 reads them in any
   order; ``{"a": v}`` is ``["eq", "$a", v]`` and names are case-insensitive);
4. ``fields``: the same presigned form against the published one: every field name, every value
   (a ``${filename}`` key covers the published key that starts with its prefix; the page's user
   typed the rest), and its signature that of its own policy.

The case's key is the policy's: ``["starts-with", "$key", P]`` is presigned as ``P${filename}``
(the only prefix :func:`~signers.presign_post` signs), ``{"key": K}`` as ``K``.

:class:`PostPolicyAPI` is what the harness runs a case with (the capability ``post-policy``):
``presign_post`` is the library's, and ``sign_policy`` signs a given policy independently of the
library (the POST module exposes no signing step of its own): HMAC-SHA1 in base64 (SigV2), or the
SigV4 key chain of :func:`conformance.probe.craft.signature`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import signers
from signers import Credentials, InvalidOption, Request

from .case import (
    Capability,
    Vector,
    VectorError,
    context_credentials,
    context_str,
    context_unchecked,
    context_xfail,
    parse_timestamp,
    read_json_object,
    read_text,
)
from .diff import text_diff
from .probe.craft import signature

__all__ = [
    "CASE_FILE",
    "STAGES",
    "FEATURES",
    "PostPolicyAPI",
    "read_case",
    "check_case",
    "compare_policies",
]

CASE_FILE = "case.json"
STAGES = ("string-to-sign", "signature", "policy", "fields")
LOCATION = "form"
#: What the ``post-policy`` capability covers.
FEATURES = frozenset({"post-policy:form", "post-v4", "post-v2", "session-token"})

Verdict = Tuple[Optional[str], str, str]
Pairs = List[Tuple[str, str]]

_SCHEMES = {"post-v4": 4, "post-v2": 2}
_FILENAME = "${filename}"
_SIDECAR_KEYS = frozenset({"description", "xfail", "unchecked", "requires", "timestamp", "url"})
# Fields presign_post writes itself (it refuses them among the caller's), and the conditions
# on them it adds to the policy.
_SIGNING_FIELDS = frozenset(
    {"key", "policy", "awsaccesskeyid", "signature", "x-amz-signature", "x-amz-security-token"}
    | {"x-amz-algorithm", "x-amz-credential", "x-amz-date"}
)
_SIGNATURE_FIELDS = ("x-amz-signature", "signature")
_ADDED_CONDITIONS = frozenset(
    {"$bucket", "$key", "$x-amz-algorithm", "$x-amz-credential", "$x-amz-date"}
    | {"$x-amz-security-token"}
)


class PostPolicyAPI(Capability):
    """The capability ``post-policy``: the library's presigned POST, and its signing step."""

    name = "post-policy"
    description = "browser POST uploads: signers.presign_post, SigV4 and SigV2"
    features = FEATURES

    presign_post = staticmethod(signers.presign_post)

    @staticmethod
    def string_to_sign(policy: bytes) -> str:
        """The base64 of the policy's UTF-8 bytes: what is sent as ``policy`` and signed."""
        return base64.b64encode(policy).decode("ascii")

    @staticmethod
    def sign_policy(
        string_to_sign: str,
        credentials: Credentials,
        *,
        version: int,
        date: Optional[str] = None,
        region: Optional[str] = None,
    ) -> str:
        """The form's signature of ``string_to_sign``: SigV4 (``date`` YYYYMMDD, ``region``)
        or SigV2 (``version=2``)."""
        if version == 2:
            secret = credentials.secret_key.encode("utf-8")
            digest = hmac.new(secret, string_to_sign.encode("utf-8"), hashlib.sha1).digest()
            return base64.b64encode(digest).decode("ascii")
        if date is None or region is None:
            raise InvalidOption("sign_policy: SigV4 needs date= and region=")
        return signature(credentials.secret_key, date, region, "s3", string_to_sign)


# -- reading -------------------------------------------------------------------------------------


def read_case(folder: Path, case: str, family: str) -> Vector:
    """The case in ``folder`` (which holds :data:`CASE_FILE`)."""
    spec = read_json_object(folder / CASE_FILE)
    sidecar = _sidecar(folder)
    scheme = spec.get("scheme")
    if scheme not in _SCHEMES:
        raise VectorError(f"{CASE_FILE}: 'scheme' is one of {', '.join(_SCHEMES)}")
    version = _SCHEMES[scheme]
    credentials = context_credentials(spec, CASE_FILE)
    stamp = sidecar.get("timestamp")
    if not isinstance(stamp, str):
        raise VectorError("context.json: 'timestamp' (the instant to presign at) is missing")
    at = parse_timestamp(stamp, "timestamp")
    url = context_str(spec, "url") or context_str(sidecar, "url")
    if not url:
        raise VectorError(f"{CASE_FILE} or context.json: 'url' (the form's action) is missing")
    policy_path = folder / "policy.json"
    if not policy_path.is_file():
        raise VectorError("policy.json is missing")
    policy = policy_path.read_bytes()
    document = _policy_document(policy)
    published = _published_fields(folder, spec)
    expected: Dict[str, str] = {}
    for stage, name in (("string-to-sign", "policy-base64.txt"), ("signature", "signature.txt")):
        if (folder / name).is_file():
            expected[stage] = read_text(folder / name).strip()
    expected["policy"] = policy.decode("utf-8")
    if published:
        expected["fields"] = "".join(f"{name}: {value}\n" for name, value in published)
    unchecked = context_unchecked(sidecar, lambda stage: stage in STAGES)
    requires = {f"{family}:{LOCATION}", scheme} | set(_requires(sidecar))
    if credentials.token is not None:
        requires.add("session-token")
    region = context_str(spec, "region") or None
    data = {
        "version": version,
        "url": url,
        "bucket": context_str(spec, "bucket") or None,
        "region": region,
        "date": context_str(spec, "date") or None,
        "policy": policy,
        "document": document,
        "published_fields": published,
    }
    if version == 4 and (region is None or data["date"] is None):
        raise VectorError(f"{CASE_FILE}: a SigV4 case needs 'region' and 'date'")
    return Vector(
        id=f"{family}:{LOCATION}::{case}",
        family=family,
        location=LOCATION,
        case=case,
        request=Request("POST", url),
        credentials=credentials,
        time=at,
        options={},
        requires=frozenset(requires),
        expected={s: t for s, t in expected.items() if s not in unchecked},
        source=folder,
        format="post-policy",
        xfail=context_xfail(sidecar, LOCATION),
        description=context_str(sidecar, "description") or context_str(spec, "description"),
        unchecked={s: why for s, why in unchecked.items() if s in expected},
        kind="post-policy",
        data=data,
    )


def _sidecar(folder: Path) -> Dict[str, Any]:
    if not (folder / "context.json").is_file():
        return {}
    context = read_json_object(folder / "context.json")
    unknown = set(context) - _SIDECAR_KEYS
    if unknown:
        raise VectorError(
            f"context.json: beside {CASE_FILE} only {', '.join(sorted(_SIDECAR_KEYS))} are read, "
            f"not {', '.join(sorted(unknown))}"
        )
    return context


def _requires(context: Mapping[str, Any]) -> List[str]:
    extra = context.get("requires", [])
    if not isinstance(extra, list) or not all(isinstance(f, str) for f in extra):
        raise VectorError("context.json: 'requires' must be a list of feature strings")
    return list(extra)


def _policy_document(policy: bytes) -> Dict[str, Any]:
    try:
        document = json.loads(policy.decode("utf-8"))
    except ValueError as exc:
        raise VectorError(f"policy.json: not valid JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("conditions"), list):
        raise VectorError("policy.json: expected an object with a 'conditions' list")
    if not isinstance(document.get("expiration"), str):
        raise VectorError("policy.json: 'expiration' is missing")
    return document


def _published_fields(folder: Path, spec: Mapping[str, Any]) -> Pairs:
    """The published form's fields, in order, up to the file (S3 ignores what follows it)."""
    form = spec.get("form")
    if form is not None:
        if not isinstance(form, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in form
        ):
            raise VectorError(f"{CASE_FILE}: 'form' must be [name, value] pairs")
        return [(name, value) for name, value in form]
    body_file = spec.get("body_file")
    if body_file is None:
        return []
    content_type = context_str(spec, "content_type")
    _, _, boundary = content_type.partition("boundary=")
    if not boundary:
        raise VectorError(f"{CASE_FILE}: 'content_type' names no boundary")
    return _form_fields(read_text(folder / str(body_file)), boundary.strip('"'))


def _form_fields(body: str, boundary: str) -> Pairs:
    """The fields of a multipart/form-data body (as the page renders it, LF or CRLF)."""
    fields: Pairs = []
    for part in body.replace("\r\n", "\n").split(f"--{boundary}")[1:]:
        if part.startswith("--"):
            break
        head, _, value = part.lstrip("\n").partition("\n\n")
        disposition = head.split("\n", 1)[0]
        if "filename=" in disposition:
            break  # the file: fields after it are not part of the upload
        name = disposition.partition('name="')[2].partition('"')[0]
        if not name:
            raise VectorError(f"sample request: a part without a name: {disposition!r}")
        fields.append((name, value[:-1] if value.endswith("\n") else value))
    return fields


# -- running ------------------------------------------------------------------------------------


def check_case(api: Any, vector: Vector) -> Verdict:
    """Run a POST-policy case's stages in order; the first difference, or ``(None, "", "")``."""
    data = vector.data
    expected = vector.expected
    credentials, at = vector.credentials, vector.time
    assert credentials is not None and at is not None
    sign = {"version": data["version"], "date": data["date"], "region": data["region"]}
    try:
        ours = api.string_to_sign(data["policy"])
    except Exception as exc:
        return _raised("string-to-sign", exc)
    if "string-to-sign" in expected and ours != expected["string-to-sign"]:
        return _text_verdict("string-to-sign", expected["string-to-sign"], ours)
    if "signature" in expected:
        try:
            signature = api.sign_policy(expected.get("string-to-sign", ours), credentials, **sign)
        except Exception as exc:
            return _raised("signature", exc)
        if signature != expected["signature"]:
            return "signature", f"expected {expected['signature']}, got {signature}", ""
    try:
        fields = dict(api.presign_post(**_presign_arguments(vector)).fields)
    except Exception as exc:
        return _raised("policy", exc)
    if "policy" in expected:
        problems = _presigned_policy(fields, data["document"])
        if problems:
            return "policy", problems[0], "\n".join(problems)
    if "fields" in expected:
        problems = _compare_fields(data["published_fields"], fields)
        if not problems:
            # (signed on the day of the case's instant, in the case's region)
            own = dict(sign, date="%04d%02d%02d" % (at.year, at.month, at.day))
            problems = _check_own_signature(api, fields, credentials, own)
        if problems:
            return "fields", problems[0], "\n".join(problems)
    return None, "", ""


def _raised(stage: str, exc: Exception) -> Verdict:
    text = str(exc).replace("\r", "\\r").replace("\n", "\\n")
    return stage, f"{type(exc).__name__}: {text}" if text else type(exc).__name__, ""


def _text_verdict(stage: str, expected: str, actual: str) -> Verdict:
    diff = text_diff(expected, actual)
    return stage, diff.split("\n", 1)[0], diff


def _condition_name(condition: Any) -> Optional[str]:
    if isinstance(condition, dict) and len(condition) == 1:
        return "$" + str(next(iter(condition))).lower()
    if isinstance(condition, list) and len(condition) == 3 and isinstance(condition[1], str):
        return condition[1].lower()
    return None


def _key_of(document: Mapping[str, Any], published: Pairs) -> str:
    """The key to presign with: the policy's (see the module's docstring)."""
    for condition in document["conditions"]:
        if _condition_name(condition) != "$key":
            continue
        if isinstance(condition, dict):
            return str(next(iter(condition.values())))
        if str(condition[0]).lower() == "starts-with":
            return f"{condition[2]}{_FILENAME}"
        return str(condition[2])
    for name, value in published:
        if name.lower() == "key":
            return value
    raise VectorError("the case names no key (no $key condition, no key field)")


def _presign_arguments(vector: Vector) -> Dict[str, Any]:
    data = vector.data
    document = data["document"]
    at = vector.time
    assert at is not None
    expiration = parse_timestamp(document["expiration"], "policy.json expiration")
    published = data["published_fields"]
    return {
        "url": data["url"],
        "credentials": vector.credentials,
        "key": _key_of(document, published),
        "fields": {n: v for n, v in published if n.lower() not in _SIGNING_FIELDS},
        "conditions": [
            c for c in document["conditions"] if _condition_name(c) not in _ADDED_CONDITIONS
        ],
        "expires": int((expiration - at).total_seconds()),
        "at": at,
        "version": data["version"],
        "region": data["region"] if data["version"] == 4 else None,
        "bucket": data["bucket"],
    }


def _normalized(condition: Any) -> str:
    """A condition as S3 reads it, as text: ``{"a": v}`` is ``["eq", "$a", v]``; operator and
    field names are case-insensitive."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, value),) = condition.items()
        condition = ["eq", "$" + str(name), value]
    if isinstance(condition, list) and condition and isinstance(condition[0], str):
        head = [condition[0].lower()]
        rest = list(condition[1:])
        if rest and isinstance(rest[0], str) and rest[0].startswith("$"):
            rest[0] = rest[0].lower()
        condition = head + rest
    return json.dumps(condition, sort_keys=True)


def compare_policies(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> List[str]:
    """Differences between two policy documents: the expiration as an instant, the conditions
    as a multiset (see :func:`_normalized`); empty when they are the same policy."""
    problems: List[str] = []
    try:
        want = parse_timestamp(str(expected.get("expiration")), "expiration")
        got: Optional[_dt.datetime] = parse_timestamp(str(actual.get("expiration")), "expiration")
    except VectorError as exc:
        want, got = _dt.datetime.min, None
        problems.append(f"expiration: {exc}")
    if got is not None and want != got:
        problems.append(
            f"expiration: expected {expected.get('expiration')}, got {actual.get('expiration')}"
        )
    theirs = [_normalized(c) for c in expected.get("conditions") or []]
    ours = [_normalized(c) for c in actual.get("conditions") or []]
    for condition in theirs:
        if condition in ours:
            ours.remove(condition)
        else:
            problems.append(f"condition {condition} is missing")
    problems.extend(f"condition {condition} is not in the published policy" for condition in ours)
    return problems


def _presigned_policy(fields: Mapping[str, str], document: Mapping[str, Any]) -> List[str]:
    policy = {n.lower(): v for n, v in fields.items()}.get("policy")
    if policy is None:
        return ["the presigned form has no policy field"]
    try:
        decoded = json.loads(base64.b64decode(policy, validate=True).decode("utf-8"))
    except (ValueError, binascii.Error) as exc:
        return [f"the presigned policy is not base64 of a JSON document ({exc})"]
    if not isinstance(decoded, dict):
        return ["the presigned policy is not a JSON object"]
    return compare_policies(document, decoded)


def _compare_fields(published: Sequence[Tuple[str, str]], fields: Mapping[str, str]) -> List[str]:
    """Every published field is in the presigned form with the same value (but the policy and
    signature, checked in their own stages, and a ``${filename}`` key); no other field is."""
    ours = {name.lower(): (name, value) for name, value in fields.items()}
    problems: List[str] = []
    seen = set()
    for name, value in published:
        low = name.lower()
        seen.add(low)
        if low not in ours:
            problems.append(f"field {name!r} is missing")
            continue
        got = ours[low][1]
        if low == "policy" or low in _SIGNATURE_FIELDS or got == value:
            continue
        if low == "key" and got.endswith(_FILENAME) and value.startswith(got[: -len(_FILENAME)]):
            continue
        problems.append(f"field {name!r}: expected {value!r}, got {got!r}")
    problems.extend(
        f"field {name!r} is not in the published form"
        for low, (name, _) in ours.items()
        if low not in seen
    )
    return problems


def _check_own_signature(
    api: Any, fields: Mapping[str, str], credentials: Credentials, sign: Mapping[str, Any]
) -> List[str]:
    """The presigned form's signature is its own policy's (the step the published one checked)."""
    lowered = {name.lower(): value for name, value in fields.items()}
    field = "x-amz-signature" if sign["version"] == 4 else "signature"
    sent = lowered.get(field)
    if sent is None:
        return [f"the presigned form has no {field} field"]
    try:
        own = api.sign_policy(lowered.get("policy", ""), credentials, **sign)
    except Exception as exc:
        return [f"{type(exc).__name__}: {exc}"]
    if sent != own:
        return [f"field {field!r}: {sent} is not the signature of the form's policy ({own})"]
    return []
