"""Fixtures for the forms tests: the small test instrument and the shipped ones."""

from pathlib import Path

import pytest

from forms import Instrument
from forms import get_instrument
from forms import load_instrument

SMALL_TOML_PATH = Path(__file__).with_name("small.toml")


@pytest.fixture
def small() -> Instrument:
    return load_instrument(SMALL_TOML_PATH)


@pytest.fixture
def nightlife() -> Instrument:
    return get_instrument("nightlife-door")


@pytest.fixture
def housing() -> Instrument:
    return get_instrument("housing-access")
