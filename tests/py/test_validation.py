"""Every rule of the shipped schema at its edge: the last valid value passes, the first invalid fails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import carrierdb

SCHEMA = carrierdb.Schema.load(str(Path(__file__).resolve().parents[2] / "schema.prisma"))


def issues(data: dict, partial: bool = False) -> list[dict]:
    return SCHEMA.validate("Carrier", data, partial)


def codes(data: dict, partial: bool = False) -> dict[str, str]:
    return {".".join(i["path"]): i["code"] for i in issues(data, partial)}


VALID = {"name": "Acme Freight LLC"}


# -- name: trimmed, inner blanks collapsed, 1..255 characters --------------------------------------


def test_name_length_edges():
    assert issues({"name": "x" * 255}) == []
    assert codes({"name": "x" * 256}) == {"name": "too_big"}
    assert issues({"name": "x"}) == []
    assert codes({"name": ""}) == {"name": "too_small"}
    assert codes({"name": "   \t "}) == {"name": "too_small"}  # blank after trimming


def test_name_counts_characters_not_bytes():
    assert issues({"name": "🚚" * 255}) == []  # 1020 bytes, 255 characters: fits VARCHAR(255)
    assert codes({"name": "é" * 256}) == {"name": "too_big"}


def test_name_trimming_happens_before_the_length_check():
    assert issues({"name": "  " + "x" * 255 + "  "}) == []


def test_custom_message_from_the_schema():
    [issue] = issues({"name": ""})
    assert issue["message"] == "name must not be empty" and issue["limit"] == "1"


def test_nul_bytes_are_rejected_on_every_backend():
    [issue] = issues({"name": "Acme\x00Freight"})
    assert issue["code"] == "invalid_string" and "NUL" in issue["message"]


# -- mcNumber: FMCSA forms normalised to MC + 1..8 digits ------------------------------------------


@pytest.mark.parametrize("given", ["MC1", "MC12345678", "MC-123456", "mc 123456", "MC#123456", " Mc-1 ", "MC:42", "MC00123"])
def test_accepted_mc_number_forms(given):
    assert issues({**VALID, "mcNumber": given}) == []


@pytest.mark.parametrize("given", ["MC123456789", "123456", "MX-123456", "MC", "MC-", "MC-12A", "FF123", "MC 12 34", ""])
def test_rejected_mc_number_forms(given):
    [issue] = issues({**VALID, "mcNumber": given})
    assert issue["path"] == ["mcNumber"] and issue["code"] == "invalid_string" and issue["validation"] == "regex"
    assert issue["message"] == "MC number must be MC followed by 1 to 8 digits"


def test_mc_number_is_optional():
    assert issues({**VALID, "mcNumber": None}) == []


# -- status: enum membership --------------------------------------------------------------------


@pytest.mark.parametrize("status", ["ACTIVE", "INACTIVE", "SUSPENDED", "REVOKED"])
def test_every_status_is_accepted(status):
    assert issues({**VALID, "status": status}) == []


def test_status_outside_the_enum():
    [issue] = issues({**VALID, "status": "active"})
    assert issue["code"] == "invalid_enum_value"
    assert issue["options"] == ["ACTIVE", "INACTIVE", "SUSPENDED", "REVOKED"]
    assert codes({**VALID, "status": None}) == {"status": "invalid_type"}


# -- implied rules: required, types, Int range, dates, unknown keys ----------------------------------


def test_required_and_null():
    [missing] = issues({})
    assert missing == {"path": ["name"], "code": "invalid_type", "message": "Required", "expected": "string", "received": "undefined"}
    [null] = issues({"name": None})
    assert null["received"] == "null" and null["message"] == "Expected string, received null"


def test_partial_validation_skips_required_fields():
    assert issues({"status": "SUSPENDED"}, partial=True) == []
    assert codes({"name": ""}, partial=True) == {"name": "too_small"}


def test_wrong_types():
    assert codes({"name": 5}) == {"name": "invalid_type"}
    assert codes({**VALID, "id": "7"}) == {"id": "invalid_type"}
    assert codes({**VALID, "status": 1}) == {"status": "invalid_type"}


def test_int_range_edges():
    assert issues({**VALID, "id": 2**31 - 1}) == [] and issues({**VALID, "id": -(2**31)}) == []
    assert codes({**VALID, "id": 2**31}) == {"id": "too_big"}
    assert codes({**VALID, "id": -(2**31) - 1}) == {"id": "too_small"}


def test_datetime_values():
    assert issues({**VALID, "createdAt": dt.datetime(2024, 2, 29, 12, 0)}) == []
    assert issues({**VALID, "createdAt": "2024-02-29T12:00:00Z"}) == []
    assert issues({**VALID, "createdAt": "2024-02-29 12:00:00.123+02:00"}) == []
    assert codes({**VALID, "createdAt": "2023-02-29"}) == {"createdAt": "invalid_date"}
    assert codes({**VALID, "createdAt": "yesterday"}) == {"createdAt": "invalid_date"}
    assert codes({**VALID, "createdAt": "2024-01-01 24:00:00"}) == {"createdAt": "invalid_date"}


def test_unknown_keys_are_an_issue():
    [issue] = issues({**VALID, "mc_number": "MC1", "colour": "red"})
    assert issue["code"] == "unrecognized_keys" and issue["options"] == ["mc_number", "colour"]


def test_every_issue_is_reported_not_only_the_first():
    found = codes({"name": "", "mcNumber": "bad", "status": "GONE", "extra": 1, "createdAt": "never"})
    assert found == {"name": "too_small", "mcNumber": "invalid_string", "status": "invalid_enum_value", "": "unrecognized_keys",
                     "createdAt": "invalid_date"}


def test_validation_error_prints_readably():
    db = carrierdb.connect("sqlite::memory:", schema=SCHEMA)
    with pytest.raises(carrierdb.ValidationError) as info:
        db.carrier.create({"name": "", "mcNumber": "12"})
    text = str(info.value)
    assert text.startswith("2 validation issues for Carrier:")
    assert "  - name: name must not be empty [too_small]" in text
    assert "  - mcNumber: MC number must be MC followed by 1 to 8 digits [invalid_string]" in text
    assert isinstance(info.value, ValueError) and len(info.value.issues) == 2


# -- rules the Carrier schema does not use, from a schema of their own ---------------------------------

RULES = carrierdb.Schema.parse(
    """
    model Rules {
      id    Int    @id
      /// @zod.string.email()
      email String?
      /// @zod.string.startsWith("US-").endsWith("-X").length(8)
      code  String?
      /// @zod.number.int().gte(1).lte(80000)
      weight Int?
      /// @zod.number.gt(0).lt(1)
      ratio Float?
      /// @zod.string.toUpperCase()
      /// @zod.string.regex(/^[A-Z]{2}$/)
      state String?
    }
    """
)


def rule_codes(data: dict) -> dict[str, str]:
    return {".".join(i["path"]): i["code"] for i in RULES.validate("Rules", {"id": 1, **data}, False)}


def test_other_rules_at_their_edges():
    assert rule_codes({"email": "ops@acme-freight.com"}) == {}
    assert rule_codes({"email": "ops@"}) == {"email": "invalid_string"}
    assert rule_codes({"code": "US-123-X"}) == {}
    assert rule_codes({"code": "US-1234-X"}) == {"code": "too_big"}
    assert rule_codes({"code": "CA-123-X"}) == {"code": "invalid_string"}
    assert rule_codes({"weight": 1}) == {} and rule_codes({"weight": 80000}) == {}
    assert rule_codes({"weight": 0}) == {"weight": "too_small"}
    assert rule_codes({"weight": 80001}) == {"weight": "too_big"}
    assert rule_codes({"ratio": 0.999}) == {} and rule_codes({"ratio": 1.0}) == {"ratio": "too_big"}
    assert rule_codes({"ratio": 0}) == {"ratio": "too_small"}
    assert rule_codes({"state": "ca"}) == {}  # upper-cased before the regex
    assert rule_codes({"state": "cal"}) == {"state": "invalid_string"}


def test_regex_rules_hold_up_on_hostile_values():
    schema = carrierdb.Schema.parse(
        """
        model Thing {
          id Int @id @default(autoincrement())
          /// @zod.string.regex(/^[a-z]+$/)
          word String?
          /// @zod.string.regex(/^(a+)+$/)
          bad String?
        }
        """
    )
    # A megabyte-long value is checked, not a stack overflow.
    assert schema.validate("Thing", {"word": "a" * (1 << 20)}, False) == []
    assert [i["code"] for i in schema.validate("Thing", {"word": "a" * (1 << 20) + "!"}, False)] == ["invalid_string"]
    # Catastrophic backtracking stops at the match limit and says what to do.
    [issue] = schema.validate("Thing", {"bad": "a" * 40 + "!"}, False)
    assert issue["code"] == "invalid_string" and "simplify the pattern" in issue["message"]
