"""Which column names each row: the respondent's, ticket's or review's own id, never the id of a
customer, a product or a device network that the row only mentions."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from .json_values import value_at
from .scores import column_key

# Normalised names of a respondent's, ticket's or review's own id, in order of preference.
ID_COLUMN_NAMES = ("id", "response_id", "responseid", "respondent_id", "respondentid")
# The ids of what a row of feedback is: a review, a ticket, a conversation, a comment. Preferred
# over any other *_id column (Amazon's `review_id` over `customer_id` and `product_id`).
ROW_ENTITY_IDS = ("review_id", "reviewid", "ticket_id", "conversation_id", "feedback_id", "comment_id",
                  "submission_id", "survey_response_id", "response_number", "case_id", "message_id")
# *_id columns that name something else than the row: a device network (Typeform), the survey
# link (SurveyMonkey), a list or a distribution; and what a review or ticket is about (a
# product, an app, a store). Never a row's id: several rows share one.
NOT_ROW_IDS = frozenset({"network_id", "collector_id", "distribution_id", "list_id", "survey_id", "panel_id",
                         "contact_list_id", "form_id", "channel_id", "language_id", "country_id",
                         "product_id", "product_parent_id", "item_id", "sku_id", "variant_id", "app_id",
                         "store_id", "shop_id", "location_id", "brand_id", "group_id", "organization_id",
                         "company_id", "business_unit_id", "ticket_form_id", "category_id", "campaign_id",
                         "session_id"})
# *_id columns of a person the row is from or about (Amazon's `customer_id`, Hotjar's `User ID`,
# a ticket's `requester_id`): one person may write many rows, so these name rows only when
# nothing else does and their first values do not repeat.
PERSON_IDS = frozenset({"customer_id", "user_id", "person_id", "requester_id", "submitter_id", "assignee_id",
                        "responder_id", "agent_id", "reviewer_id", "author_id", "contact_id", "visitor_id",
                        "account_id", "member_id", "client_id", "hotjar_user_id", "review_consumer_user_id",
                        "profile_id", "admin_assignee_id", "team_assignee_id"})


# A long number a spreadsheet rewrote in scientific notation when it saved the file ("5.70306E+17"
# for a tweet's 18-digit id): the digits past the mantissa are gone, so many rows share each value.
_SHORTENED_NUMBER = re.compile(r"[+-]?\d(?:[.,]\d+)?[eE]\+?\d+")
# A float past 2**53 cannot hold every integer: an id read as one has lost digits too.
_EXACT_FLOAT_LIMIT = 2.0 ** 53


def find_id_column(columns: list[str], *, sample: Sequence[Mapping[str, Any]] = ()) -> str | None:
    """A column named id or *_id; None means records are numbered by row."""
    return pick_id_column(columns, sample=sample)[0]


def pick_id_column(columns: list[str], *, labels: Mapping[str, str] | None = None,
                   sample: Sequence[Mapping[str, Any]] = ()) -> tuple[str | None, str]:
    """The column holding each row's id, and why it was picked.

    `id`, then the names of ID_COLUMN_NAMES (`ResponseId`, `Respondent ID`), or the labels
    (Qualtrics' legacy `V1` is labelled `ResponseID`), then Typeform's `#`, then the id of what
    the row is (ROW_ENTITY_IDS: `review_id`, `ticket_id`), then the first other *_id column
    that is not an id of something else (NOT_ROW_IDS: a `Network ID` is the respondent's
    device network, a `product_id` what a review is about), a person's id last (PERSON_IDS).
    Among several *_id columns, one whose sampled values repeat less is preferred: `App id`
    names the app, `Review id` the row. A column of long numbers a spreadsheet shortened
    ("5.70306E+17") is passed over whatever its name: its values no longer tell rows apart.

    RETURNS (tuple[str | None, str]): The column (None: rows are numbered) and the reason.
    """
    shortened = [c for c in columns if _may_name_rows(c, labels) and _shortened(c, sample)]
    if shortened:
        picked, why = pick_id_column([c for c in columns if c not in shortened], labels=labels, sample=sample)
        said = (f"{_names(shortened)} {'holds' if len(shortened) == 1 else 'hold'} long numbers a spreadsheet "
                f"shortened ({_example(shortened[0], sample)!r}: digits lost, so rows would share ids)")
        return picked, f"{why}; passed over {said}" if picked is not None else f"none: {said}, so rows are numbered"
    by_name = {column_key(c): c for c in reversed(columns)}
    for name in ID_COLUMN_NAMES:
        if name in by_name:
            return by_name[name], "by name"
    labels = labels or {}
    by_label = {column_key(labels[c]): c for c in reversed(columns) if c in labels}
    for name in ID_COLUMN_NAMES:
        if name in by_label:
            return by_label[name], f"by its label {labels[by_label[name]]!r}"
    if "#" in (c.strip() for c in columns):
        return next(c for c in columns if c.strip() == "#"), "by name (Typeform's response number)"
    for name in ROW_ENTITY_IDS:
        if name in by_name and not _repeats(by_name[name], sample):
            return by_name[name], "by name"
    candidates = [c for c in columns if column_key(c).endswith("_id") and column_key(c) not in NOT_ROW_IDS]
    people = [c for c in candidates if column_key(c) in PERSON_IDS]
    for others in ([c for c in candidates if c not in people], people):
        if others:
            return _least_repeating(others, sample)
    return None, ""


def _least_repeating(others: list[str], sample: Sequence[Mapping[str, Any]]) -> tuple[str | None, str]:
    repeating = [c for c in others if _repeats(c, sample)]
    if repeating and len(repeating) == len(others):
        # A product's or an app's id (`Clothing ID`: 21 values in 50 reviews), not the row's:
        # records named by it could not be told apart (nor a duplicate's first row).
        n = len(_filled(repeating[0], sample))
        return None, (f"none: {_names(repeating)} repeat{'s' if len(repeating) == 1 else ''} "
                      f"({len(set(map(str, _filled(repeating[0], sample))))} values in the first {n} rows), so rows are numbered")
    others = [c for c in others if c not in repeating]
    if len(others) > 1 and sample:
        distinct = {c: len({str(v) for v in _filled(c, sample)}) for c in others}
        best = max(others, key=lambda c: distinct[c])  # the first of the most distinct
        if distinct[best] > distinct[others[0]]:
            return best, f"by name, and its values repeat less than those of {_names([others[0]])}"
    return others[0], "by name"


def _repeats(column: str, sample: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a column's sampled values repeat too often to name rows: fewer distinct values
    than half of 10 or more. (A review id over sentences of reviews repeats a little and still
    names them; a product id over its reviews repeats a lot.)"""
    values = [str(v) for v in _filled(column, sample)]
    return len(values) >= 10 and len(set(values)) * 2 < len(values)


def _may_name_rows(column: str, labels: Mapping[str, str] | None) -> bool:
    keys = {column_key(column), column_key((labels or {}).get(column, ""))}
    return column.strip() == "#" or any(k in ID_COLUMN_NAMES or k.endswith("_id") for k in keys)


def _shortened(column: str, sample: Sequence[Mapping[str, Any]]) -> bool:
    """Whether most sampled values of a column are long numbers that lost digits when a
    spreadsheet saved them ("5.70306E+17"), which can no longer tell rows apart."""
    values = _filled(column, sample)
    lost = sum(1 for v in values if (isinstance(v, str) and _SHORTENED_NUMBER.fullmatch(v.strip()) is not None)
               or (isinstance(v, float) and abs(v) >= _EXACT_FLOAT_LIMIT))
    return bool(values) and lost * 2 > len(values)


def _example(column: str, sample: Sequence[Mapping[str, Any]]) -> str:
    return str(_filled(column, sample)[0]).strip()


def _filled(column: str, sample: Sequence[Mapping[str, Any]]) -> list[Any]:
    values = (value_at(row, column) for row in sample)
    return [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]


def _names(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns)
