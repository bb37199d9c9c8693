"""Redaction holds whatever the input: invisible characters, formats, keys, cut lines, other
numbers (issue 12, "Redaction"). Each class has its own cases; all of them run through the CLI too."""

import json
import sys
import unicodedata
from collections import Counter

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.records import ErrorRecord, SourceRow
from feedback.redact import RAW_LIMIT, clean_for_redaction, redact_row, redact_text

EMAIL, CARD, PHONE = "john@example.com", "4111 1111 1111 1111", "+44 7700 900123"

# --- 1. invisible characters are removed before masking ------------------------------------------

INVISIBLE = ["\u200b", "\u00ad", "\u200e", "\u200f", "\x00", "\u2060", "\ufeff", "\u202e", "\u2066", "\u200d",
             "\u200c", "\x1b", "\x7f", "\u061c", "\ufe0f", "\u180e"]


def _hide(value: str, char: str) -> str:
    return char.join(value)  # one invisible character between every two characters


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("kind,value", [("EMAIL", EMAIL), ("CARD", CARD), ("PHONE", PHONE),
                                        ("URL", "https://example.com/a"), ("IBAN", "DE89370400440532013000")])
def test_invisible_characters_do_not_hide_pii(char, kind, value):
    counts = Counter()
    masked = redact_text(f"reach me: {_hide(value, char)} thanks", counts)
    assert masked == f"reach me: [{kind}] thanks"
    assert counts == {kind: 1}


def test_redaction_cleans_at_least_what_the_analysis_cleans():
    """Whatever language.clean_text removes later could otherwise reassemble a masked-out value."""
    from feedback.language import clean_text

    missed = []
    for code in range(0x110000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or unicodedata.category(char) not in ("Cc", "Cf", "Mn", "Zl", "Zp", "Cn"):
            continue
        sample = f"ab{char}cd"
        if clean_text(sample) == "abcd" and clean_for_redaction(sample) != "abcd":
            missed.append(f"U+{code:04X}")
    assert not missed


def test_analysed_text_is_the_masked_cleaned_text(tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [{"id": 1, "comment": f"mail {_hide(EMAIL, chr(0x200b))} or call 07700\u00ad900\u200b123 card "
                                 f"{_hide(CARD, chr(0xad))}", "note": "x\u200by@example.org"}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(src), "-o", str(out), "--redact", "--no-model"])
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["text"] == "mail [EMAIL] or call [PHONE] card [CARD]"
    assert record["fields"]["note"] == "[EMAIL]"
    assert record["redacted"] == {"CARD": 1, "EMAIL": 2, "PHONE": 1}


# --- 2. formats ----------------------------------------------------------------------------------

FORMATS = {
    "CARD": ["4111\u00a01111\u00a01111\u00a01111", "4111.1111.1111.1111", "4111\u202f1111\u202f1111\u202f1111",
             "5500 0000 0000 0004"],
    "IBAN": ["DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000"],
    "EMAIL": ["josé.müller@exämple.de", "用户@例子.广告", "jo@xn--bcher-kva.example", "Ünal.Öz@firma.com.tr",
              "first.last+tag@sub.example.co.uk"],
    "URL": ["http://intranet/x", "https://localhost:8080/admin", "http://wiki/Customer_123", "ftp://files/in",
            "shop.example.com/account/orders?id=9"],
    "PHONE": ["555  123  4567", "+44  20  7946  0958", "06\u00a012\u00a034\u00a056\u00a078", "555.123.4567",
              "(555) 010-4477", "+1 (555) 123-4567", "0049 30 12345678", "+33 6 12 34 56 78",
              "+1 234 567 89012", "+683 4002", "00683 4002"],  # mistyped; Niue's 4-digit numbers
}


@pytest.mark.parametrize("kind,value", [(k, v) for k, vs in FORMATS.items() for v in vs])
def test_formats_are_masked(kind, value):
    counts = Counter()
    assert redact_text(f"Details: {value} (sent today)", counts) == f"Details: [{kind}] (sent today)"
    assert counts == {kind: 1}


def test_keys_are_masked_and_kept_distinct():
    row = SourceRow(1, 2, {"comment": "fine", "bob@example.org": "x", "alice@example.org": "y",
                           "nested": {"call 555 123 4567": {"carol@example.org": 1}}, "list": [{"d@e.fr": 2}]})
    totals = Counter()
    out = redact_row(row, totals)
    assert out.values == {"comment": "fine", "[EMAIL]": "x", "[EMAIL]_2": "y",
                          "nested": {"call [PHONE]": {"[EMAIL]": 1}}, "list": [{"[EMAIL]": 2}]}
    assert totals == {"EMAIL": 4, "PHONE": 1}


def test_column_names_never_reach_any_output(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,comment,bob@example.org,Call 555 123 4567\n"
                   "1,fine thanks,a,b\n"
                   "2,,c,d\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(src), "-o", str(out), "--redact", "--no-model"])
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8") + (tmp_path / "out.jsonl.errors.jsonl").read_text(encoding="utf-8")
    assert "bob@" not in written and "555 123" not in written and "bob@" not in result.output
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["fields"] == {"[EMAIL]": "a", "Call [PHONE]": "b"}


def test_a_column_named_with_pii_is_still_the_text_column(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,Comment (ask help@example.org)\n1,The staff were lovely\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(src), "-o", str(out), "--redact", "--no-model"])
    assert result.exit_code == 0, result.output
    assert "help@example.org" not in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["text"] == "The staff were lovely"


@pytest.mark.parametrize("value", ["john.smith@example.com", "+44 7700 900123", "4111 1111 1111 1111"])
@pytest.mark.parametrize("shift", range(1, 22, 3))
def test_a_cut_raw_line_keeps_no_half_identifier(value, shift):
    """The reader keeps the first RAW_LIMIT characters of a line it cannot read; wherever the
    cut falls in an identifier, no part of it is left."""
    line = "x" * (RAW_LIMIT - shift) + " " + value + " and more text after it"
    error = ErrorRecord(3, 3, None, "invalid_json", "not valid JSON", {"raw": line[:RAW_LIMIT]})
    out = redact_row(error, Counter())
    raw = out.values["raw"]
    assert len(raw) <= RAW_LIMIT
    pieces = {value[:4], value[-4:], value.split("@")[0]} if "@" in value else {value[:6], value[-6:]}
    kept = value[: RAW_LIMIT - (RAW_LIMIT - shift + 1)]
    for piece in pieces:
        assert piece not in raw or (len(kept) >= len(value) and "[" in raw), (piece, raw[-40:])


def test_invalid_jsonl_line_with_an_email_at_the_cut(tmp_path):
    src = tmp_path / "in.jsonl"
    line = '{"comment": "' + "y" * (RAW_LIMIT - 20) + ' john.smith@example.com please"'  # not closed
    src.write_text('{"comment": "fine"}\n' + line + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(src), "-o", str(out), "--redact", "--no-model"])
    assert result.exit_code == 0, result.output
    errors = (tmp_path / "out.jsonl.errors.jsonl").read_text(encoding="utf-8")
    assert "john" not in errors and "john.smith" not in errors and "y" * 100 in errors


