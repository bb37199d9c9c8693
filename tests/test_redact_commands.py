"""Every command that reads raw comments can mask PII (`--redact`), and no shipped model holds
an identifier the redactor would mask (issue 12, "Redaction")."""

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.io.labelled import read_labelled
from feedback.redact import redact_text

from .test_discover import PLANTED_PREFIX, write_planted

ROOT = Path(__file__).resolve().parents[1]
SECRET = re.compile(r"member\d+@example\.com|07700 9\d{5}|4111 1111 1111 1111")


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def planted_with_pii(tmp_path_factory):
    """The planted loyalty export, each planted comment ending with an email and a phone number."""
    path = tmp_path_factory.mktemp("redact") / "planted.csv"
    write_planted(path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows):
        if row["response_id"].startswith(PLANTED_PREFIX):
            row["comment"] += f" Points query: member{n}@example.com or 07700 9{n % 100000:05d}."
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _outputs(tmp_path: Path, result) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir() if p.suffix in (".toml", ".json")) + result.output


@pytest.mark.parametrize("analysed_first", [False, True], ids=["raw", "analysed"])
def test_discover_redact_keeps_pii_out_of_candidates(planted_with_pii, tmp_path, analysed_first):
    source = planted_with_pii
    if analysed_first:  # analysed without --redact: discovery masks what it reads
        source = tmp_path / "analysed.jsonl"
        assert _invoke("analyze", planted_with_pii, "--no-model", "-o", source).exit_code == 0
        assert SECRET.search(source.read_text(encoding="utf-8"))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = _invoke("discover", source, "--redact", "--seed", 0, "--examples", 20,
                     "-o", out_dir / "candidates.toml", "--json", out_dir / "report.json")
    assert result.exit_code == 0, result.output
    written = _outputs(out_dir, result)
    assert "[EMAIL]" in written  # the examples are there, masked
    assert not SECRET.search(written)
    # The tokens are not words: "[EMAIL]" on every planted comment does not make "email" a term.
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    loyalty = next(c for c in report["candidates"] if "points" in c["terms"])
    assert not {"email", "phone"} & ({t for t, _ in loyalty["top_terms"]} | set(loyalty["terms"]))


def test_train_redact_reads_masked_texts(tmp_path):
    src = tmp_path / "labelled.jsonl"
    src.write_text(json.dumps({"id": "a@example.com", "text": "call me on 07700 900123 or mail a@example.com",
                               "themes": {"channels": "neutral"}}) + "\n", encoding="utf-8")
    masked = read_labelled(str(src), redact=True)[0]
    assert (masked.id, masked.text) == ("[EMAIL]", "call me on [PHONE] or mail [EMAIL]")
    assert read_labelled(str(src))[0].text.endswith("a@example.com")


def test_train_redact_leaves_no_identifier_in_the_vocabulary(tmp_path):
    lines = (ROOT / "training" / "cx_train_a.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    extra = [json.dumps({"id": f"P{n}", "text": f"please call me back on 07700 9{n:05d} or at member{n}@example.com",
                         "themes": {"channels": "neutral"}, "sentiment": "neutral"}) for n in range(40)]
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(lines + extra) + "\n", encoding="utf-8")
    out = tmp_path / "model"
    result = _invoke("train", small, "-o", out, "--redact")
    assert result.exit_code == 0, result.output
    model = (out / "model.json").read_text(encoding="utf-8")
    assert not SECRET.search(model) and "07700" not in model and "example.com" not in model
    assert "--redact" in json.loads(model)["card"]["command"]


def _digit_runs(entry: str) -> list[str]:
    return re.findall(r"\d{5,}", entry)


@pytest.mark.parametrize("model_dir", sorted(p.parent for p in (ROOT / "models").glob("*/model.json")),
                         ids=lambda p: p.name)
def test_shipped_models_hold_no_identifier(model_dir):
    """No vocabulary entry is something the redactor masks, or a piece of one (a run of five or
    more digits: what is left of a phone or card number split into words)."""
    model = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    found = []
    for key in ("vocabulary", "char_vocabulary"):
        for entry in model.get(key) or []:
            counts: Counter = Counter()
            if redact_text(entry, counts) != entry or counts or _digit_runs(entry) or "@" in entry:
                found.append(f"{key}: {entry!r}")
    assert not found, found
