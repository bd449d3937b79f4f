"""`countyhub trace epc`: a unit's Digital Link, EPC URI or tag hex in, all of them out as JSON."""

import json
import subprocess
import sys

import pytest

from countyhub.gs1 import keys


def trace(*args):
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "trace", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def printed(*args):
    result = trace("epc", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_digital_link_with_a_numeric_serial_becomes_sgtin96():
    # GS1's company prefix table knows 0614141 (7 digits).
    assert printed("https://trace.example.cn/01/80614141123458/21/6789") == {
        "gtin": "80614141123458",
        "serial": "6789",
        "company_prefix_length": 7,
        "filter": 1,
        "scheme": "SGTIN-96",
        "epc_uri": "urn:epc:id:sgtin:0614141.812345.6789",
        "tag_uri": "urn:epc:tag:sgtin-96:1.0614141.812345.6789",
        "tag_hex": "3034257BF7194E4000001A85",
        "digital_link_path": "/01/80614141123458/21/6789",
    }


def test_the_tds_examples_through_the_command():
    sgtin96 = printed("urn:epc:id:sgtin:0614141.812345.6789", "--filter", "3")
    assert sgtin96["tag_hex"] == "3074257BF7194E4000001A85"
    sgtin198 = printed(
        "https://id.gs1.org/01/09506000134352/21/32a%2Fb",
        "--company-prefix-length",
        "11",
        "--filter",
        "3",
    )
    assert sgtin198["scheme"] == "SGTIN-198"
    assert sgtin198["epc_uri"] == "urn:epc:id:sgtin:95060001343.05.32a%2Fb"
    assert sgtin198["tag_hex"] == "3666C4409047E159B2C2BF100000000000000000000000000000"


@pytest.mark.parametrize(
    "value",
    [
        "3666C4409047E159B2C2BF100000000000000000000000000000",
        "3666c4409047e159b2c2bf100000000000000000000000000000",
        "urn:epc:tag:sgtin-198:3.95060001343.05.32a%2Fb",
    ],
)
def test_a_tag_hex_or_tag_uri_is_decoded(value):
    decoded = printed(value)
    assert (decoded["gtin"], decoded["serial"], decoded["filter"]) == ("09506000134352", "32a/b", 3)
    assert decoded["digital_link_path"] == "/01/09506000134352/21/32a%2Fb"
    assert decoded["epc_uri"] == "urn:epc:id:sgtin:95060001343.05.32a%2Fb"


def test_an_internal_gtin_needs_no_prefix_length():
    gtin = keys.internal_gtin("522701", 1)
    unit = printed(f"https://trace.example.cn/01/{gtin}/21/0042")
    assert (unit["company_prefix_length"], unit["scheme"]) == (8, "SGTIN-198")
    assert unit["epc_uri"] == "urn:epc:id:sgtin:04522701.00001.0042"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["3074X"], "character 'X' at position 5 is not hexadecimal"),
        (["3074257BF7194E4000001A8"], "23 hex characters (92 bits)"),
        (["3174257BF7194E4000001A85"], "header 0x31 is not 0x30"),
        (["https://d/01/09506000134353/21/1"], "/01/09506000134353"),
        (["https://d/01/80614141123458/10/L1"], "needs a GTIN and a serial"),
        (["urn:epc:id:sgtin:0614141.812345.a/b"], "position 2: character '/' must be escaped"),
        (["urn:epc:id:sgtin:0614141.812345.1", "--company-prefix-length", "8"], "contradicts"),
        (["urn:isbn:123"], "expected urn:epc:id:sgtin"),
        (
            ["https://d/01/00520000000003/21/1"],
            "GS1 company prefix is not known",
        ),
    ],
)
def test_bad_input_exits_non_zero_naming_the_bad_part(args, message):
    result = trace("epc", *args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert message in result.stderr


def test_unknown_prefix_length_says_which_option_to_give():
    result = trace("epc", "https://d/01/00520000000003/21/1")
    assert "--company-prefix-length N" in result.stderr
    unit = printed("https://d/01/00520000000003/21/1", "--company-prefix-length", "8")
    assert unit["epc_uri"] == "urn:epc:id:sgtin:05200000.00000.1"


def test_options_out_of_range_are_usage_errors():
    result = trace("epc", "https://d/01/80614141123458/21/1", "--company-prefix-length", "13")
    assert result.returncode == 2
    assert "--company-prefix-length" in result.stderr
