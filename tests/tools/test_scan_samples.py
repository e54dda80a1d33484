"""``migrate --scan`` on the samples of issue 9 item 14 (``tests/data/migrate_samples``): boto 2's
per-service ``connect_to_region``, botocore's legacy signers, a webhook's HMAC (no AWS: no
finding), and files that are not Python 3 source (skipped, never findings; the exit status
counts findings only).  Expected lines are read by hand from the samples.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Tuple

from signers._tools.scan import scan_path, scan_source
from signers.cli import main as sigbridge

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "migrate_samples"
UNPARSABLE = SAMPLES / "unparsable"


def _found(path: Path) -> List[Tuple[int, str]]:
    return [(f.line, f.code) for f in scan_path(str(path)).findings]


def _run(capsys: Any, argv: List[str]) -> Tuple[int, str, str]:
    code = sigbridge(["migrate", "--scan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_boto2_connect_to_region_calls_are_found() -> None:
    scanned = scan_path(str(SAMPLES / "boto2_connect_to_region.py"))
    assert [(f.line, f.code) for f in scanned.findings] == [
        (3, "boto2"),  # import boto.ec2
        (4, "boto2"),  # import boto.sqs
        (5, "boto2"),  # from boto import sns
        (6, "boto2"),  # from boto.s3 import connect_to_region
        (8, "boto2"),  # boto.ec2.connect_to_region("us-west-2")
        (9, "boto2"),  # boto.sqs.connect_to_region("eu-west-1")
        (10, "boto2"),  # sns.connect_to_region (a name imported from boto)
        (11, "boto2"),  # connect_to_region (imported from boto.s3)
    ]
    messages = {f.line: f.message for f in scanned.findings}
    assert "boto.ec2.connect_to_region" in messages[8]
    assert "boto.sqs.connect_to_region" in messages[9]
    assert scanned.skipped is None


def test_botocore_legacy_signers_are_found() -> None:
    scanned = scan_path(str(SAMPLES / "botocore_legacy_auth.py"))
    assert [(f.line, f.code) for f in scanned.findings] == [
        (4, "botocore-legacy-auth"),  # from botocore.auth import HmacV1Auth, SigV2Auth
        (10, "botocore-legacy-auth"),  # SigV2Auth(credentials)
        (11, "botocore-legacy-auth"),  # HmacV1Auth(None)
        (12, "botocore-legacy-auth"),  # botocore.auth.HmacV1QueryAuth(...)
    ]
    by_line = {f.line: f for f in scanned.findings}
    assert "HmacV1Auth" in by_line[4].message and "SigV2Auth" in by_line[4].message
    assert by_line[10].replacement.startswith("botocore.auth.SigV4Auth ")
    assert by_line[11].replacement.startswith("botocore.auth.S3SigV4Auth ")
    assert by_line[12].replacement.startswith("botocore.auth.S3SigV4QueryAuth ")


def test_a_webhooks_hmac_and_base64_is_not_sigv2() -> None:
    assert _found(SAMPLES / "webhook_hmac.py") == []
    # the same code in a file that speaks of AWS is reported
    aws = (SAMPLES / "webhook_hmac.py").read_text().replace("secret: bytes", "aws_secret: bytes")
    aws = aws.replace("hmac.new(secret,", "hmac.new(aws_secret,")
    assert [f.code for f in scan_source(aws, "x.py")] == ["hand-rolled-hmac"] * 2


def test_python2_and_binary_files_are_skipped_not_findings() -> None:
    py2 = scan_path(str(UNPARSABLE / "python2_print.py"))
    assert py2.findings == [] and py2.skipped is not None
    assert py2.skipped.line == 1 and "does not parse as Python 3" in py2.skipped.reason
    blob = scan_path(str(UNPARSABLE / "binary_blob.py"))
    # (it holds the bytes signature_version="s3": a binary file is not read at all)
    assert blob.findings == [] and blob.skipped is not None
    assert "binary" in blob.skipped.reason


def test_the_token_pass_sees_the_new_rules(tmp_path: Path) -> None:
    path = tmp_path / "old.py"
    path.write_text(
        "import boto.ec2\n"
        "print 'connecting'\n"
        "conn = boto.ec2.connect_to_region('us-west-2')\n"
        "auth = HmacV1Auth(None)\n"
    )
    scanned = scan_path(str(path))
    assert [(f.line, f.code) for f in scanned.findings] == [
        (1, "boto2"),
        (3, "boto2"),
        (4, "botocore-legacy-auth"),
    ]
    assert scanned.skipped is not None and scanned.skipped.line == 2


def test_cli_exit_status_counts_findings_only(capsys: Any) -> None:
    paths = [str(UNPARSABLE), str(SAMPLES / "webhook_hmac.py")]
    code, out, err = _run(capsys, paths)
    assert (code, out) == (0, "")
    assert f"{UNPARSABLE / 'binary_blob.py'}:1: skipped: binary file" in err
    assert f"{UNPARSABLE / 'python2_print.py'}:1: skipped: does not parse as Python 3" in err
    assert "# 0 findings in 3 file(s); 2 skipped" in err
    code, out, _ = _run(capsys, [*paths, "--json"])
    assert code == 0
    data = json.loads(out)
    assert data["findings"] == [] and data["files"] == 3
    assert sorted(Path(s["path"]).name for s in data["skipped"]) == [
        "binary_blob.py",
        "python2_print.py",
    ]
    code, out, _ = _run(capsys, [str(UNPARSABLE), str(SAMPLES / "botocore_legacy_auth.py")])
    assert code == 1 and out.count("[botocore-legacy-auth]") == 4
