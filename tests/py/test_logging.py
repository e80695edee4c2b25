"""Statements are logged with their durations at DEBUG, without parameter values."""

from __future__ import annotations

import logging

import carrierdb


def test_statement_durations_logged_at_debug(carrierdb_url, caplog):
    caplog.set_level(logging.DEBUG, logger="carrierdb")
    db = carrierdb.connect(carrierdb_url)
    db.query("SELECT CAST($1 AS TEXT) AS secret_param", ["value-not-to-log"])
    messages = [r.getMessage() for r in caplog.records if r.name == "carrierdb"]
    statement = [m for m in messages if "secret_param" in m]
    assert statement, messages
    assert " ms [" in statement[0] and "1 params" in statement[0]
    assert not any("value-not-to-log" in m for m in messages)


def test_nothing_logged_below_the_threshold(carrierdb_url, caplog):
    caplog.set_level(logging.WARNING, logger="carrierdb")
    db = carrierdb.connect(carrierdb_url)
    db.query("SELECT 1 AS quiet")
    assert not [r for r in caplog.records if "quiet" in r.getMessage()]
