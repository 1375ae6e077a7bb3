"""`mcu analytics memo|export --municipality/--region`: the municipalities they cover."""

from __future__ import annotations

import pytest
import typer

from cli.analytics import _remote_params, _scope


@pytest.fixture(autouse=True)
def demo_deployment(monkeypatch):
    monkeypatch.delenv("MCU_ROUTING_DIRECTORY", raising=False)


def test_a_region_is_its_municipalities_and_a_municipality_itself():
    assert _scope(None, "rostov") == ["konstantinovsky", "semikarakorsky"]
    assert _scope("grozny", None) == ["grozny"]
    assert _scope(None, None) is None  # the whole deployment


@pytest.mark.parametrize("municipality, region", [("atlantis", None), (None, "atlantida")])
def test_an_unknown_one_is_refused_naming_the_known_ones(municipality, region, capsys):
    with pytest.raises(typer.Exit) as stopped:
        _scope(municipality, region)
    assert stopped.value.exit_code == 2
    err = capsys.readouterr().err
    assert "нет в этом развёртывании" in err and ("grozny" in err or "rostov" in err)


def test_through_the_service_the_region_is_the_callers(capsys):
    assert _remote_params("grozny", None) == {"municipality": "grozny"}
    with pytest.raises(typer.Exit):
        _remote_params(None, "rostov")
    assert "сотрудника ЦУР" in capsys.readouterr().err
