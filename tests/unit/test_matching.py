"""The matching engine (rules.matching): each model's decision, its conservative refusals,
and properties that must hold for any input (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.names import iban_key, name_key, name_lookup_keys, same_name
from rules.loader import load
from rules.matching import Candidates, OpenInvoice, Payer, Payment, decide, subset_sum
from rules.schema import DiscountTerm, Matching

CFG = load(None).matching
DUE = dt.date(2026, 12, 1)
ISSUED = dt.date(2026, 11, 1)
D = Decimal
PAYER = Payer(("C1",), "sender address")


def inv(i: int, amount: str, currency: str = "EUR", cid: str = "C1") -> OpenInvoice:
    return OpenInvoice(i, f"INV-{i}", cid, currency, D(amount), DUE, ISSUED, D(amount))


def pay(amount: str, currency: str = "EUR", date: dt.date | None = None) -> Payment:
    return Payment(D(amount), currency, date)


def by_ref(amount: str, *invs: OpenInvoice, cfg: Matching = CFG) -> object:
    return decide(pay(amount), Candidates(list(invs), [], Payer(), None), cfg)


def test_reference_exact_partial_and_several() -> None:
    """A named invoice takes its open amount, or part of it; one transfer pays several."""
    d = by_ref("119.00", inv(1, "119.00"))
    assert (d.review, d.rule, [a.amount for a in d.allocations]) == (
        None,
        "reference.exact",
        [D("119.00")],
    )
    d = by_ref("50.00", inv(1, "119.00"))
    assert (d.review, d.rule, d.allocations[0].amount) == (None, "reference.partial", D("50.00"))
    d = by_ref("300.00", inv(1, "100.00"), inv(2, "200.00"))
    assert d.review is None
    assert [a.amount for a in d.allocations] == [D("100.00"), D("200.00")]


def test_fee_shortfall_within_tolerance_is_written_off() -> None:
    """1,190.00 open, 1,189.50 arrives (a bank fee): paid, 0.50 written off; 5.00 short is
    outside the default tolerance (1.00 / 0.5%) and stays a part payment."""
    d = by_ref("1189.50", inv(1, "1190.00"))
    assert d.rule == "reference.tolerance"
    assert d.allocations[0].write_off == D("0.50")
    assert by_ref("1185.00", inv(1, "1190.00")).rule == "reference.partial"
    leave = CFG.model_copy(
        update={"tolerance": CFG.tolerance.model_copy(update={"shortfall": "leave_open"})}
    )
    assert by_ref("1189.50", inv(1, "1190.00"), cfg=leave).allocations[0].write_off == 0
    d = by_ref("299.50", inv(1, "100.00"), inv(2, "200.00"))
    assert d.rule == "reference.several_tolerance"
    assert [(a.amount, a.write_off) for a in d.allocations] == [
        (D("100.00"), 0),
        (D("199.50"), D("0.50")),
    ]


def test_early_payment_discount() -> None:
    """2% within 10 days: 980.00 on a 1,000.00 invoice paid on day 5 closes it; on day 20 not."""
    cfg = CFG.model_copy(update={"discounts": (DiscountTerm(percent=D("2"), within_days=10),)})
    d = decide(pay("980.00", date=ISSUED + dt.timedelta(days=5)),
               Candidates([inv(1, "1000.00")], [], Payer(), None), cfg)  # fmt: skip
    assert d.rule == "reference.discount"
    assert d.allocations[0].discount == D("20.00")
    late = decide(pay("980.00", date=ISSUED + dt.timedelta(days=20)),
                  Candidates([inv(1, "1000.00")], [], Payer(), None), cfg)  # fmt: skip
    assert late.rule == "reference.partial"


def test_overpayment_becomes_credit_or_refund() -> None:
    """150.00 for 100.00 open: 100.00 applied, 50.00 kept as the customer's credit."""
    d = by_ref("150.00", inv(1, "100.00"))
    assert d.review is None
    assert d.allocations[0].amount == D("100.00")
    assert (d.credit, d.credit_customer, d.refund) == (D("50.00"), "C1", False)
    assert by_ref(
        "150.00", inv(1, "100.00"), cfg=CFG.model_copy(update={"overpayment": "refund"})
    ).refund


