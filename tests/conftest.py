import json
from pathlib import Path

import pytest

from feedback import Analyzer, AnalysisOptions
from feedback.language import make_nlp
from feedback.sentiment import SentimentScorer

DATA = Path(__file__).parent / "data"
SCHEMAS = Path(__file__).parent.parent / "feedback" / "schemas"


@pytest.fixture(scope="session")
def analyzer():
    """Taxonomy rules plus the shipped cx-default model (opt-in: the default is the rules alone)."""
    return Analyzer.from_options(AnalysisOptions(model="default"))


@pytest.fixture(scope="session")
def rules_analyzer():
    """Taxonomy rules and VADER only: what the rule tests exercise."""
    return Analyzer.from_options(AnalysisOptions(model=None))


@pytest.fixture(scope="session")
def nlp():
    return make_nlp()


@pytest.fixture(scope="session")
def scorer():
    return SentimentScorer()


@pytest.fixture(scope="session")
def record_validator():
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMAS / "record.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture(scope="session")
def error_validator():
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMAS / "error.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture
def analyze_one(rules_analyzer):
    """Analyse one comment with the rules alone and return its record (dict)."""
    from feedback import analyze

    def run(text):
        return next(analyze([text], analyzer=rules_analyzer))

    return run


@pytest.fixture
def model_analyze_one(analyzer):
    """Analyse one comment with rules + the shipped model."""
    from feedback import analyze

    def run(text):
        return next(analyze([text], analyzer=analyzer))

    return run


def themes_of(record, parent_only=True):
    key = "parent" if parent_only else "theme"
    return {t[key] for t in record["themes"]}


def mention(record, parent):
    found = [t for t in record["themes"] if t["parent"] == parent]
    assert found, f"no {parent} mention in {[t['theme'] for t in record['themes']]}"
    return found[0]
