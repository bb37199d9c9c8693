import json
from collections import Counter

import pytest
from click.testing import CliRunner

from feedback import analyze
from feedback.cli import cli
from feedback.redact import redact_text

PII = {
    "EMAIL": ["jane.doe+cx@example.co.uk", "a_b@mail-server.io"],
    "URL": ["https://example.com/track?id=42", "www.shop.example/returns"],
    "IBAN": ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"],
    "CARD": ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"],
    "PHONE": ["+44 7700 900123", "07700 900 456", "(555) 010-4477", "0044 20 7946 0958"],
}


@pytest.mark.parametrize("kind,value", [(k, v) for k, vs in PII.items() for v in vs])
def test_redact_masks_each_kind(kind, value):
    counts = Counter()
    text = redact_text(f"Please contact {value}, thanks.", counts)
    assert value not in text
    assert f"[{kind}]" in text and text.endswith(", thanks.")
    assert counts == {kind: 1}


@pytest.mark.parametrize(
    "text",
    [
        "Waited 45 minutes, paid £1,234.56 on 2025-03-02 at 14:30.",
        "Order 4111 1111 1111 1112 never arrived",  # fails the Luhn check: not a card
        "NPS 9, CSAT 5, 3 days, 10 out of 10",
        "Case 12345678 still open",  # 8 digits: a reference, not a phone number
    ],
)
def test_redact_leaves_non_pii_alone(text):
    counts = Counter()
    assert redact_text(text, counts) == text
    assert not counts


def test_redact_checks_iban_checksum():
    assert "[IBAN]" not in redact_text("GB82 WEST 1234 5698 7654 33 is wrong")  # fails mod-97


def test_redact_keeps_themes_and_sentiment(analyzer):
    text = ("The agent was rude and I waited an hour on hold. Email me at jane@example.com "
            "or call +44 7700 900123, card 4111 1111 1111 1111 was charged twice!")
    plain = next(analyze([text], analyzer=analyzer))
    masked = next(analyze([text], analyzer=analyzer, redact=True))
    assert "jane@example.com" not in json.dumps(masked)
    assert masked["redacted"] == {"CARD": 1, "EMAIL": 1, "PHONE": 1}
    assert masked["sentiment"]["label"] == plain["sentiment"]["label"]
    themes = lambda r: {t["parent"] for t in r["themes"]}  # noqa: E731
    # "Email me" names the channel in both; the [EMAIL] token itself adds nothing.
    assert themes(masked) == themes(plain)


def test_redact_cli_masks_text_fields_and_error_values(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "id,comment,customer_email,nps\n"
        "1,Call me on 07700 900123 about the refund,bob@example.org,3\n"
        "2,,alice@example.org,9\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(src), "-o", str(out), "--redact", "--no-model"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert "Redacted: 2 EMAIL, 1 PHONE." in result.stderr
    written = out.read_text() + (tmp_path / "out.jsonl.errors.jsonl").read_text()
    for secret in ("07700 900123", "bob@example.org", "alice@example.org"):
        assert secret not in written
    record = json.loads(out.read_text().splitlines()[0])
    assert record["text"] == "Call me on [PHONE] about the refund"
    assert record["fields"]["customer_email"] == "[EMAIL]"
    assert record["redacted"] == {"EMAIL": 1, "PHONE": 1}