def test_payment_for_a_settled_invoice_is_credit_never_spread() -> None:
    """Naming only paid invoices: the money is the customer's credit (or review), never
    put on its other open invoices."""
    closed = inv(9, "0.00")
    d = decide(pay("100.00"), Candidates([], [closed], PAYER, [inv(1, "100.00")]), CFG)
    assert d.allocations == ()
    assert d.credit == D("100.00")
    assert d.review is None
    strict = CFG.model_copy(update={"already_paid": "review"})
    assert decide(pay("100.00"), Candidates([], [closed], PAYER, None), strict).review


def test_what_goes_to_review() -> None:
    """Currency mismatch, unknown or ambiguous payer, twins, nothing fitting, several
    invoices paid short: review, never a pick."""
    assert by_ref("100.00", inv(1, "100.00", "USD")).review  # paid in EUR, invoice in USD
    assert decide(pay("100.00"), Candidates(), CFG).review  # no reference, no payer
    two = Payer(("C1", "C2"), "name")
    assert "any of" in (decide(pay("100.00"), Candidates([], [], two, None), CFG).review or "")
    twins = decide(
        pay("100.00"), Candidates([], [], PAYER, [inv(1, "100.00"), inv(2, "100.00")]), CFG
    )
    assert twins.review
    assert twins.rule == "payer.twins"
    assert decide(pay("77.00"), Candidates([], [], PAYER, [inv(1, "100.00")]), CFG).review
    short = by_ref("150.00", inv(1, "100.00"), inv(2, "200.00"))
    assert short.review
    assert [a.amount for a in short.allocations] == [D("100.00"), D("50.00")]
    owners = by_ref("300.00", inv(1, "100.00"), inv(2, "200.00", cid="C2"))
    assert owners.review


def test_payer_amount_and_combination() -> None:
    """No reference: the payer's only invoice of that amount; else a unique combination."""
    pool = [inv(1, "100.00"), inv(2, "250.00"), inv(3, "40.00"), inv(4, "75.50")]
    d = decide(pay("250.00"), Candidates([], [], PAYER, pool), CFG)
    assert (d.review, d.rule, d.allocations[0].number) == (None, "payer.amount", "INV-2")
    d = decide(pay("175.50"), Candidates([], [], PAYER, pool), CFG)
    assert d.review is None
    assert d.rule == "payer.combination"
    assert sorted(a.number for a in d.allocations) == ["INV-1", "INV-4"]
    # 140.00 = 100 + 40, and nothing else: unique; 290.00 = 250 + 40 = ... also unique
    assert decide(pay("140.00"), Candidates([], [], PAYER, pool), CFG).rule == "payer.combination"
    amb = [inv(1, "10.00"), inv(2, "20.00"), inv(3, "30.00")]  # 30 = 30 alone or 10 + 20
    d = decide(pay("30.00"), Candidates([], [], PAYER, amb), CFG)
    assert d.rule == "payer.amount"  # a single invoice of exactly the amount outranks combinations


def test_below_threshold_goes_to_review_with_a_proposal() -> None:
    """A payer's invoice within the fee tolerance is proposed at 0.85, under the 0.90
    auto-apply threshold: review, with the proposal kept for `review accept`."""
    d = decide(pay("99.50"), Candidates([], [], PAYER, [inv(1, "100.00"), inv(2, "300.00")]), CFG)
    assert d.review
    assert "below the auto-apply threshold" in d.review
    assert d.allocations[0].number == "INV-1"


