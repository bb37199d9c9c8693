"""Discovery reads an analysed file with a decoder of the few fields it needs (`AnalyzedFile`):
every line, whatever its shape, must give the comment that reading it as `open_table` does and
reducing that dict (`to_corpus_doc`) gives, or the same error."""

import gzip
import json

import pytest

from feedback.discover import AnalyzedFile, CorpusDoc, to_corpus_doc
from feedback.errors import InputError
from feedback.io import open_table
from feedback.json_values import MAX_JSON_DEPTH
from feedback.records import SourceRow

# Women's Clothing E-Commerce Reviews (CC0), as `feedback analyze` writes them, and shapes a
# person or another tool may give a record.
_REVIEWS = [
    "Love this dress! it's sooo pretty. i happened to find it in a store, and i'm glad i did.",
    "I had such high hopes for this dress and really wanted it to work for me. The zipper broke.",
    "This shirt is very flattering to all due to the adjustable front tie. Perfect length to wear "
    "with leggings and it is sleeveless so it pairs well with any cardigan. Love this shirt!!!",
    "Pretty and unique — the embroidery is lovely, the fabric soft; sizing runs small… 😍",
]


def _record(i: int, text: str, **overrides: object) -> dict:
    record = {
        "schema_version": "1.4", "id": f"R{i}", "row": i, "text": text, "language": "en", "skipped": None,
        "sentiment": {"compound": 0.5 - i / 10, "label": "positive"},
        "sentences": [{"text": text, "start": 0, "end": len(str(text)), "compound": 0.1}],
        "themes": [{"theme": "quality/fabric", "parent": "quality", "sentiment": 0.6, "evidence": "fabric",
                    "source": "rules"},
                   {"theme": "fit/size", "parent": "fit", "sentiment": -0.2, "source": "model"}],
        "scores": {"rating": 4, "nps": 9.5}, "fields": {}, "problems": [],
    }
    record.update(overrides)
    return record


def _lines() -> list[bytes]:
    plain = [_record(i, text) for i, text in enumerate(_REVIEWS, 1)]
    odd = [
        _record(10, _REVIEWS[0], themes=None, sentiment=None, scores=None),
        _record(11, _REVIEWS[1], themes=[{"theme": "value/price"}, {"parent": None, "theme": None}, {}],
                sentiment={}),
        _record(12, _REVIEWS[2], themes=[{"theme": "a"}, "not a mention", None, 3]),  # the dict path's filter
        _record(13, _REVIEWS[3], themes={"quality": 1}, sentiment=[], scores={"a": True, "b": "7", "c": 2}),
        _record(14, _REVIEWS[0], id=12345678901234567890123, row=7.9),
        _record(15, _REVIEWS[1], id=None, row=None),
        _record(16, 42, skipped=False),
        _record(17, "", themes=[]),
        _record(18, _REVIEWS[2], skipped="other_language"),
        _record(19, _REVIEWS[3], error=None),
        {"id": "R20", "type": "review", "attributes": {"text": _REVIEWS[0], "row": 20, "themes": [],
                                                     "sentiment": {"compound": 0.3}}},
        {"id": "R21", "attributes": "not an object", "text": _REVIEWS[1], "row": 21},
        _record(22, _REVIEWS[2], fields={"deep": json.loads("[" * (MAX_JSON_DEPTH + 2) + "]" * (MAX_JSON_DEPTH + 2))}),
        _record(23, "[brackets] {braces} " * 30),
    ]
    lines = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in plain + odd]
    lines += [
        json.dumps(_record(30, "escaped \u00e9 \u2028 text \ud83d\ude0d"), ensure_ascii=True).encode(),
        b"", b"   ", "\u3000".encode("utf-8"),  # blank, and blank to str.strip only
        b"not json", b"[1, 2]", b"null", b'{"id": "R31", "text": "Truncated',
        json.dumps(_record(32, _REVIEWS[1])).encode()[:-1] + b', "sentiment": {"compound": NaN}}',
        json.dumps(_record(34, "caf\u00e9 cr\u00e8me")).encode("utf-8").replace("\u00e9".encode(), b"\xe9"),  # cp1252 byte
        json.dumps(_record(35, _REVIEWS[3])).encode().replace(b'"row"', b'"row"\x00'),  # a NUL
        json.dumps(_record(36, _REVIEWS[0])).encode() + b"\r" + json.dumps(_record(37, _REVIEWS[1])).encode(),
        json.dumps(_record(38, _REVIEWS[2])).encode() + b"\r",
        b'{"id": "R39", "row": 39, "id": "R39b", "text": "' + _REVIEWS[0].encode() + b'", "themes": []}',
    ]
    return lines


def _as_open_table_reads(path: str, encoding: str | None = None) -> list[CorpusDoc]:
    docs = (to_corpus_doc(row.values) for row in open_table(path, fmt="jsonl", encoding=encoding).rows
            if isinstance(row, SourceRow))
    return [doc for doc in docs if doc is not None]


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
def test_analysed_file_reads_every_line_as_open_table_does(tmp_path, ending):
    path = tmp_path / "analysed.jsonl"
    path.write_bytes(ending.join(_lines()))  # no line end after the last line
    docs = list(AnalyzedFile(str(path)))
    assert docs == _as_open_table_reads(str(path))
    ids = [doc.id for doc in docs]
    # What the shapes give: the JSON:API item read from its attributes, a repeated key's last
    # value, two records on a line split by a lone CR; a record nested too deep is an error row.
    assert {"R1", "R20", "R23", "R36", "R37", "R39b"} <= set(ids) and not {"R39", "R22"} & set(ids)
    assert docs[0].themes == {"quality", "fit"} and docs[0].rule_themes == {"quality"}
    assert docs[0].scores == {"rating": 4.0, "nps": 9.5}


def test_analysed_file_in_other_encodings_and_compressed(tmp_path):
    text = [_record(i, review) for i, review in enumerate(_REVIEWS[:3], 1)]
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in text) + "\n"
    for name, data, encoding in [
        ("bom.jsonl", b"\xef\xbb\xbf" + lines.encode("utf-8"), None),
        ("utf16.jsonl", lines.encode("utf-16"), None),
        ("latin.jsonl", lines.replace("\u2014", "-").replace("\u2026", "...").encode("cp1252"), "cp1252"),
        ("given.jsonl", lines.encode("utf-8"), "UTF-8"),
        ("packed.jsonl.gz", gzip.compress(lines.encode("utf-8")), None),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        docs = list(AnalyzedFile(str(path), encoding=encoding))
        assert [d.id for d in docs] == ["R1", "R2", "R3"], name
        assert docs == _as_open_table_reads(str(path), encoding), name


def test_analysed_file_gives_the_dict_path_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    for bad in ({"sentiment": {"compound": "high"}}, {"row": "first"}, {"scores": ["x"]},
                {"sentiment": {"compound": {"a": 1}}}, {"row": float("inf")}):
        # json.dumps writes infinity as Infinity, json.loads reads it (msgspec does not); 1e400 is too big for both.
        line = json.dumps(_record(1, _REVIEWS[0], **bad)).replace("Infinity", "1e400")
        path.write_text(line + "\n", encoding="utf-8")
        with pytest.raises(InputError) as fast:
            list(AnalyzedFile(str(path)))
        with pytest.raises(InputError) as slow:
            _as_open_table_reads(str(path))
        assert str(fast.value) == str(slow.value) and "[E403] Record 'R1'" in str(fast.value)