# --- 3. other data is not corrupted, and what is masked is named right ----------------------------

KEPT = ["2024-03-05 10:15:00", "2024-03-05T10:15:00Z", "05.03.2024 10:15", "03/05/2024 10:15:30",
        "order 123456789 never came", "Order #987654321", "invoice no. 1234567890", "ticket 20240305123",
        "tracking number 1Z999AA10123456784", "paid $1,234.56 on 2025-03-02 at 14:30", "ISBN 978-3-16-148410-0",
        "rated 9/10, 3 days, 10 out of 10", "case 12345678 still open", "reference: 4111 1111 1111 1112",
        # CFPB narratives: dates the export masked, and text run together, are not URLs
        "It was not.XX/XX/XXXX - I called", "removed immediately.XXXX/XXXX Inquiry", "and/or 2.5/10",
        "thevehicleinXX/XX/2019intheamountof{$28000.00}.OnXX/XX/2019Ireceivedaletter"]


@pytest.mark.parametrize("text", KEPT)
def test_other_numbers_are_kept(text):
    counts = Counter()
    assert redact_text(text, counts) == text
    assert not counts


LABELLED = [("SSN 123-45-6789", "SSN [SSN]", "SSN"), ("my social security number is 123 45 6789", "my social security number is [SSN]", "SSN"),
            ("ssn: 123456789", "ssn: [SSN]", "SSN"), ("server 192.168.1.10 is down", "server [IP] is down", "IP"),
            ("from 2001:db8::8a2e:370:7334 today", "from [IP] today", "IP"),
            ("account number 12345678901", "account number [ACCOUNT]", "ACCOUNT"),
            ("customer id: AB1234567", "customer id: [ACCOUNT]", "ACCOUNT"),
            ("on 2024-03-05 10:15:00 I called 555 123 4567", "on 2024-03-05 10:15:00 I called [PHONE]", "PHONE")]


@pytest.mark.parametrize("text,masked,kind", LABELLED)
def test_each_kind_is_labelled_for_what_it_is(text, masked, kind):
    counts = Counter()
    assert redact_text(text, counts) == masked
    assert counts == {kind: 1}


