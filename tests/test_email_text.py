"""Help-desk tickets that came by e-mail: the thread a reply quotes is not the customer's comment.

Ticket bodies below are written for these tests in the formats mail programs produce (Gmail's and
Apple Mail's reply header, Outlook's header block and separator, Zendesk's reply marker, phones'
sign-offs); the markers are the programs', the words are the project's.
"""

import csv
import json

import pytest
from click.testing import CliRunner

from feedback.cli.main import cli
from feedback.email_text import QUOTED_LINES, REPLY_HEADER, SEPARATOR, SIGN_OFF, own_words

from .conftest import themes_of

GMAIL = ("Thanks, the replacement arrived and works.\n\n"
         "On Mon, Jan 8, 2024 at 10:02 AM Acme Support <help@acme.example> wrote:\n"
         "> We are sorry your order arrived broken and that the refund is delayed.\n"
         "> Our agent will call you back.")
OUTLOOK = ("Still no refund after three weeks.\n\nFrom: Acme Support <help@acme.example>\n"
           "Sent: 08 January 2024 10:02\nTo: Jo\nSubject: RE: order 1234\n\nWe apologise for the delay.")
ORIGINAL = "Still broken.\n\n-----Original Message-----\nFrom: Help Desk\nWe fixed your issue quickly, great!"
ZENDESK = "Second time asking, the login still fails.\n##- Please type your reply above this line -##\nAgent: we are on it"
SIGNED = "Great service, thank you!\n\n-- \nJo Bloggs\nAccount manager"
PHONE = "Love the new app\n\nSent from my iPhone"
QUOTED = "That did not help at all.\n\n> Have you tried restarting the router?\n>\n> Kind regards, Support"


@pytest.mark.parametrize("text,kept,kind", [
    (GMAIL, "Thanks, the replacement arrived and works.", REPLY_HEADER),
    (OUTLOOK, "Still no refund after three weeks.", SEPARATOR),
    (ORIGINAL, "Still broken.", SEPARATOR),
    (ZENDESK, "Second time asking, the login still fails.", SEPARATOR),
    (SIGNED, "Great service, thank you!", SIGN_OFF),
    (PHONE, "Love the new app", SIGN_OFF),
    (QUOTED, "That did not help at all.", QUOTED_LINES),
    # Le 8 janv. 2024 à 10:02, ... a écrit : (Apple Mail in French)
    ("Merci, c'est réglé.\n\nLe 8 janv. 2024 à 10:02, Acme <help@acme.example> a écrit :\n> Bonjour", "Merci, c'est réglé.",
     REPLY_HEADER),
])
def test_the_customers_words_are_kept_and_the_thread_left_out(text, kept, kind):
    assert own_words(text) == (kept, kind)


@pytest.mark.parametrize("text", [
    # The customer's own letter, quoted in their complaint, is theirs (no time, no address).
    "On Monday I wrote:\nDear Sir, my payment of March was never applied.",
    "On 01/02/2023, I wrote to them and they never answered.",
    # A bare "--" parting pros and cons; a single quoted line; quoted lines the customer answers below.
    "Pros: fast delivery\n--\nCons: pricey",
    "You said:\n> it will be fixed\nIt was not.",
    "Bad.\n> a\n> b\nmy own words after the quote",
    # Nothing before the marker: kept whole rather than lost.
    "On Mon, Jan 8, 2024 at 10:02 AM Acme <help@acme.example> wrote:\n> Your order shipped.",
    "One line wrote: nothing more",
])
def test_text_without_a_thread_of_someone_else_is_kept_whole(text):
    assert own_words(text) == (text, None)


def test_a_ticket_with_a_quoted_reply_is_read_as_the_customer_wrote_it(tmp_path):
    path = tmp_path / "tickets.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ticket_id", "description"])
        for i, text in enumerate([GMAIL, OUTLOOK, "The agent was rude and hung up on me."], 1):
            writer.writerow([i, text])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(path), "-o", str(out), "--no-model", "--redact"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # The agent's apology for a late refund and a call back were the thread's, not the customer's.
    assert records[0]["text"] == "Thanks, the replacement arrived and works."
    assert records[0]["sentiment"]["label"] == "positive"
    assert not {"price", "speed", "channels"} & themes_of(records[0])
    assert [p["code"] for p in records[0]["problems"]] == ["quoted_text_removed"]
    assert "help@acme.example" not in records[0]["problems"][0]["message"]  # no address echoed
    assert records[1]["text"] == "Still no refund after three weeks." and "price" in themes_of(records[1])
    assert records[2]["problems"] == [] and records[2]["text"] == "The agent was rude and hung up on me."