def test_subset_sum_is_bounded_and_stops_at_two_answers() -> None:
    """30 invoices: the search finishes inside its step bound; twins give two answers."""
    pool = [inv(i, f"{100 + 7 * i}.{i:02d}") for i in range(1, 31)]
    target = pool[2].open_amount + pool[11].open_amount + pool[25].open_amount
    r = subset_sum(target, pool, 5, 200_000)
    assert not r.exhausted
    assert len(r.found) >= 1
    for combo in r.found:  # every answer adds up, with 2 to 5 invoices
        assert sum(i.open_amount for i in combo) == target
        assert 2 <= len(combo) <= 5
    # powers of two: every subset has its own sum, so exactly one answer exists
    distinct = [inv(i, str(Decimal(2**i) / 100)) for i in range(1, 31)]
    unique = distinct[2].open_amount + distinct[11].open_amount + distinct[25].open_amount
    only = subset_sum(unique, distinct, 5, 200_000)
    assert [sorted(i.number for i in f) for f in only.found] == [["INV-12", "INV-26", "INV-3"]]
    twins = [inv(1, "50.00"), inv(2, "50.00"), inv(3, "25.00")]
    assert len(subset_sum(D("75.00"), twins, 5, 200_000).found) == 2
    assert subset_sum(D("1.00"), pool, 5, 1_000).exhausted is False
    tight = subset_sum(unique, distinct, 5, 10)
    assert tight.exhausted
    assert tight.steps == 11


def test_payer_names_and_ibans() -> None:
    """'ACME WIDGETS LTD' is 'Acme Widgets Limited'; cut names and branch suffixes still
    find the customer; IBANs are validated and compacted."""
    assert name_key("Acme Widgets Limited") == name_key("ACME WIDGETS LTD.") == "ACME WIDGETS"
    assert name_key("Müller & Söhne GmbH") == "MULLER AND SOHNE"
    assert same_name("ACME WIDGETS INTERNATI", "Acme Widgets International GmbH")
    assert not same_name("ACME", "Acme Widgets")
    assert "ACME WIDGETS" in name_lookup_keys("ACME WIDGETS LTD LONDON BRANCH")
    assert iban_key("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert iban_key("DE89 3704 0044 0532 0130 01") is None


# -- properties -------------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=500_000)


def _pool(amounts: list[int], cid: str = "C1") -> list[OpenInvoice]:
    return [OpenInvoice(i + 1, f"INV-{i + 1}", cid, "EUR", Decimal(c) / 100, DUE, ISSUED,
                        Decimal(c) / 100) for i, c in enumerate(amounts)]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(amount=cents, named=st.lists(cents, min_size=0, max_size=4),
       pool=st.lists(cents, min_size=0, max_size=12), known=st.booleans())  # fmt: skip
def test_money_is_conserved_and_nothing_overpaid(amount: int, named: list[int], pool: list[int],
                                                 known: bool) -> None:  # fmt: skip
    """For any payment and candidates: applied + credit never exceeds the payment, applied
    money equals the payment when nothing goes to review or credit, no invoice is closed
    beyond its open amount, and every allocated invoice is one of the candidates."""
    refs = _pool(named)
    others = _pool(pool)
    payer = PAYER if known else Payer()
    d = decide(Payment(Decimal(amount) / 100, "EUR"),
               Candidates(refs, [], payer, None if refs or not known else others), CFG)  # fmt: skip
    total = Decimal(amount) / 100
    assert d.applied + d.credit <= total
    if d.review is None:
        assert d.applied + d.credit == total
    allowed = {i.id: i for i in (refs or others)}
    for a in d.allocations:
        assert a.invoice_id in allowed
        assert a.amount > 0
        assert a.amount + a.write_off + a.discount <= allowed[a.invoice_id].open_amount
    if not refs and not known:
        assert d.review is not None
        assert d.allocations == ()


@settings(max_examples=200, deadline=None)
@given(amounts=st.lists(cents, min_size=1, max_size=10), pick=st.data())
def test_decisions_do_not_depend_on_candidate_order(
    amounts: list[int], pick: st.DataObject
) -> None:
    """The payer's open invoices in any order give the same decision."""
    pool = _pool(amounts)
    target = pick.draw(st.sampled_from([*amounts, sum(amounts[:2])]))
    shuffled = pick.draw(st.permutations(pool))
    p = Payment(Decimal(target) / 100, "EUR")
    a = decide(p, Candidates([], [], PAYER, pool), CFG)
    b = decide(p, Candidates([], [], PAYER, list(shuffled)), CFG)
    assert (a.rule, a.review is None, sorted(x.invoice_id for x in a.allocations)) == (
        b.rule,
        b.review is None,
        sorted(x.invoice_id for x in b.allocations),
    )
