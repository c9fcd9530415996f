"""The pure mapping from report receivers to contact-history rows."""

from __future__ import annotations

from datetime import datetime

from cleverreach.history.events import ContactIndex, Mailing, history_rows
from cleverreach.history.service import window_start

MAILING = Mailing("501", "Oktober", "Neues", finished=1_700_000_600, group_ids=("1",),
                  links={"1": "https://a.example", "2": "https://b.example"})
CONTACTS = ContactIndex([(1, "anna@example.org"), (2, "ANNA@example.org"), (3, "neu@example.org")])


def receiver(rid, email, ext_id="", events=()):
    return {"id": rid, "email": email, "global_attributes": {"ext_id": ext_id}, "events": list(events)}


def test_contacts_by_ext_id_then_email_else_unmatched():
    batch = history_rows("t", MAILING, "sent", [
        receiver("r1", "x@example.org", "3"),  # ext_id wins over the address
        receiver("r2", "Anna@Example.org"),  # by e-mail: the lowest contact id
        receiver("r3", "stranger@example.org", "999"),  # an ext_id of nobody here, unknown address
    ], CONTACTS)
    assert [(r.contact_person_id, r.external_key) for r in batch.rows] == [(3, "501/r1/mail_sent"), (1, "501/r2/mail_sent")]
    assert batch.unmatched == 1
    assert batch.rows[0].occurred_at == datetime(2023, 11, 14, 22, 23, 20)  # no event: the mailing's finish


def test_clicks_one_row_per_link_with_the_first_click_time():
    events = [{"type": "mail_click", "type_id": "2", "mailing_id": "501", "stamp": 1_700_000_900},
              {"type": "mail_click", "type_id": "1", "mailing_id": "501", "stamp": 1_700_000_800},
              {"type": "mail_click", "type_id": "1", "mailing_id": "501", "stamp": 1_700_000_700},
              {"type": "mail_click", "type_id": "1", "mailing_id": "999", "stamp": 1_700_000_100}]
    batch = history_rows("t", MAILING, "clicked", [receiver("r1", "anna@example.org", "1", events)], CONTACTS)
    assert [(r.external_key, r.detail, r.occurred_at) for r in batch.rows] == [
        ("501/r1/mail_clicked/1", "Oktober (mailing 501): https://a.example", datetime(2023, 11, 14, 22, 25, 0)),
        ("501/r1/mail_clicked/2", "Oktober (mailing 501): https://b.example", datetime(2023, 11, 14, 22, 28, 20)),
    ]
    truncated = history_rows("t", MAILING, "clicked", [receiver("r1", "anna@example.org", "1")], CONTACTS)
    assert [r.external_key for r in truncated.rows] == ["501/r1/mail_clicked/-"]


def test_member_states_follow_the_receivers_current_state():
    bounced = {"bounced": 1_700_000_000}
    old_address = history_rows("t", MAILING, "bounced", [{**receiver("r1", "alt@example.org", "3"), **bounced}], CONTACTS)
    current = history_rows("t", MAILING, "bounced", [{**receiver("r2", "neu@example.org", "3"), **bounced}], CONTACTS)
    unsubscribed = history_rows("t", MAILING, "unsubscribed",
                                [{**receiver("r1", "alt@example.org", "3"), "deactivated": 1_700_000_000}], CONTACTS)
    resubscribed = history_rows("t", MAILING, "unsubscribed", [receiver("r1", "alt@example.org", "3")], CONTACTS)
    assert old_address.consent == [] and len(old_address.rows) == 1  # still history, not a member state
    assert current.consent == [(3, "bounced")]
    assert unsubscribed.consent == [(3, "unsubscribed")]  # an unsubscribe holds for the person
    assert resubscribed.consent == [] and len(resubscribed.rows) == 1  # active again (a form): history only


def test_window_start():
    assert window_start(None, None, 14) == 0
    assert window_start(1_000_000_000, None, 14) == 1_000_000_000 - 14 * 86400
    from datetime import date

    assert window_start(1_000_000_000, date(2026, 1, 1), 14) == 1767225600
