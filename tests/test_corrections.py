"""A person's corrections: read with coded errors, applied by analyze and report as ground truth."""

import json

import pytest
from click.testing import CliRunner

from feedback import AnalysisOptions, Analyzer
from feedback.cli.main import cli
from feedback.corrections import read_corrections
from feedback.errors import InputError
from feedback.io.labelled import read_labelled
from feedback.records import Comment

# Real clothing reviews (Women's Clothing E-Commerce Reviews, CC0).
REVIEWS = [
    ("r1", "Absolutely wonderful - silky and sexy and comfortable"),
    ("r2", "I love, love, love this jumpsuit. it's fun, flirty, and fabulous! every time i wear it, i get "
           "nothing but great compliments!"),
    ("r3", "This shirt is very flattering to all due to the adjustable front tie. it is the perfect length to "
           "wear with leggings and it is sleeveless so it pairs well with any cardigan. love this shirt!!!"),
    ("r4", "I ordered this in carbon for store pick up, and had a ton of stuff (as always) to try on and used "
           "this top to pair (skirts and pants). everything went with it. the color is really nice charcoal "
           "with shimmer, and went well with pencil skirts, flare pants, etc. my only complaint is it is a bit "
           "big, sleeves are long and it doesn't go in petite."),
]


@pytest.fixture
def corrections_csv(tmp_path):
    path = tmp_path / "corrections.csv"
    path.write_text("id,themes,sentiment\n"
                    "r1,Fit:positive; quality:pos,\n"
                    "r2,,negative\n"
                    "r4,none,neutral\n"
                    "r3,,\n", encoding="utf-8")
    return path


def test_read_corrections_csv_and_jsonl(corrections_csv, tmp_path):
    found = read_corrections(str(corrections_csv))
    assert set(found) == {"r1", "r2", "r4"}  # r3's row corrects nothing
    assert found["r1"].themes == {"fit": "positive", "quality": "positive"} and found["r1"].sentiment is None
    assert found["r2"].themes is None and found["r2"].sentiment == "negative"
    assert found["r4"].themes == {} and found["r4"].sentiment == "neutral"
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text('{"id": 7, "themes": ["price"]}\n\n{"id": "8", "sentiment": "positive"}\n', encoding="utf-8")
    found = read_corrections(str(jsonl))
    assert found["7"].themes == {"price": None} and found["8"].sentiment == "positive"


@pytest.mark.parametrize("name, content, code, line", [
    ("a.csv", "id,themes\nr1,price:awful\n", "E221", "line 2"),
    ("b.csv", "id,themes\n,price\n", "E036", "line 2"),
    ("c.csv", "comment,themes\nr1,price\n", "E035", None),
    ("d.csv", "id,themes\nr1,price\nr2,!!!:negative\n", "E038", "line 3"),
    ("e.jsonl", '{"id": 1, "themes": {}}\n{"id": 2,\n', "E037", "line 2"),
    ("f.jsonl", '{"id": 1}\n{"themes": ["price"]}\n', "E036", "line 2"),
    ("g.jsonl", '{"id": 1, "themes": "price"}\n', "E037", "line 1"),
    ("h.txt", "id,themes\n", "E034", None),
])
def test_malformed_corrections_name_the_line(tmp_path, name, content, code, line):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_corrections(str(path))
    message = str(info.value)
    assert message.startswith(f"[{code}]") and "\n" not in message
    if line:
        assert line in message


def test_analysis_honours_corrections_on_every_run(corrections_csv, record_validator):
    analyzer = Analyzer.from_options(AnalysisOptions(model=None, corrections=str(corrections_csv)))
    comments = [Comment(i, n, n, text, {}, {}) for n, (i, text) in enumerate(REVIEWS, 1)]
    for _ in range(2):  # re-analysis keeps them: the analysis cache does not hold corrections
        records = {r.id: r for r in analyzer.pipe(comments)}
        r1, r2, r3, r4 = (records[i].to_dict() for i in ("r1", "r2", "r3", "r4"))
        assert [(m["theme"], m["label"], m["source"]) for m in r1["themes"]] == [
            ("fit", "positive", "person"), ("quality", "positive", "person")]
        assert r1["corrected"] == ["themes"] and "source" not in r1["sentiment"]
        assert r2["sentiment"] == {"compound": -0.5, "label": "negative", "source": "person"}
        assert r2["corrected"] == ["sentiment"]
        assert r4["themes"] == [] and r4["sentiment"]["label"] == "neutral"
        assert "corrected" not in r3
        for record in (r1, r2, r3, r4):
            record_validator.validate(record)


def test_cli_analyze_and_report_with_corrections(corrections_csv, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("id,comment,rating\n" + "".join(f'{i},"{t}",{5 - n % 2}\n' for n, (i, t) in enumerate(REVIEWS)),
                      encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "analyzed.jsonl"
    result = runner.invoke(cli, ["analyze", str(export), "-o", str(out), "--corrections", str(corrections_csv)])
    assert result.exit_code == 0, result.output
    assert "3 corrected by hand" in result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sum("corrected" in r for r in records) == 3

    plain = tmp_path / "plain.jsonl"
    assert runner.invoke(cli, ["analyze", str(export), "-o", str(plain)]).exit_code == 0
    result = runner.invoke(cli, ["report", str(plain), "--corrections", str(corrections_csv), "-o",
                                 str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "3 records corrected by hand" in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert any(t["theme"] == "fit" for t in report["themes"])  # a theme only the person gave

    bad = tmp_path / "bad.csv"
    bad.write_text("id,themes\nr1,price:terrible\n", encoding="utf-8")
    result = runner.invoke(cli, ["analyze", str(export), "-o", str(tmp_path / "x.jsonl"), "--corrections", str(bad)])
    assert result.exit_code == 1 and "E221" in result.output and "line 2" in result.output
    assert "Traceback" not in result.output


def test_corrections_with_text_train_as_labels(tmp_path):
    path = tmp_path / "corrections.csv"
    path.write_text("id,text,themes,sentiment\n" + "".join(
        f'{i},"{t}",quality:positive,positive\n' for i, t in REVIEWS), encoding="utf-8")
    items = read_labelled(str(path))
    assert [c.id for c in items] == ["r1", "r2", "r3", "r4"]
    assert all(c.themes == {"quality": "positive"} and c.sentiment == "positive" for c in items)
    assert set(read_corrections(str(path))) == {"r1", "r2", "r3", "r4"}
