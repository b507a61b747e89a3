"""Which open invoices a payment pays: a pure, ordered matching engine.

Like Odoo's reconciliation models, the models are tried in order and the first that
decides wins; everything it decides carries the rule's name, a confidence and the reason
in words. The rule that outranks every other: a payment is never applied to the wrong
invoice. Whatever is unclear comes back with `review` set (and perhaps a proposal), and
only decisions at or above `auto_apply_confidence` are applied without a human.

Order:
  1. reference — the payment names invoices (exact or tolerant references were resolved
     against the ledger before this runs): one invoice, several, some already settled;
     shortfalls within the tolerance, early-payment discounts, overpayments;
  2. payer + amount — no reference, a payer identified without doubt: a single open
     invoice of exactly that amount (or within the tolerance, at a lower confidence);
  3. payer + combination — a unique set of 2..N of the payer's open invoices whose open
     amounts add up to the payment (bounded subset sum);
  4. otherwise review: unknown payer, twins, currency mismatch, nothing fits.

Money here is Decimal in the payment's currency; amounts compared in minor units.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ledger.money import round_money
from rules.schema import Matching

ZERO = Decimal(0)


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    customer_id: str
    currency: str
    open_amount: Decimal
    due_date: dt.date
    issue_date: dt.date | None = None
    total: Decimal | None = None


@dataclass(frozen=True)
class Payment:
    amount: Decimal
    currency: str
    date: dt.date | None = None


@dataclass(frozen=True)
class Payer:
    """Who paid, as far as the ledger can tell. `customer_ids` holds every customer the
    evidence points to; only exactly one identifies the payer."""

    customer_ids: tuple[str, ...] = ()
    how: str = ""  # "sender address", "IBAN", "name", "name prefix"
    confidence: Decimal = Decimal(1)

    @property
    def known(self) -> str | None:
        return self.customer_ids[0] if len(self.customer_ids) == 1 else None


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    number: str
    amount: Decimal  # money applied
    write_off: Decimal = ZERO  # shortfall closed without money (tolerance)
    discount: Decimal = ZERO  # early-payment discount granted


@dataclass(frozen=True)
class Decision:
    allocations: tuple[Allocation, ...]
    rule: str
    confidence: Decimal
    reason: str
    review: str | None = None  # why a human must decide; allocations are then a proposal
    credit: Decimal = ZERO  # kept as credit of `credit_customer`
    credit_customer: str | None = None
    refund: bool = False  # the credit is to be refunded, not kept (rules: overpayment)

    @property
    def applied(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)


@dataclass(frozen=True)
class Candidates:
    referenced: list[OpenInvoice] = field(default_factory=list)  # open invoices it names
    closed: list[OpenInvoice] = field(default_factory=list)  # named, settled (open 0)
    payer: Payer = field(default_factory=Payer)
    payer_open: list[OpenInvoice] | None = None  # the known payer's open invoices


def _review(rule: str, why: str, proposal: tuple[Allocation, ...] = (),
            confidence: Decimal = ZERO) -> Decision:  # fmt: skip
    return Decision(proposal, rule, confidence, why, review=why)


def tolerance(open_amount: Decimal, currency: str, cfg: Matching) -> Decimal:
    """The largest shortfall on `open_amount` that still counts as paid (bank fees,
    rounding): the smaller of the absolute and the percentage limit."""
    pct = round_money(open_amount * cfg.tolerance.percent / 100, currency)
    return min(cfg.tolerance.absolute, pct)


def _discount(inv: OpenInvoice, pay: Payment, cfg: Matching) -> Decimal | None:
    """The early-payment discount this payment earns on `inv`, if its amount is exactly the
    discounted open amount and it was paid within the term."""
    if inv.issue_date is None or pay.date is None:
        return None
    for term in cfg.discounts:
        if pay.date > inv.issue_date + dt.timedelta(days=term.within_days):
            continue
        granted = round_money(inv.open_amount * term.percent / 100, inv.currency)
        if granted > 0 and pay.amount == inv.open_amount - granted:
            return granted
    return None


def decide(pay: Payment, cand: Candidates, cfg: Matching) -> Decision:
    """Decide what `pay` pays. Pure: the same inputs give the same decision."""
    decision = _decide(pay, cand, cfg)
    if decision.review is None and decision.confidence < cfg.auto_apply_confidence:
        why = (f"{decision.reason}; confidence {decision.confidence} is below the "
               f"auto-apply threshold {cfg.auto_apply_confidence}")  # fmt: skip
        return Decision(decision.allocations, decision.rule, decision.confidence, why,
                        review=why, credit=decision.credit,
                        credit_customer=decision.credit_customer)  # fmt: skip
    return decision


def _decide(pay: Payment, cand: Candidates, cfg: Matching) -> Decision:
    if pay.amount <= 0:
        return _review("none", f"amount {pay.amount} is not a payment")
    named = cand.referenced + cand.closed
    if named:
        wrong = [i.number for i in named if i.currency != pay.currency]
        if wrong:
            return _review("reference.currency", f"paid in {pay.currency}, but invoice(s) "
                           f"{', '.join(wrong)} are in another currency")  # fmt: skip
        owners = {i.customer_id for i in named}
        if len(owners) > 1:
            return _review("reference.owners", "the invoices it names belong to different "
                           f"customers ({', '.join(sorted(owners))})")  # fmt: skip
        if cand.referenced and cand.closed:
            return _review("reference.partly_settled",
                           f"names open {', '.join(i.number for i in cand.referenced)} and "
                           f"settled {', '.join(i.number for i in cand.closed)}")  # fmt: skip
        if cand.closed:
            return _already_paid(pay, cand.closed, cfg)
        if len(cand.referenced) == 1:
            return _one_referenced(pay, cand.referenced[0], cand.payer, cfg)
        return _several_referenced(pay, cand.referenced, cfg)
    payer = cand.payer
    if payer.known is None or cand.payer_open is None:
        if len(payer.customer_ids) > 1:
            return _review("payer.ambiguous", "no invoice reference, and the payer could be "
                           f"any of {', '.join(payer.customer_ids)}")  # fmt: skip
        return _review(
            "payer.unknown", "no invoice reference and the payer is not a known customer"
        )
    pool = [i for i in cand.payer_open if i.currency == pay.currency and i.open_amount > 0]
    if not pool:
        return _review("payer.nothing_open", f"customer {payer.known} has no open invoice in "
                       f"{pay.currency}")  # fmt: skip
    return _by_amount(pay, pool, payer, cfg)


def _already_paid(pay: Payment, closed: list[OpenInvoice], cfg: Matching) -> Decision:
    numbers = ", ".join(i.number for i in closed)
    why = f"names {numbers}, already settled"
    if cfg.already_paid == "review":
        return _review("reference.already_paid", why)
    owner = closed[0].customer_id
    return Decision((), "reference.already_paid", Decimal("0.95"),
                    f"{why}: {pay.amount} {pay.currency} kept as credit of {owner}",
                    credit=pay.amount, credit_customer=owner,
                    refund=cfg.overpayment == "refund")  # fmt: skip


def _one_referenced(pay: Payment, inv: OpenInvoice, payer: Payer, cfg: Matching) -> Decision:
    if pay.amount == inv.open_amount:
        return Decision((Allocation(inv.id, inv.number, pay.amount),), "reference.exact",
                        Decimal("0.99"), f"names {inv.number} and pays its open amount")  # fmt: skip
    if pay.amount > inv.open_amount:
        extra = pay.amount - inv.open_amount
        return Decision((Allocation(inv.id, inv.number, inv.open_amount),),
                        "reference.overpayment", Decimal("0.95"),
                        f"names {inv.number}, pays {extra} more than its {inv.open_amount} "
                        f"open: the rest is kept as credit of {inv.customer_id}",
                        credit=extra, credit_customer=inv.customer_id,
                        refund=cfg.overpayment == "refund")  # fmt: skip
    granted = _discount(inv, pay, cfg)
    if granted is not None:
        return Decision((Allocation(inv.id, inv.number, pay.amount, discount=granted),),
                        "reference.discount", Decimal("0.96"),
                        f"names {inv.number}, paid within the discount term: {granted} "
                        "early-payment discount")  # fmt: skip
    short = inv.open_amount - pay.amount
    if short <= tolerance(inv.open_amount, inv.currency, cfg):
        off = short if cfg.tolerance.shortfall == "write_off" else ZERO
        return Decision((Allocation(inv.id, inv.number, pay.amount, write_off=off),),
                        "reference.tolerance", Decimal("0.95"),
                        f"names {inv.number}, {short} short of its open amount (within the "
                        f"tolerance): {'written off' if off else 'left open'}")  # fmt: skip
    return Decision((Allocation(inv.id, inv.number, pay.amount),), "reference.partial",
                    Decimal("0.95"),
                    f"names {inv.number} and pays {pay.amount} of its {inv.open_amount} open")  # fmt: skip


def _several_referenced(pay: Payment, refs: list[OpenInvoice], cfg: Matching) -> Decision:
    total = sum((i.open_amount for i in refs), ZERO)
    numbers = ", ".join(i.number for i in refs)
    full = tuple(Allocation(i.id, i.number, i.open_amount) for i in refs)
    if pay.amount == total:
        return Decision(full, "reference.several", Decimal("0.98"),
                        f"names {numbers} and pays their open amounts together")  # fmt: skip
    if pay.amount > total:
        extra = pay.amount - total
        owner = refs[0].customer_id
        return Decision(full, "reference.several_overpayment", Decimal("0.94"),
                        f"names {numbers}, pays {extra} more than their {total} open: the rest "
                        f"is kept as credit of {owner}", credit=extra, credit_customer=owner,
                        refund=cfg.overpayment == "refund")  # fmt: skip
    short = total - pay.amount
    if short <= tolerance(total, pay.currency, cfg) and short < refs[-1].open_amount:
        # The shortfall (a bank fee on one transfer) goes on the last invoice named.
        off = short if cfg.tolerance.shortfall == "write_off" else ZERO
        last = refs[-1]
        allocs = (
            *full[:-1],
            Allocation(last.id, last.number, last.open_amount - short, write_off=off),
        )
        return Decision(allocs, "reference.several_tolerance", Decimal("0.94"),
                        f"names {numbers}, {short} short of their {total} open (within the "
                        f"tolerance): {'written off' if off else 'left open'} on {last.number}")  # fmt: skip
    # Less than the invoices named: which of them it pays is a guess; propose oldest first.
    proposal, left = [], pay.amount
    for inv in sorted(refs, key=lambda i: (i.due_date, i.number)):
        part = min(left, inv.open_amount)
        if part > 0:
            proposal.append(Allocation(inv.id, inv.number, part))
        left -= part
    return _review("reference.several_short",
                   f"{pay.amount} is less than the {total} open on {numbers}; "
                   "proposal: oldest due first", tuple(proposal), Decimal("0.6"))  # fmt: skip


def _by_amount(pay: Payment, pool: list[OpenInvoice], payer: Payer, cfg: Matching) -> Decision:
    who = f"payer {payer.known} (by {payer.how})"
    same = [i for i in pool if i.open_amount == pay.amount]
    if len(same) == 1:
        inv = same[0]
        return Decision((Allocation(inv.id, inv.number, pay.amount),), "payer.amount",
                        min(Decimal("0.93"), Decimal("0.93") * payer.confidence).quantize(Decimal("0.01")),
                        f"no reference; {who} has exactly one open invoice of {pay.amount}: "
                        f"{inv.number}")  # fmt: skip
    if len(same) > 1:
        return _review("payer.twins", f"no reference; {who} has {len(same)} open invoices of "
                       f"{pay.amount} ({', '.join(i.number for i in same)})")  # fmt: skip
    near = [
        i
        for i in pool
        if 0 < i.open_amount - pay.amount <= tolerance(i.open_amount, i.currency, cfg)
    ]
    combos = subset_sum(pay.amount, pool, cfg.combination.max_invoices, cfg.combination.max_steps)
    if len(near) == 1 and not combos.found:
        inv = near[0]
        short = inv.open_amount - pay.amount
        off = short if cfg.tolerance.shortfall == "write_off" else ZERO
        return Decision((Allocation(inv.id, inv.number, pay.amount, write_off=off),),
                        "payer.amount_tolerance", Decimal("0.85"),
                        f"no reference; {who}: {inv.number} is {short} more than the payment "
                        "(within the tolerance), the only such invoice")  # fmt: skip
    if combos.exhausted:
        return _review("payer.combination_search_bounded",
                       f"no reference; {who} has {len(pool)} open invoices and the search for a "
                       f"combination paying {pay.amount} stopped at its bound")  # fmt: skip
    if len(combos.found) == 1:
        picked = combos.found[0]
        allocs = tuple(Allocation(i.id, i.number, i.open_amount) for i in picked)
        return Decision(allocs, "payer.combination", Decimal("0.91"),
                        f"no reference; of {who}'s open invoices exactly one combination adds "
                        f"up to {pay.amount}: {', '.join(i.number for i in picked)}")  # fmt: skip
    if len(combos.found) > 1:
        return _review("payer.combination_ambiguous", f"no reference; several combinations of "
                       f"{who}'s open invoices add up to {pay.amount}")  # fmt: skip
    return _review("payer.no_fit", f"no reference; none of {who}'s open invoices, alone or "
                   f"together, comes to {pay.amount} {pay.currency}")  # fmt: skip


@dataclass(frozen=True)
class Combinations:
    found: tuple[tuple[OpenInvoice, ...], ...]  # at most two: one is an answer, two a doubt
    exhausted: bool  # the step bound was hit before the search finished
    steps: int


def subset_sum(amount: Decimal, pool: list[OpenInvoice], max_size: int,
               max_steps: int) -> Combinations:  # fmt: skip
    """Combinations of 2..max_size invoices whose open amounts add up to `amount` exactly.

    Depth-first over the amounts sorted high to low, pruned by the remaining sum and by
    what the smallest remaining amounts can still reach; stops at the second solution (no
    longer unique) or after `max_steps` nodes — deterministic, unlike a wall-clock limit.
    """
    cents = [(int(i.open_amount * 100), i) for i in pool if i.open_amount > 0]
    cents.sort(key=lambda c: (-c[0], c[1].number))
    values = [c for c, _ in cents]
    target = int(amount * 100)
    n = len(values)
    # suffix sums: the most the items from k on can contribute
    suffix = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        suffix[k] = suffix[k + 1] + values[k]
    found: list[tuple[OpenInvoice, ...]] = []
    steps = 0
    exhausted = False
    chosen: list[int] = []

    def walk(start: int, left: int) -> bool:  # True: stop everything
        nonlocal steps, exhausted
        for k in range(start, n):
            steps += 1
            if steps > max_steps:
                exhausted = True
                return True
            v = values[k]
            if v > left:
                continue
            if suffix[k] < left:  # even all the rest cannot reach it
                return False
            chosen.append(k)
            if v == left:
                if len(chosen) >= 2:
                    found.append(tuple(cents[j][1] for j in chosen))
                    if len(found) >= 2:
                        chosen.pop()
                        return True
            elif len(chosen) < max_size and walk(k + 1, left - v):
                chosen.pop()
                return True
            chosen.pop()
        return False

    walk(0, target)
    return Combinations(tuple(found), exhausted, steps)