def test_timestamps_survive_redaction_and_report_period(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,comment,created\n1,Great service,2024-03-05 10:15:00\n2,Slow delivery,2024-04-07 09:00:00\n",
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    assert runner.invoke(cli, ["analyze", str(src), "-o", str(out), "--redact", "--no-model"]).exit_code == 0
    fields = [json.loads(line)["fields"]["created"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert fields == ["2024-03-05 10:15:00", "2024-04-07 09:00:00"]
    report = runner.invoke(cli, ["report", str(out), "--period", "month", "--date-column", "created"])
    assert report.exit_code == 0, report.output


def test_redaction_tokens_are_never_themes():
    from feedback.redact import KINDS
    from feedback.themes import REDACTION_TOKENS

    assert set(REDACTION_TOKENS) == {f"[{k.lower()}]" for k in KINDS}


def test_redaction_is_stable():
    """Masking masked text changes nothing: the tokens match no pattern."""
    text = ("mail john@example.com, call +44 7700 900123, card 4111 1111 1111 1111, ssn 123-45-6789, "
            "ip 10.0.0.1, http://intranet/x, account no 123456789")
    once = redact_text(text)
    assert redact_text(once) == once and sys.intern(once)


def test_checkpoint_holds_no_column_name_pii(tmp_path):
    """The resumable output's checkpoint names the columns: masked like everything else."""
    from feedback.config import AnalysisOptions, OutputOptions, ReadOptions
    from feedback.engine.run import resume_identity
    from feedback.columns import ColumnSpec

    src = tmp_path / "in.csv"
    src.write_text("id,Comment (ask help@example.org)\n1,fine\n", encoding="utf-8")
    read = ReadOptions.make(str(src), text_column="Comment (ask help@example.org)", redact=True)
    identity = resume_identity(read, AnalysisOptions(model=None), OutputOptions(str(tmp_path / "out.jsonl")),
                               ColumnSpec("Comment (ask [EMAIL])", "id"))
    assert "help@example.org" not in json.dumps(identity)


SECRETS = ["john.smith@example.com", "07700900123", "4111111111111111", "123-45-6789", "DE89370400440532013000",
           "intranet/secret", "192.168.7.21"]


def _visible(text: str) -> str:
    """What a reader sees: invisible characters and the separators inside numbers dropped."""
    text = clean_for_redaction(text)
    return "".join(c for c in text if c not in " \u00a0\u202f.-()")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_no_pii_in_any_output_side_file_or_message(tmp_path, fmt):
    zw = "\u200b"
    values = [f"mail john{zw}.smith@example.com", "call 07700\u00a0900\u00a0123", "card 4111.1111.1111.1111",
              "ssn 123-45-6789", f"iban DE89 3704 0044 0532 0130 00{zw}", "see http://intranet/secret",
              "host 192.168.7.21"]
    src = tmp_path / f"in.{fmt}"
    if fmt == "csv":
        header = "id,comment,john.smith@example.com\n"
        body = "".join(f'{n},"{v} - the staff were slow",{v}\n' for n, v in enumerate(values, 1))
        body += '99,,"' + values[0] + '"\n'  # an empty comment: an error record keeps the values
        src.write_text(header + body, encoding="utf-8")
    else:
        lines = [json.dumps({"id": n, "comment": f"{v} - slow", "meta": {"john.smith@example.com": v}})
                 for n, v in enumerate(values, 1)]
        lines.append('{"id": 98, "comment": "broken ' + "z" * 980 + ' john.smith@example.com 07700 900123')
        src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "out.jsonl"
    out.parent.mkdir()
    result = CliRunner().invoke(cli, ["analyze", str(src), "-o", str(out), "--redact", "--no-model"])
    assert result.exit_code == 0, result.output
    assert (out.parent / "out.jsonl.errors.jsonl").exists()  # the error record is there, masked
    written = result.output + "".join(p.read_text(encoding="utf-8", errors="replace")
                                      for p in out.parent.iterdir() if p.is_file())
    seen = _visible(written)
    for secret in SECRETS:
        assert _visible(secret) not in seen, secret


def test_reference_columns_keep_their_ids_and_numbers_in_other_columns_are_masked():
    row = SourceRow(1, 2, {"id": "1234567890", "Order ID": "ORD-2024-000123", "ticket_number": "5551234567",
                           "phone": 5551234567, "card": 4111111111111111, "mobile": "555 123 4567",
                           "customer_id": "5551234567", "amount": 12.5, "nps": 9, "raw": "x" * 1500,
                           "comment": "order 123456789 came; call 555 123 4567"})
    out = redact_row(row, Counter()).values
    assert out["id"] == "1234567890" and out["Order ID"] == "ORD-2024-000123" and out["ticket_number"] == "5551234567"
    assert out["phone"] == "[PHONE]" and out["card"] == "[CARD]" and out["mobile"] == "[PHONE]"
    assert out["customer_id"] == "[PHONE]"  # a customer's number is personal, whatever it is called
    assert out["amount"] == 12.5 and out["nps"] == 9 and out["raw"] == "x" * 1500  # a column named raw is data
    assert out["comment"] == "order 123456789 came; call [PHONE]"


def test_numeric_ids_survive_the_cli(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("ticket_id,comment,phone\n100000000001,slow delivery,07700 900123\n100000000002,great staff,"
                   "+44 7700 900124\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert CliRunner().invoke(cli, ["analyze", str(src), "-o", str(out), "--redact", "--no-model"]).exit_code == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["100000000001", "100000000002"]
    assert [r["fields"]["phone"] for r in records] == ["[PHONE]", "[PHONE]"]
