import json
import subprocess
import sys

import pytest


def trace(*args):
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "trace", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_parse_prints_the_digital_link_as_json():
    result = trace("parse", "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "gtin": "09520123456788",
        "lot": "ABC1",
        "serial": "12345",
        "attributes": {"17": "180426"},
    }


def test_parse_without_serial_prints_null():
    result = trace("parse", "https://trace.example.cn/01/09506000134352/10/L%2F1")
    assert json.loads(result.stdout)["serial"] is None
    assert json.loads(result.stdout)["lot"] == "L/1"


@pytest.mark.parametrize(
    ("uri", "part"),
    [
        ("https://example.com/01/09520123456788?10=ABC123", "10=ABC123"),
        ("https://id.gs1.org/01/09506000134353", "/01/09506000134353"),
        ("https://a/01/09520123456788?17=180230", "17=180230"),
    ],
)
def test_parse_exits_non_zero_naming_the_bad_part(uri, part):
    result = trace("parse", uri)
    assert result.returncode == 1
    assert result.stdout == ""
    assert part in result.stderr


def test_gtin_prints_gtin14():
    result = trace("gtin", "9506000134352")
    assert (result.returncode, result.stdout.strip()) == (0, "09506000134352")


def test_gtin_prints_the_reason():
    result = trace("gtin", "4006381333932")
    assert result.returncode == 1
    assert "expected 1, got 2" in result.stderr


def test_trace_is_listed_and_start_up_stays_lean():
    assert (
        "trace"
        in subprocess.run(
            [sys.executable, "-m", "countyhub.cli", "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    code = (
        "import sys, countyhub.cli;"
        "print(','.join(m for m in ('biip', 'jsonschema', 'reportlab', 'segno', 'pyld')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
