"""The pure mapping from report receivers to contact-history rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cleverreach.enums import HistoryKind, MemberState
from cleverreach.history.events import Consent, ContactIndex, Mailing, history_key, history_rows, keep_earliest, unique_rows
from cleverreach.history.service import window_start
from cleverreach.history.store import params_for_consent

MAILING = Mailing("501", "Oktober", "Neues", finished=1_700_000_600, group_ids=("1",),
                  links={"1": "https://a.example", "2": "https://b.example"})
CONTACTS = ContactIndex([(1, "anna@example.org"), (2, "ANNA@example.org"), (3, "neu@example.org")])


def receiver(rid, email, ext_id="", events=(), group_id="1", **fields):
    return {"id": rid, "email": email, "group_id": group_id, "global_attributes": {"ext_id": ext_id},
            "events": list(events), **fields}


def test_contacts_by_ext_id_then_email_else_unmatched():
    batch = history_rows("t", MAILING, "sent", [
        receiver("r1", "x@example.org", "3"),  # ext_id wins over the address
        receiver("r2", "Anna@Example.org"),  # by e-mail: the lowest contact id
        receiver("r3", "stranger@example.org", "999"),  # an ext_id of nobody here, unknown address
    ], CONTACTS)
    assert [(r.contact_person_id, r.external_key) for r in batch.rows] == [("3", "501/c3/mail_sent"), ("1", "501/c1/mail_sent")]
    assert batch.unmatched == 1
    assert batch.rows[0].occurred_at == datetime(2023, 11, 14, 22, 23, 20, tzinfo=UTC)  # no event: the mailing's finish


def test_keys_name_the_contact_not_the_receiver():
    """A receiver deleted and added again gets a new id; the row stays the same row."""
    before = history_rows("t", MAILING, "opened", [receiver("r1", "neu@example.org")], CONTACTS)
    after = history_rows("t", MAILING, "opened", [receiver("r9", "neu@example.org")], CONTACTS)
    assert before.rows == after.rows
    assert history_key("501", 3, HistoryKind.MAIL_CLICKED, "2") == "501/c3/mail_clicked/2"


def test_clicks_are_read_per_link_with_the_first_click_time_on_that_link():
    events = [{"type": "mail_click", "type_id": "2", "mailing_id": "501", "stamp": 1_700_000_900},
              {"type": "mail_click", "type_id": "1", "mailing_id": "501", "stamp": 1_700_000_800},
              {"type": "mail_click", "type_id": "1", "mailing_id": "501", "stamp": 1_700_000_700},
              {"type": "mail_click", "type_id": "1", "mailing_id": "999", "stamp": 1_700_000_100}]
    clicker = receiver("r1", "anna@example.org", "1", events)
    link1 = history_rows("t", MAILING, "clicked", [clicker], CONTACTS, link_id="1")
    link2 = history_rows("t", MAILING, "clicked", [clicker], CONTACTS, link_id="2")
    assert [(r.external_key, r.detail, r.occurred_at) for r in link1.rows + link2.rows] == [
        ("501/c1/mail_clicked/1", "Oktober (mailing 501): https://a.example", datetime(2023, 11, 14, 22, 25, 0, tzinfo=UTC)),
        ("501/c1/mail_clicked/2", "Oktober (mailing 501): https://b.example", datetime(2023, 11, 14, 22, 28, 20, tzinfo=UTC)),
    ]
    truncated = history_rows("t", MAILING, "clicked", [receiver("r1", "anna@example.org", "1")], CONTACTS, link_id="2")
    assert [(r.external_key, r.occurred_at) for r in truncated.rows] == [
        ("501/c1/mail_clicked/2", datetime(2023, 11, 14, 22, 23, 20, tzinfo=UTC))]  # events truncated away: the finish time
    with pytest.raises(ValueError, match="per link"):
        history_rows("t", MAILING, "clicked", [clicker], CONTACTS)


def test_one_row_per_contact_and_link_the_earliest_winning():
    early = {"type": "mail_open", "mailing_id": "501", "stamp": 1_700_000_700}
    late = {"type": "mail_open", "mailing_id": "501", "stamp": 1_700_000_900}
    batch = history_rows("t", MAILING, "opened", [receiver("r1", "neu@example.org", events=[late], group_id="1"),
                                                  receiver("r2", "neu@example.org", events=[early], group_id="2")],
                         CONTACTS)
    rows = unique_rows(batch.rows)
    assert [(r.external_key, r.occurred_at) for r in rows] == [("501/c3/mail_opened", datetime(2023, 11, 14, 22, 25, tzinfo=UTC))]
    best: dict = {}  # page by page: the two receivers on two pages, the later event first
    for page in ([receiver("r1", "neu@example.org", events=[late])], [receiver("r2", "neu@example.org", events=[early])],
                 [receiver("r3", "neu@example.org", events=[late])]):
        keep_earliest(best, history_rows("t", MAILING, "opened", page, CONTACTS).rows)
    assert list(best.values()) == rows


def unsubscribe_event(group):
    return {"type": "user_unsubscribe", "mailing_id": "501", "stamp": 1_700_000_800, "groups_id": group}


def test_an_unsubscribe_names_its_group_a_bounce_does_not():
    by_event = history_rows("t", MAILING, "unsubscribed",
                            [receiver("r1", "neu@example.org", events=[unsubscribe_event("2")], group_id="1")], CONTACTS)
    by_receiver = history_rows("t", MAILING, "unsubscribed",
                               [receiver("r1", "neu@example.org", group_id="1", deactivated=1_700_000_800)], CONTACTS)
    bounced = history_rows("t", MAILING, "bounced", [receiver("r1", "neu@example.org", bounced=1_700_000_800)],
                           CONTACTS)
    assert by_event.consent == [Consent("3", "unsubscribed", "2")]
    assert by_receiver.consent == [Consent("3", "unsubscribed", "1")]
    assert bounced.consent == [Consent("3", "bounced", None)]
    tenant_lists = {"1": "10", "2": "20", "3": "30"}
    # an unsubscribe marks only its group's list; a bounce every list the mailing went to
    assert params_for_consent(by_event.consent + bounced.consent, ["10", "20"], tenant_lists) == [
        ("3", MemberState.BOUNCED, "10"), ("3", MemberState.BOUNCED, "20"), ("3", MemberState.UNSUBSCRIBED, "20")]
    assert params_for_consent([Consent("3", "unsubscribed", "99")], ["10"], tenant_lists) == []  # not an imported list


def test_member_states_follow_the_receivers_current_state():
    bounced = {"bounced": 1_700_000_000}
    old_address = history_rows("t", MAILING, "bounced", [receiver("r1", "alt@example.org", "3", **bounced)], CONTACTS)
    current = history_rows("t", MAILING, "bounced", [receiver("r2", "neu@example.org", "3", **bounced)], CONTACTS)
    unsubscribed = history_rows("t", MAILING, "unsubscribed",
                                [receiver("r1", "alt@example.org", "3", deactivated=1_700_000_000)], CONTACTS)
    resubscribed = history_rows("t", MAILING, "unsubscribed",
                                [receiver("r1", "alt@example.org", "3", events=[unsubscribe_event("1")])], CONTACTS)
    assert old_address.consent == [] and len(old_address.rows) == 1  # still history, not a member state
    assert current.consent == [Consent("3", "bounced", None)]
    assert unsubscribed.consent == [Consent("3", "unsubscribed", "1")]  # an unsubscribe holds for the person
    assert resubscribed.consent == [] and len(resubscribed.rows) == 1  # active again (a form): history only


def test_window_start():
    assert window_start(None, None, 14) == 0
    assert window_start(1_000_000_000, None, 14) == 1_000_000_000 - 14 * 86400
    assert window_start(1_000_000_000, date(2026, 1, 1), 14) == 1767225600


# ---------------------------------------------------------------------- keys of any kind (issue 17)
UUID_A = "8f14e45f-ceea-467f-a0e6-7b1a1b2e9d10"


@pytest.mark.parametrize("contact", [41, "41", 5_000_000_001])
def test_the_external_key_of_an_integer_contact_is_the_same_as_before_keys_were_text(contact):
    """Rows written before keys became text were keyed ``c<int>``: reruns over them must add nothing."""
    assert history_key("501", contact, HistoryKind.MAIL_SENT) == f"501/c{int(contact)}/mail_sent"
    assert history_key("501", contact, HistoryKind.MAIL_CLICKED, "7") == f"501/c{int(contact)}/mail_clicked/7"


@pytest.mark.parametrize("contact", [UUID_A, "A-17", "0042"])
def test_text_keys_match_by_ext_id_as_text_and_name_the_external_key(contact):
    contacts = ContactIndex([(contact, "anna@example.org"), ("42", "other@example.org")])
    batch = history_rows("t", MAILING, "sent", [
        receiver("r1", "x@example.org", contact),  # the ext_id the sync wrote: the key's text
        receiver("r2", "y@example.org", "42"),  # "0042" is not 42: text keys are compared as text
        receiver("r3", "Anna@Example.org"),  # by e-mail
    ], contacts)
    assert [(r.contact_person_id, r.external_key) for r in batch.rows] == [
        (contact, f"501/c{contact}/mail_sent"), ("42", "501/c42/mail_sent"), (contact, f"501/c{contact}/mail_sent")]
    assert len(unique_rows(batch.rows)) == 2


def test_a_shared_address_goes_to_the_lowest_number_then_to_text():
    contacts = ContactIndex([(10, "a@example.org"), (9, "a@example.org"), ("B-1", "b@example.org"), ("A-2", "b@example.org"),
                             ("X", "c@example.org"), (100, "c@example.org")])
    batch = history_rows("t", MAILING, "sent", [receiver(f"r{n}", f"{n}@example.org") for n in "abc"], contacts)
    assert [r.contact_person_id for r in batch.rows] == ["9", "A-2", "100"]


def test_idn_report_receiver_matches_its_contact_in_either_spelling():
    """The history once compared lower-cased spellings: a receiver CleverReach reports in punycode did not
    match the contact whose address the CRM holds in Unicode (and the other way round)."""
    contacts = ContactIndex([(1, "Jürgen@Bücher.example"), (2, "anna@xn--strae-oqa.de")])
    batch = history_rows("t", MAILING, "sent", [
        receiver("r1", "jürgen@xn--bcher-kva.example"), receiver("r2", "Anna@Straße.de")], contacts)
    assert [r.contact_person_id for r in batch.rows] == ["1", "2"] and batch.unmatched == 0
