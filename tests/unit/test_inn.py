"""The Russian INN check digits (core/shortlist/inn.py)."""

from __future__ import annotations

import pytest

from cargotool.core.errors import InvalidInput
from cargotool.core.shortlist.inn import is_valid_inn, valid_inn


@pytest.mark.parametrize("inn", ["7707083893", "7736050003", "500100732259", "366512608416"])
def test_real_inns_pass(inn):
    assert is_valid_inn(inn) and valid_inn(inn) == inn


@pytest.mark.parametrize("inn", ["7707083894", "500100732258", "500100732269", "77070838931", "", "７７０７０８３８９３",
                                 "770708389", "abcdefghij"])
def test_wrong_inns_fail(inn):
    assert not is_valid_inn(inn)
    with pytest.raises(InvalidInput) as raised:
        valid_inn(inn)
    assert set(raised.value.fields) == {"inn"}
