"""Vendor exports recognised by their columns, and what each one's columns mean.

A vendor is recognised when enough of its documented column names are in the file (`SOURCES`,
`detect_source`); `--source NAME` names one instead (or a user's preset: `io.presets`). A
recognised vendor's picks (its text columns, id and scores) are used where the options name none; detection by name and content
(`feedback.columns`) does the rest. Survey exports with extra header rows (Qualtrics,
SurveyMonkey) are set aside by `io.layouts`, which `--source` can force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from ..scores import column_key


@dataclass(frozen=True)
class Source:
    """One vendor's export: the column names that identify it and what its columns hold.

    name (str): The `--source` name.
    title (str): For messages.
    signature (frozenset[str]): Normalised column names of its exports (`scores.column_key`;
        a nested JSON field by its dotted path normalised: `satisfaction_rating_score`).
    min_match (int): How many of them make a file this vendor's.
    text (tuple[tuple[str, ...], ...]): Text columns, each as alternatives, in the order they
        are joined (a title before the body); a missing one is left out.
    id (tuple[str, ...]): The id column's names, first present wins.
    scores (dict[str, tuple[str, ...]]): Kind -> the column's names.
    layout (str | None): The header layout `io.layouts` forces with `--source` (Qualtrics,
        SurveyMonkey).
    """

    name: str
    title: str
    signature: frozenset[str]
    min_match: int
    text: tuple[tuple[str, ...], ...] = ()
    id: tuple[str, ...] = ()
    scores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    layout: str | None = None

    def columns_for(self, columns: Sequence[str]) -> dict[str, Any]:
        """This vendor's picks among `columns`: "text_columns", "id_column", "scores"."""
        by_name = {column_key(c): c for c in reversed(columns)}

        def first(names: tuple[str, ...]) -> str | None:
            return next((by_name[n] for n in names if n in by_name), None)

        texts = tuple(c for c in (first(names) for names in self.text) if c is not None)
        picks: dict[str, Any] = {}
        if texts:
            picks["text_columns"] = texts
        ident = first(self.id)
        if ident is not None:
            picks["id_column"] = ident
        scores = {kind: column for kind, names in self.scores.items() if (column := first(names)) is not None}
        if scores:
            picks["scores"] = scores
        return picks


def _names(*names: str) -> frozenset[str]:
    return frozenset(names)


SOURCES: dict[str, Source] = {source.name: source for source in (
    Source("qualtrics", "Qualtrics", _names("response_id", "start_date", "end_date", "recorded_date", "ip_address",
                                            "distribution_channel", "user_language", "finished", "progress"), 4,
           id=("response_id",), layout="Qualtrics"),
    Source("surveymonkey", "SurveyMonkey", _names("respondent_id", "collector_id", "start_date", "end_date",
                                                  "ip_address", "email_address", "first_name", "last_name"), 4,
           id=("respondent_id",), layout="SurveyMonkey"),
    Source("typeform", "Typeform", _names("network_id", "start_date_utc", "submit_date_utc", "stage_date_utc",
                                          "tags", "ending"), 2),
    Source("google-forms", "Google Forms", _names("timestamp", "email_address", "score"), 99),  # by --source only
    Source("medallia", "Medallia", _names("survey_id", "response_date", "likelihood_to_recommend", "ltr", "osat",
                                          "overall_satisfaction", "survey_type", "invitation_date", "unit_id",
                                          "ltr_comment", "osat_comment"), 3,
           text=(("comments", "ltr_comment", "osat_comment", "comment", "reason_for_score"),), id=("survey_id",),
           scores={"nps": ("likelihood_to_recommend", "ltr")}),
    Source("zendesk", "Zendesk", _names("url", "external_id", "subject", "raw_subject", "description", "priority",
                                        "status", "requester_id", "submitter_id", "assignee_id", "via",
                                        "satisfaction_rating", "satisfaction_rating_score", "has_incidents",
                                        "brand_id", "ticket_form_id", "group_id", "ticket_id",
                                        # the admin CSV export: no description, a Satisfaction Score
                                        "requester", "requester_email", "requester_domain", "submitter",
                                        "ticket_type", "solved_at", "satisfaction_score", "reopens", "replies",
                                        "first_reply_time_in_minutes", "full_resolution_time_in_minutes"), 5,
           text=(("description",),), id=("id",),
           # `score` is the satisfaction_ratings endpoint's good/bad (rows of ratings, not tickets).
           scores={"csat": ("satisfaction_rating_score", "satisfaction_score", "score")}),
    Source("freshdesk", "Freshdesk", _names("description_text", "requester_id", "responder_id", "fr_escalated",
                                            "is_escalated", "fr_due_by", "due_by", "cc_emails", "ticket_id",
                                            "agent", "group", "created_time", "resolved_time", "first_response_time_in_hrs",
                                            "resolution_time_in_hrs", "agent_interactions", "customer_interactions",
                                            "survey_results"), 4,
           text=(("description_text", "description"),), id=("id", "ticket_id"),
           scores={"ttr": ("resolution_time_in_hrs",)}),
    Source("intercom", "Intercom", _names("source_body", "conversation_rating", "conversation_rating_rating",
                                          "admin_assignee_id", "team_assignee_id", "waiting_since", "snoozed_until",
                                          "contacts", "teammates", "sla_applied", "statistics"), 4,
           text=(("source_body",),), id=("id",), scores={"rating": ("conversation_rating_rating",)}),
    Source("google-play", "Google Play", _names("package_name", "app_version_code", "app_version_name",
                                                "reviewer_language", "device", "review_submit_date_and_time",
                                                "review_submit_millis_since_epoch", "star_rating", "review_title",
                                                "review_text", "developer_reply_text", "review_link"), 5,
           text=(("review_title",), ("review_text",)), scores={"rating": ("star_rating",)}),
    Source("app-store", "App Store Connect", _names("rating", "title", "body", "reviewer_nickname", "created_date",
                                                    "territory"), 4,
           text=(("title",), ("body",)), id=("id",), scores={"rating": ("rating",)}),
    Source("delighted", "Delighted", _names("permalink", "survey_type", "person_properties", "additional_answers",
                                            "delighted_source", "person", "person_id", "response_timestamp"), 2,
           text=(("comment",),), id=("id", "response_id"), scores={"nps": ("score",)}),
    Source("hotjar", "Hotjar", _names("number", "date_submitted", "country", "source_url", "device", "browser", "os",
                                      "hotjar_user_id", "emotion_1_5", "screenshot_url"), 5,
           text=(("message",),), id=("number",), scores={"rating": ("emotion_1_5", "emotion")}),
    Source("trustpilot", "Trustpilot", _names("review_created_utc", "review_id", "review_consumer_user_id",
                                              "review_title", "review_content", "review_stars", "source_of_review",
                                              "review_language", "domain_url", "webshop_name", "business_unit_id",
                                              "company_reply_date_utc", "reply_content", "review_date", "stars"), 4,
           text=(("review_title", "title"), ("review_content", "content", "review_text")), id=("review_id",),
           scores={"rating": ("review_stars", "stars")}),
)}


def detect_source(columns: Sequence[str]) -> Source | None:
    """The vendor whose columns these are, if enough of its names are there.

    columns (Sequence[str]): The table's columns (JSON: with dotted paths).
    RETURNS (Source | None): The best match, None when no vendor reaches its `min_match`.
    """
    names = {column_key(c) for c in columns}
    best: tuple[int, Source] | None = None
    for source in SOURCES.values():
        n = len(names & source.signature)
        if n >= source.min_match and (best is None or n > best[0]):
            best = (n, source)
    return None if best is None else best[1]

