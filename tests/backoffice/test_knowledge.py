"""The shop's policy knowledge base: the shipped YAML loads, and answers are filled from its own numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from backoffice.config import ROOT
from backoffice.knowledge import KnowledgeBase, Rules, load_knowledge_base

SHIPPED = ROOT / "backoffice" / "kb" / "policies.yml"


@pytest.fixture
def kb() -> KnowledgeBase:
    return KnowledgeBase.load(SHIPPED)


def edited_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is no longer in the shipped file"
    path = tmp_path / "policies.yml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_shipped_file_loads_with_the_shop_and_its_rules(kb: KnowledgeBase) -> None:
    assert kb.shop.name == "Shopdesk Demo Gift Shop"
    assert kb.shop.support_email == "help@shopdesk.example"
    assert kb.shop.currency_symbol == "£"
    assert kb.rules == Rules(cancellable_statuses=["placed", "paid", "packed"], cancellation_fee_when_packed=2.5,
                             address_change_statuses=["placed", "paid", "packed"], return_window_days=30,
                             refund_processing_days=5)


def test_shipped_file_answers_the_expected_topics(kb: KnowledgeBase) -> None:
    assert kb.topics() == [
        "check_cancellation_fee", "check_payment_methods", "check_refund_policy", "contact_customer_service",
        "create_account", "delete_account", "delivery_options", "delivery_period", "edit_account",
        "newsletter_subscription", "payment_issue", "place_order", "recover_password", "registration_problems",
        "review", "set_up_shipping_address", "switch_account",
    ]


@pytest.mark.parametrize("topic", KnowledgeBase.load(SHIPPED).topics())
def test_every_topic_renders_as_one_clean_paragraph(kb: KnowledgeBase, topic: str) -> None:
    answer = kb.answer(topic)
    assert answer
    assert "{" not in answer and "}" not in answer
    assert "\n" not in answer and "  " not in answer and answer == answer.strip()


def test_placeholders_are_filled_from_shop_and_rules(kb: KnowledgeBase) -> None:
    assert kb.answer("check_cancellation_fee") == (
        "Cancelling is free while your order is being prepared. Once it is packed we charge a £2.50 handling fee, "
        "and once it has shipped it can no longer be cancelled: you can return it within 30 days of delivery "
        "instead."
    )
    assert kb.answer("contact_customer_service") == (
        "Our support team is available Monday to Friday, 9:00 to 17:30 (UK time), by e-mail at "
        "help@shopdesk.example or by phone on +44 20 7946 0000. I can also hand this conversation to a person "
        "right here."
    )


def test_changing_the_return_window_changes_the_answers_and_the_rules(tmp_path: Path) -> None:
    kb = KnowledgeBase.load(edited_copy(tmp_path, "return_window_days: 30", "return_window_days: 14"))
    assert kb.rules.return_window_days == 14
    assert kb.answer("check_refund_policy") == (
        "You can return items within 14 days of delivery for a full refund to the original payment method. "
        "Refunds are processed within 5 working days of the return reaching us. Orders that have not shipped yet "
        "can simply be cancelled."
    )
    assert "return it within 14 days of delivery" in (kb.answer("check_cancellation_fee") or "")


def test_changing_the_fee_and_currency_changes_the_answer(tmp_path: Path) -> None:
    path = edited_copy(tmp_path, "cancellation_fee_when_packed: 2.50", "cancellation_fee_when_packed: 3")
    path.write_text(path.read_text(encoding="utf-8").replace('currency_symbol: "£"', 'currency_symbol: "€"'),
                    encoding="utf-8")
    kb = KnowledgeBase.load(path)
    assert "we charge a €3.00 handling fee" in (kb.answer("check_cancellation_fee") or "")


def test_unknown_topic_has_no_answer(kb: KnowledgeBase) -> None:
    assert kb.answer("greet") is None
    assert kb.answer("") is None


def test_rules_default_when_the_file_leaves_them_out(tmp_path: Path) -> None:
    path = tmp_path / "minimal.yml"
    path.write_text("shop: {name: Tiny, support_email: a@b.c, support_phone: '1', support_hours: never}\n"
                    "answers:\n  hours: 'We are open {support_hours}; returns within {return_window_days} days.'\n",
                    encoding="utf-8")
    kb = KnowledgeBase.load(path)
    assert kb.rules == Rules()
    assert kb.answer("hours") == "We are open never; returns within 30 days."


@pytest.mark.parametrize(("old", "new", "field"), [
    ("return_window_days: 30", "return_window_days: thirty", "return_window_days"),
    ("cancellation_fee_when_packed: 2.50", "cancellation_fee_when_packed: [2.50]", "cancellation_fee_when_packed"),
    ("cancellable_statuses: [placed, paid, packed]", "cancellable_statuses: placed", "cancellable_statuses"),
    ("  name: Shopdesk Demo Gift Shop\n", "  name: [Shopdesk]\n", "name"),
])
def test_invalid_types_are_refused_when_loading(tmp_path: Path, old: str, new: str, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        KnowledgeBase.load(edited_copy(tmp_path, old, new))
    assert field in str(error.value)


def test_a_file_without_shop_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.yml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="shop"):
        KnowledgeBase.load(path)


def test_answers_must_be_text(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("shop: {name: T, support_email: a@b.c, support_phone: '1', support_hours: h}\n"
                    "answers:\n  review: [one, two]\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="answers.review"):
        KnowledgeBase.load(path)


def test_load_knowledge_base_is_cached_per_path(tmp_path: Path) -> None:
    copy = edited_copy(tmp_path, "return_window_days: 30", "return_window_days: 21")
    assert load_knowledge_base(SHIPPED) is load_knowledge_base(SHIPPED)
    assert load_knowledge_base(copy).rules.return_window_days == 21
    assert load_knowledge_base(SHIPPED).rules.return_window_days == 30


# -- canned replies for the console --------------------------------------------------------------------------------

def test_shipped_canned_replies_fill_in_the_customer_agent_and_shop(kb: KnowledgeBase) -> None:
    replies = {r.id: r for r in kb.canned(customer_first_name="Alice", agent_name="Sam", order_number="600004")}
    assert list(replies) == ["greeting", "looking_into_order", "refund_started", "return_instructions", "closing"]
    assert replies["greeting"].title == "Greeting"
    assert replies["greeting"].text == ("Hi Alice, this is Sam from Shopdesk Demo Gift Shop. "
                                        "I'm reading your conversation now.")
    assert "checking order 600004" in replies["looking_into_order"].text
    assert "within 5 working days" in replies["refund_started"].text
    assert "within 30 days of delivery" in replies["return_instructions"].text
    assert all("{" not in r.text and "}" not in r.text for r in replies.values())


def test_canned_replies_leave_unknown_values_empty_and_do_not_change_the_templates(kb: KnowledgeBase) -> None:
    filled = kb.canned()
    assert filled[0].text.startswith("Hi , this is  from Shopdesk Demo Gift Shop.")
    assert "{customer_first_name}" in kb.canned_replies[0].text  # the stored template is untouched


def test_a_customer_name_with_braces_is_inserted_as_it_is(kb: KnowledgeBase) -> None:
    greeting = kb.canned(customer_first_name="{agent_name}", agent_name="Sam")[0]
    assert greeting.text.startswith("Hi {agent_name}, this is Sam")


def test_canned_replies_follow_the_rules_in_the_file(tmp_path: Path) -> None:
    kb = KnowledgeBase.load(edited_copy(tmp_path, "return_window_days: 30", "return_window_days: 14"))
    replies = {r.id: r.text for r in kb.canned()}
    assert "within 14 days of delivery" in replies["return_instructions"]


def test_a_canned_reply_with_an_unknown_placeholder_is_refused_when_loading(tmp_path: Path) -> None:
    path = edited_copy(tmp_path, "this is {agent_name} from", "this is {agent_nickname} from")
    with pytest.raises(ValidationError, match="greeting"):
        KnowledgeBase.load(path)
