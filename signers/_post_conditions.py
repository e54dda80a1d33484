"""S3 POST policy documents: decoding them and matching a form against their conditions.

A POST policy (S3 "POST Policy", sigv4-HTTPPOSTConstructPolicy; and the SigV2 "Policy
construction" section of HTTPPOSTForms) is a UTF-8 JSON object, sent base64-encoded, with two
members: ``expiration`` (ISO 8601 in UTC) and ``conditions``, a list whose items are

- ``{"name": "value"}``: the field ``name`` equals ``value`` (a "simple condition");
- ``["eq", "$name", "value"]`` and ``["starts-with", "$name", "prefix"]`` (an empty prefix
  accepts any value); for ``Content-Type`` a comma-separated value is a list, every item of
  which must start with the prefix;
- ``["content-length-range", min, max]``: the size of the file, bounds included.

Field and condition names are case-insensitive, values are not.  Every form field must be named
by some condition, except the ones S3 exempts.  Where S3's documentation and its observed
answers disagree (the status of a failed condition, the code for a malformed policy), S3's
answers win; the texts below say which source each message comes from.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
from typing import Any, Dict, NamedTuple, NoReturn, Optional, Sequence, Tuple, Union

from ._time import UTC
from .errors import AccessDenied, EntityTooLarge, EntityTooSmall, InvalidPolicyDocument

__all__ = [
    "Condition",
    "Policy",
    "decode_policy",
    "parse_policy",
    "check_form",
    "FormView",
    "is_expired",
    "expired",
    "EXEMPT_V4",
    "EXEMPT_V2",
]

#: Fields no condition has to name: "Each form field that you specify in a form (except
#: x-amz-signature, file, policy, and field names that have an x-ignore- prefix) must appear in
#: the list of conditions" (sigv4-HTTPPOSTConstructPolicy); SigV2's list is "AWSAccessKeyId,
#: signature, file, policy" (HTTPPOSTForms).  Lower case; x-ignore-* is checked apart.
EXEMPT_V4 = frozenset({"x-amz-signature", "file", "policy"})
EXEMPT_V2 = frozenset({"awsaccesskeyid", "signature", "file", "policy"})

_OPERATORS = ("eq", "starts-with", "content-length-range")

# The text of S3's answers, and where each was found.  S3's own error table (ErrorResponses)
# maps a failed condition to 400 InvalidPolicyDocument, but S3 answers 403 AccessDenied; these
# texts are what S3 was recorded answering:
# - LocalStack's S3 tests, TestS3PresignedPost in tests/aws/services/s3/test_s3.py (snapshots
#   validated against S3, 2026-02-21; github.com/localstack/localstack, 8b9a79f): "Policy
#   expired.", "Policy Condition failed: [...]" (eq, starts-with, a name without '$', a range
#   bound "test"), "Simple-Conditions must have exactly one property specified.", the
#   EntityTooLarge / EntityTooSmall texts with ProposedSize and Max/MinSizeAllowed;
# - captures in public issues: "Invalid Policy: Invalid JSON." (tpyo/amazon-s3-php-class#53;
#   a float bound, repost.aws QUo27u4OYpTA-XvAWr72xeRg; a null value,
#   dwilkie/carrierwave_direct#230), "value must be a string." (toniopelo/modbox#10),
#   "Invalid 'expiration' value: '...'" (carrierwave_direct#2 and #189), "Unexpected:
#   'statement'" (stackoverflow.com/q/31169349), "missing operation identifier."
#   (stackoverflow.com/q/43431505), "Extra input fields: ..." (moxiecode/moxie#165,
#   stackoverflow.com/q/54014351), a starts-with "" on an absent field failing
#   (waynehoover/s3_direct_upload#29).
# Not published for S3 itself (the wording of the S3-compatible server versitygw,
# s3err/post-object.go, is used): a missing expiration or conditions, "must be a List",
# "unknown operation", "wrong number of arguments", "must be a List or Object", "invalid Base64
# encoding"; and the text for a negative range bound is ours (ceph s3-tests only expect 400).
_INVALID_JSON = "Invalid Policy: Invalid JSON."
_POLICY_FAILED = "Invalid according to Policy: Policy Condition failed: "


class Condition(NamedTuple):
    """One condition of a policy, normalized.

    ``operator`` is ``eq``, ``starts-with`` or ``content-length-range``; ``name`` the field
    name as the policy writes it (``$key``; ``None`` for a range); ``operands`` the rest;
    ``shown`` the condition as S3 prints it in "Policy Condition failed: ..." (a simple
    condition is printed as its ``eq`` array).
    """

    operator: str
    name: Optional[str]
    operands: Tuple[Any, ...]
    shown: str


class Policy(NamedTuple):
    """A decoded POST policy: its expiration, its conditions, and the document as plain JSON."""

    expiration: _dt.datetime
    conditions: Tuple[Condition, ...]
    document: Dict[str, Any]


class _Members(tuple):  # type: ignore[type-arg]
    """A JSON object as the parser read it: its (name, value) pairs in order, duplicates kept."""

    __slots__ = ()


def _bad(message: str) -> NoReturn:
    raise InvalidPolicyDocument(message, field="policy")


def _no_float(text: str) -> NoReturn:
    # S3 answers "Invalid JSON." for a fractional number, even as a content-length-range bound.
    _bad(_INVALID_JSON)


def _plain(value: Any) -> Any:
    if isinstance(value, _Members):
        return {name: _plain(item) for name, item in value}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _shown(value: Sequence[Any]) -> str:
    # S3 prints the condition as a JSON array with ", " between items and the policy's spelling;
    # quotes inside values are escaped ("filename=\"test.png\"").
    return json.dumps(list(value), ensure_ascii=False)


def decode_policy(policy: str) -> Policy:
    """Decode the base64 ``policy`` form field and :func:`parse_policy` it."""
    # Some clients wrap long base64 text; the signature covers the field as sent, the decoding
    # ignores the line breaks.
    compact = "".join(policy.split())
    try:
        raw = base64.b64decode(compact.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        _bad("Invalid Policy: invalid Base64 encoding.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        _bad(_INVALID_JSON)
    return parse_policy(text)


def parse_policy(text: str) -> Policy:
    """Parse the JSON of a policy; an :class:`InvalidPolicyDocument` names what is wrong."""
    try:
        document = json.loads(
            text, object_pairs_hook=_Members, parse_float=_no_float, parse_constant=_no_float
        )
    except (ValueError, RecursionError):
        _bad(_INVALID_JSON)
    if not isinstance(document, _Members):
        _bad(_INVALID_JSON)
    members: Dict[str, Any] = {}
    for name, value in document:
        # The member names are case-sensitive ("CONDITIONS" is refused: ceph s3-tests
        # test_post_object_condition_is_case_sensitive); S3 names an unknown one lower-cased.
        if name not in ("expiration", "conditions"):
            _bad(f"Invalid Policy: Unexpected: '{name.lower()}'")
        if name in members:
            _bad(_INVALID_JSON)
        members[name] = value
    if "expiration" not in members:
        _bad("Invalid Policy: Policy missing expiration.")
    if "conditions" not in members:
        _bad("Invalid Policy: Policy missing conditions.")
    expiration = _parse_expiration(members["expiration"])
    conditions = members["conditions"]
    if not isinstance(conditions, list):
        _bad("Invalid Policy: Invalid 'conditions' value: must be a List.")
    parsed = tuple(_parse_condition(item) for item in conditions)
    return Policy(expiration, parsed, _plain(document))


def _parse_expiration(value: Any) -> _dt.datetime:
    """``YYYY-MM-DDTHH:MM:SS[.fraction]Z``: S3 refuses an offset or a space for the ``T``."""
    if not isinstance(value, str):
        _bad(f"Invalid Policy: Invalid 'expiration' value: '{json.dumps(value)}'")
    text = value
    shown = f"Invalid Policy: Invalid 'expiration' value: '{text}'"
    if len(text) < 20 or not text.isascii() or text[-1] != "Z":
        _bad(shown)
    digits = text[0:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]
    separators = text[4] + text[7] + text[10] + text[13] + text[16]
    fraction = text[19:-1]
    if (
        separators != "--T::"
        or not digits.isdigit()
        or (fraction and (fraction[0] != "." or not fraction[1:].isdigit()))
    ):
        _bad(shown)
    try:  # (the shape is checked above: the standard parser only checks the values)
        parsed = _dt.datetime.fromisoformat(text[:19])
    except ValueError:
        _bad(shown)
    microsecond = int(fraction[1:7].ljust(6, "0")) if fraction else 0
    return parsed.replace(microsecond=microsecond, tzinfo=UTC)


def _parse_condition(item: Any) -> Condition:
    if isinstance(item, _Members):
        if len(item) != 1:
            _bad(
                "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly "
                "one property specified."
            )
        name, value = item[0]
        if value is None:
            _bad(_INVALID_JSON)  # observed for {"success_action_redirect": null}
        if not isinstance(value, str):
            _bad("Invalid Policy: Invalid Simple-Condition: value must be a string.")
        dollar = "$" + name
        return Condition("eq", dollar, (value,), _shown(["eq", dollar, value]))
    if not isinstance(item, list):
        _bad("Invalid Policy: Invalid condition test: must be a List or Object.")
    if not item or not isinstance(item[0], str):
        _bad("Invalid Policy: Invalid Condition: missing operation identifier.")
    operator = item[0].lower()  # ceph s3-tests expects "StArTs-WiTh" to be accepted
    if operator not in _OPERATORS:
        _bad(f"Invalid Policy: Invalid Condition: unknown operation '{item[0]}'.")
    if len(item) != 3:
        _bad(f"Invalid Policy: Invalid {item[0]}: wrong number of arguments.")
    first, second = item[1], item[2]
    if operator == "content-length-range":
        for bound in (first, second):
            # ints, or strings (S3 accepted ["content-length-range", "5", "10"]); a string that is
            # not a number fails as a condition, not as a document (observed: 403 for "test").
            if isinstance(bound, bool) or not isinstance(bound, (int, str)):
                _bad(_INVALID_JSON)
            if isinstance(bound, int) and bound < 0:
                # ceph s3-tests expects 400 for [-1, 0]; S3's text for it is not published.
                _bad("Invalid Policy: Invalid content-length-range: negative bound.")
        return Condition(operator, None, (first, second), _shown(item))
    if not isinstance(first, str) or not isinstance(second, str):
        _bad(_INVALID_JSON)
    return Condition(operator, first, (second,), _shown(item))


def _bound(value: Union[int, str]) -> Optional[int]:
    if isinstance(value, int):
        return value
    return int(value) if value.isascii() and value.isdigit() else None


class FormView(NamedTuple):
    """What the conditions are matched against.

    ``values``: lower-case field name -> the value (repeated fields joined with ``,``, as the
    SigV2 "Policy construction" note asks); ``spelling``: lower-case name -> the name as sent;
    ``bucket``: the bucket the form was posted to (``None``: unknown, its condition unchecked).
    """

    values: Dict[str, str]
    spelling: Dict[str, str]
    bucket: Optional[str]


def _field_value(name: Optional[str], form: FormView) -> Tuple[bool, Optional[str]]:
    """``(checked, value)``: the value a condition on ``name`` is matched against."""
    if name is None or not name.startswith("$"):
        # S3 fails a condition whose field is written without '$' (observed for
        # ["eq", "success_action_redirect", ...]).
        return True, None
    field = name[1:].lower()
    if field == "bucket":
        if form.bucket is not None:
            return True, form.bucket
        value = form.values.get("bucket")
        return value is not None, value
    return True, form.values.get(field)


def _matches(condition: Condition, value: str) -> bool:
    expected: str = condition.operands[0]
    if condition.operator == "eq":
        return value == expected  # values are case-sensitive (observed: HTTP:// vs http://)
    assert condition.name is not None
    if condition.name[1:].lower() == "content-type" and expected:
        # "Content-Types values for a starts-with condition that include commas are interpreted
        # as lists. Each value in the list must meet the condition" (POST Policy page).
        # (the items are separated by a comma and optional spaces; other characters are data)
        return all(item.strip(" ").startswith(expected) for item in value.split(","))
    return value.startswith(expected)


def check_form(
    policy: Policy,
    form: FormView,
    exempt: frozenset,  # type: ignore[type-arg]
    content_length: Optional[int],
) -> Optional[Tuple[int, int]]:
    """Match ``form`` against the policy's conditions, as S3 does; raise S3's answer.

    The field conditions in policy order (the first failure is reported), then the fields no
    condition names ("Extra input fields"), then the file size.  Returns the allowed size
    range (``(min, max)``, ``None`` without a range condition) so a caller that has not read the
    file yet can enforce it while streaming.
    """
    covered = set()
    low: int = 0
    high: Optional[int] = None
    ranged = False
    for condition in policy.conditions:
        if condition.operator == "content-length-range":
            bounds = [_bound(b) for b in condition.operands]
            if bounds[0] is None or bounds[1] is None:
                raise AccessDenied(_POLICY_FAILED + condition.shown, field="policy")
            ranged = True
            low = max(low, bounds[0])
            high = bounds[1] if high is None else min(high, bounds[1])
            continue
        assert condition.name is not None
        if condition.name.startswith("$"):
            covered.add(condition.name[1:].lower())
        checked, value = _field_value(condition.name, form)
        if not checked:
            continue
        # A condition on a field the form does not carry fails, even starts-with "" (observed:
        # ["starts-with", "$Content-Type", ""] failed until the form sent Content-Type).
        if value is None or not _matches(condition, value):
            raise AccessDenied(_POLICY_FAILED + condition.shown, field=condition.name[1:])
    extra = [
        form.spelling[name]
        for name in form.values
        if name not in covered and name not in exempt and not name.startswith("x-ignore-")
    ]
    if extra:
        # Observed with one name; several are joined with ", " here (S3's separator for more
        # than one is not recorded anywhere we found).
        raise AccessDenied(
            "Invalid according to Policy: Extra input fields: " + ", ".join(extra),
            field=extra[0],
        )
    if not ranged:
        return None
    assert high is not None
    if content_length is not None:
        if content_length > high:
            raise EntityTooLarge(
                "Your proposed upload exceeds the maximum allowed size",
                field="content_length",
                details=[("ProposedSize", str(content_length)), ("MaxSizeAllowed", str(high))],
            )
        if content_length < low:
            raise EntityTooSmall(
                "Your proposed upload is smaller than the minimum allowed size",
                field="content_length",
                details=[("ProposedSize", str(content_length)), ("MinSizeAllowed", str(low))],
            )
    return low, high


def is_expired(policy: Policy, now: _dt.datetime) -> bool:
    """Whether the policy has expired at ``now``: it must still be in the future.  (The pages
    say "not valid after" the instant; S3's answer at the very instant is not recorded, and a
    policy is taken as expired from that instant on.)"""
    return now >= policy.expiration


def expired() -> AccessDenied:
    return AccessDenied("Invalid according to Policy: Policy expired.", field="expiration")
