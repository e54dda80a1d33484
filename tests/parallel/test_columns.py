"""How results cross the process line (signers._parallel_worker.pack / unpack): any rows come
back equal and of the same types, whether a field is the same in every row, text, a tuple split
into columns, or anything else; text holding the separator is sent as it is."""

from __future__ import annotations

import pickle
from typing import Any, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import signers
from signers import Request, SignedRequest
from signers import _parallel_worker as worker
from tests._support import CREDS, CREDS_TOKEN, examples
from tests._support import VECTOR_TIME as AT


def _round_trip(rows: List[Any]) -> List[Any]:
    return list(worker.unpack(pickle.loads(pickle.dumps(worker.pack(rows), 5))))


def _same(got: List[Any], rows: List[Any]) -> None:
    assert got == rows
    assert [type(x) for x in got] == [type(x) for x in rows]
    for a, b in zip(got, rows):
        if isinstance(b, SignedRequest):
            assert type(a.request) is Request and a.request == b.request
            assert a.artifacts == b.artifacts and a.added_query == b.added_query


def test_bulk_results_round_trip_and_fixed_fields_travel_once() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3")
    keys = [f"photos/img-{i}.jpg" for i in range(300)] + ["dir/a b/ü", "x"]
    rows = list(signer.presign_many("GET", "https://b.s3.amazonaws.com", keys, CREDS, AT))
    _same(_round_trip(rows), rows)
    count, column = worker.pack(rows)
    assert count == len(rows)
    how, (kind, fields) = column
    assert how == 2  # a tuple column, split into its fields
    # the scheme and the (empty) added headers are sent once; the URLs as one joined text
    assert kind is SignedRequest and fields[2] == (0, signer.name) and fields[3] == (0, ())
    request_kind, request_fields = fields[0][1]
    assert request_kind is Request
    assert request_fields[1][0] == 5  # the URLs split at "?": path and query vary apart
    # what travels is what varies (a key's tail, the canonical request's hash, the signature):
    # less than the URLs' own text for all of it, and each signature once although it stands
    # in the URL, the query, the artifacts and the added parameters
    wire = pickle.dumps(worker.pack(rows), 5)
    assert len(wire) < sum(len(row.url) for row in rows) * 0.6
    for row in rows[:5] + rows[-2:]:
        assert wire.count(row.signature.encode()) == 1


def test_url_columns_round_trip_smaller_than_their_text() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3")
    keys = [f"logs/2024-01-{i % 28 + 1:02d}/part-{i:05d}.gz" for i in range(500)]
    urls = [
        s.url for s in signer.presign_many("GET", "https://b.s3.amazonaws.com/p", keys, CREDS, AT)
    ]
    packed = pickle.dumps(worker.pack(urls), 5)
    assert _round_trip(urls) == urls
    assert len(packed) < len("".join(urls)) / 3


def test_general_path_results_round_trip() -> None:
    # A declared payload hash sends every key through sign(): fields vary in other ways.
    signer = signers.get_signer("sigv4-query", region="eu-west-1", service="execute-api")
    headers = [("x-amz-content-sha256", "UNSIGNED-PAYLOAD"), ("X-Custom", "v")]
    rows = list(
        signer.presign_many(
            "PUT", "https://h.example.com/a/./b", ["k1", "k 2", "../k3"], CREDS_TOKEN, AT,
            headers=headers,
        )
    )  # fmt: skip
    _same(_round_trip(rows), rows)


def test_one_row_and_no_rows() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3")
    rows = list(signer.presign_many("GET", "https://b.s3.amazonaws.com", ["k"], CREDS, AT))
    _same(_round_trip(rows), rows)
    assert _round_trip([]) == []


def test_text_with_the_separator_and_mixed_types_travel_as_lists() -> None:
    rows = ["a\0b", "c", "d"]
    assert worker.pack(rows)[1][0] == 3  # a plain list
    assert _round_trip(rows) == rows
    mixed = ["a", 1, None, ("x", "y"), b"z"]
    assert _round_trip(mixed) == mixed
    tuples = [("a", 1), ("b", 2, 3), ("c",)]  # tuples of different widths
    assert _round_trip(tuples) == tuples


_LEAF = st.one_of(st.text(max_size=5), st.integers(), st.none(), st.binary(max_size=3))
_ROW = st.recursive(_LEAF, lambda inner: st.tuples(inner, inner) | st.lists(inner, max_size=2))


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(rows=st.lists(_ROW, max_size=8), shape=st.sampled_from(["as is", "pairs", "same"]))
def test_any_rows_round_trip(rows: List[Any], shape: str) -> None:
    if shape == "pairs":  # rows of one width, where the column split applies
        rows = [(row, "k") for row in rows]
    elif shape == "same" and rows:
        rows = [rows[0]] * len(rows)
    got = _round_trip(rows)
    assert got == rows
    assert [type(x) for x in got] == [type(x) for x in rows]


_TEXT = st.text(alphabet="ab?/\0é", max_size=6)


@settings(max_examples=examples(300, quick=40), deadline=None)
@given(middles=st.lists(_TEXT, min_size=1, max_size=8), head=_TEXT, tail=_TEXT)
def test_texts_with_shared_ends_and_question_marks_round_trip(
    middles: List[str], head: str, tail: str
) -> None:
    # texts sharing a head and a tail, holding "?" (split) or NUL (sent as a list), or neither
    rows = [head + middle + tail for middle in middles]
    assert _round_trip(rows) == rows
    assert _round_trip([(row, row[::-1]) for row in rows]) == [(r, r[::-1]) for r in rows]
