"""Rules files and config: defaults valid, errors that name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon import config
from ledger.errors import ConfigError
from rules.loader import RulesError, load

ROOT = Path(__file__).resolve().parents[2]


def test_builtin_rules_are_valid() -> None:
    """The built-in defaults load and carry the first/second/final ladder."""
    r = load(None)
    assert [(s.name, s.days_after_due) for s in r.dunning.ladder] == [
        ("first", 3),
        ("second", 14),
        ("final", 30),
    ]
    assert r.dunning.promise_grace_days == 2


def test_user_rules_merge_over_defaults(tmp_path: Path) -> None:
    """A file that sets one key keeps every other default."""
    f = tmp_path / "rules.yaml"
    f.write_text("dunning:\n  promise_grace_days: 5\n")
    r = load(f)
    assert r.dunning.promise_grace_days == 5
    assert len(r.dunning.ladder) == 3


def test_errors_name_file_line_and_key(tmp_path: Path) -> None:
    """A wrong type and an unknown key are both reported with their line."""
    f = tmp_path / "rules.yaml"
    f.write_text("dunning:\n  ladder:\n    - name: first\n      days_after_due: soon\n"
                 "      template: t\n  grace: 3\n")  # fmt: skip
    with pytest.raises(RulesError) as err:
        load(f)
    assert f"{f}:4: dunning.ladder.0.days_after_due" in err.value.problems[0]
    assert any(p.startswith(f"{f}:6: dunning.grace") for p in err.value.problems)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    """Broken YAML is reported at its line."""
    f = tmp_path / "rules.yaml"
    f.write_text("dunning:\n  ladder: [\n  oops: :\n")
    with pytest.raises(RulesError, match=rf"{f}:\d+"):
        load(f)


def test_bad_regex_in_phrases_is_refused(tmp_path: Path) -> None:
    """A phrase entry with an invalid regular expression is an error, not a crash later."""
    f = tmp_path / "rules.yaml"
    f.write_text("classification:\n  intents:\n    dispute: ['re:(unclosed']\n")
    with pytest.raises(RulesError, match="bad regular expression"):
        load(f)


def test_ladder_out_of_order_is_refused(tmp_path: Path) -> None:
    """Ladder steps must come in order of their day offsets."""
    f = tmp_path / "rules.yaml"
    f.write_text("dunning:\n  ladder:\n    - {name: a, days_after_due: 10, template: x}\n"
                 "    - {name: b, days_after_due: 3, template: y}\n")  # fmt: skip
    with pytest.raises(RulesError, match="in order"):
        load(f)


def test_example_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """config.example.yaml is valid and its relative paths resolve next to it."""
    monkeypatch.delenv("ARCLERK_CONFIG", raising=False)
    cfg = config.load(str(ROOT / "config.example.yaml"))
    assert cfg.mail.inbox.maildir == ROOT / "mail" / "inbox"
    assert cfg.database.url == f"sqlite:///{ROOT / 'arclerk.db'}"
    assert cfg.mail.authserv_id


def test_example_rules_load_with_what_they_say() -> None:
    """examples/rules.yaml is valid and merged over the defaults as documented."""
    import datetime as dt
    from decimal import Decimal

    r = load(ROOT / "examples" / "rules.yaml")
    assert r.dunning.calendar.business_days
    assert r.dunning.send_window is not None
    assert r.dunning.send_window.end == dt.time(16)
    assert [s.name for s in r.dunning.segments["key_accounts"].ladder] == ["nudge", "call"]
    assert [s.name for s in r.dunning.ladder] == ["first", "second", "final"]  # default kept
    assert r.matching.discounts[0].percent == Decimal("2")
    assert r.receipts.paid_in_full
    assert [(e.sender, e.require) for e in r.trust.senders] == [("bank.example", "dmarc"),
                                                               ("stripe.example", "any")]  # fmt: skip
    assert r.remittance.templates[0].senders == ("bigcorp.example",)


def test_send_window_and_country_are_checked(tmp_path: Path) -> None:
    """An empty window or a malformed country code names the key."""
    f = tmp_path / "rules.yaml"
    f.write_text('dunning:\n  send_window: {start: "17:00", end: "09:00"}\n')
    with pytest.raises(RulesError, match="send_window"):
        load(f)
    f.write_text("dunning:\n  calendar: {default_country: Germany}\n")
    with pytest.raises(RulesError, match="default_country"):
        load(f)


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ARCLERK_DATABASE__URL beats the file; nested keys use '__'."""
    f = tmp_path / "c.yaml"
    f.write_text("database:\n  url: sqlite:///a.db\nmail:\n  address: x@y.example\n")
    monkeypatch.setenv("ARCLERK_DATABASE__URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("ARCLERK_MAIL__AUTHSERV_ID", "mx.y.example")
    cfg = config.load(str(f))
    assert cfg.database.url == "postgresql+psycopg://u@h/db"
    assert (cfg.mail.address, cfg.mail.authserv_id) == ("x@y.example", "mx.y.example")


def test_secrets_are_not_printed(tmp_path: Path) -> None:
    """An SMTP password never appears in the config's repr."""
    f = tmp_path / "c.yaml"
    f.write_text("mail:\n  outbox:\n    smtp: {host: smtp.example.com, password: hunter2}\n")
    cfg = config.load(str(f))
    assert "hunter2" not in repr(cfg)
    assert "hunter2" not in str(cfg.model_dump())


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("mail:\n  inbox: {maildir: a, imap: {host: h, username: u}}\n", "exactly one"),
        ("mail:\n  outbox:\n    smtp: {host: smtp.example.com, tls: none}\n", "loopback"),
        ("database: [1, 2\n", "invalid YAML"),
        ("nonsense_key: 1\n", "nonsense_key"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, text: str, needle: str) -> None:
    """Invalid configs raise ConfigError naming the file and what is wrong."""
    f = tmp_path / "c.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=needle) as err:
        config.load(str(f))
    assert str(f) in str(err.value)


def test_trust_entries_and_remittance_templates_load(tmp_path: Path) -> None:
    """Allow-list entries with a required method and payer templates are read; a bad
    template pattern or method is refused with its file, line and key."""
    f = tmp_path / "rules.yaml"
    f.write_text(
        "trust:\n  payment_senders:\n    - bank.example\n    - {sender: pay.example, require: dmarc}\n"
        "remittance:\n  templates:\n    - senders: [bigcorp.example]\n      ref_header: '^vorgang$'\n"
        "      decimal: ','\n"
    )
    r = load(f)
    assert [(s.sender, s.require) for s in r.trust.senders] == [("bank.example", "any"),
                                                               ("pay.example", "dmarc")]  # fmt: skip
    assert r.remittance.templates[0].ref_header == "^vorgang$"
    f.write_text("remittance:\n  templates:\n    - senders: [x.example]\n      ref_header: '(['\n")
    with pytest.raises(RulesError, match=rf"{f}:4.*ref_header.*bad regular expression"):
        load(f)
    f.write_text("trust:\n  payment_senders:\n    - {sender: pay.example, require: psychic}\n")
    with pytest.raises(RulesError, match=rf"{f}:3"):
        load(f)
