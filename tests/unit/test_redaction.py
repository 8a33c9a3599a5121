import logging

from cargotool.core.redaction import MASK, Redactor, redact_record


def test_literal_secrets_and_shapes_are_masked():
    redactor = Redactor()
    redactor.add_secret("Zx9-secret")
    text = redactor.redact("pw=Zx9-secret auth: Bearer 12345|AbCdEfGhIjKlMnOpQrStUv bot 123456789:AAHk2b_cdefghijklmnopqrstuvwxyz0123")
    assert "Zx9-secret" not in text
    assert "12345|AbCd" not in text
    assert "AAHk2b" not in text
    assert text.count(MASK) >= 3
    assert "MTAwNTAw" not in redactor.redact("Authorization: Basic MTAwNTAwOnRlc3Rfc2VjcmV0")


def test_phone_is_masked_whatever_its_separators():
    redactor = Redactor()
    redactor.add_phone("+7 911 555-12-34")
    for form in ["+7 911 555-12-34", "79115551234", "8 (911) 555 12 34", "+79115551234", "9115551234"]:
        assert "555" not in redactor.redact(f"phone {form} here"), form


def test_short_values_are_not_registered():
    redactor = Redactor()
    redactor.add_secret("ab")
    assert redactor.redact("about abba") == "about abba"


def test_record_is_formatted_and_frozen_redacted():
    redactor = Redactor()
    redactor.add_secret("tok-ABCDEFGH")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token %s used", ("tok-ABCDEFGH",), None)
    redact_record(record, redactor)
    assert record.getMessage() == f"token {MASK} used"


def test_exception_text_is_redacted():
    redactor = Redactor()
    redactor.add_secret("tok-ABCDEFGH")
    try:
        raise RuntimeError("failed with tok-ABCDEFGH")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    redact_record(record, redactor)
    assert "tok-ABCDEFGH" not in record.exc_text
