"""A misbehaving external signer for the harness tests (run as a program, not imported by them).

It signs with sigbridge itself (the plumbing is under test, not the signatures) and misbehaves on
the cases whose id contains the text given after a mode:

    fake_signer.py [crash=TEXT] [hang=TEXT] [garbage=TEXT] [wrong-id=TEXT] [unsupported=TEXT]
                   [error=TEXT] [quiet-stages] [protocol=N] [die-after-start=FILE] [no-hello]
"""

import base64
import datetime
import json
import os
import sys
import time

import signers

MODES = dict(arg.split("=", 1) for arg in sys.argv[1:] if "=" in arg)
FLAGS = {arg for arg in sys.argv[1:] if "=" not in arg}


def matches(mode, case_id):
    return mode in MODES and MODES[mode] in case_id


def sign(case):
    raw = case["request"]
    body = base64.b64decode(raw["body_base64"])
    payload = raw.get("payload", "body")
    if payload == "UNSIGNED-PAYLOAD":
        body = signers.UNSIGNED_PAYLOAD
    elif payload != "body":
        body = signers.PayloadHash(payload)
    request = signers.Request(raw["method"], raw["url"], [tuple(p) for p in raw["headers"]], body)
    creds = case["credentials"]
    credentials = signers.Credentials(
        creds["access_key_id"], creds["secret_access_key"], creds.get("session_token")
    )
    at = datetime.datetime.strptime(case["time"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc
    )
    signed = signers.get_signer(case["scheme"], **case["options"]).sign(request, credentials, at=at)
    out = signed.request
    data = out.body if isinstance(out.body, bytes) else body if isinstance(body, bytes) else b""
    answer = {
        "id": case["id"],
        "status": "signed",
        "request": {
            "method": out.method,
            "url": out.url,
            "headers": [list(p) for p in out.headers],
            "body_base64": base64.b64encode(data).decode("ascii"),
        },
    }
    if "quiet-stages" not in FLAGS:
        art = signed.artifacts
        answer.update(string_to_sign=art.string_to_sign, signature=art.signature)
        if art.canonical_request is not None:
            answer["canonical_request"] = art.canonical_request
    return answer


def main():
    marker = MODES.get("die-after-start")
    if marker:
        if os.path.exists(marker):
            sys.stderr.write("cannot start twice\n")
            sys.exit(4)
        open(marker, "w").close()
    if "no-hello" in FLAGS:
        print(json.dumps({"type": "case"}), flush=True)
    else:
        hello = {
            "type": "hello",
            "protocol": int(MODES.get("protocol", "1")),
            "name": "fake",
            "schemes": MODES.get("schemes", "sigv4,sigv4-query").split(","),
        }
        print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        case = json.loads(line)
        case_id = case["id"]
        if matches("crash", case_id):
            sys.stderr.write("fake signer: crashing on purpose\n")
            sys.stderr.flush()
            os._exit(3)
        if matches("hang", case_id):
            time.sleep(3600)
        if matches("garbage", case_id):
            print("this is not JSON", flush=True)
            continue
        if matches("wrong-id", case_id):
            print(
                json.dumps({"id": "someone-else", "status": "unsupported", "reason": "x"}),
                flush=True,
            )
            continue
        if matches("unsupported", case_id):
            answer = {"id": case_id, "status": "unsupported", "reason": "the fake cannot do this"}
        elif matches("error", case_id):
            answer = {"id": case_id, "status": "error", "message": "the fake refused"}
        else:
            answer = sign(case)
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
