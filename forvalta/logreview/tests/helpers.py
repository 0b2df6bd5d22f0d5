"""A log-review world on the access part's world (forvalta/access/tests/helpers.py):
Kommun Ett's controller, system administrator (the log administrator) and unit
managers of SYS_A, and Kommun Två's own controller of the same system."""

from __future__ import annotations

import datetime as dt
from typing import Any

from forvalta.access.tests.helpers import AccessWorld, build_access_world
from forvalta.logreview.models import LogSource, default_mapping

HEADER = "Tidpunkt;Användar-id;Namn;Enhet;Personnummer;Klientens enhet;Händelse;Journaldel\n"
CLIENTS = ["19121212-1212", "197001011233", "19800101-1231", "199001011239"]


def make_source(aw: AccessWorld, org: Any = None, name: str = "Treserva-logg") -> LogSource:
    return LogSource.objects.create(
        organisation=org or aw.org, system=aw.system, name=name, mapping=default_mapping()
    )


def log_csv(rows: list[tuple[str, ...]]) -> bytes:
    return (HEADER + "".join(";".join(r) + "\n" for r in rows)).encode("utf-8")


def month_rows(
    month: dt.date = dt.date(2026, 11, 1), per_unit: dict[str, list[str]] | None = None
) -> list[tuple[str, ...]]:
    """Activity in `month`: each account of each unit on a few days."""
    per_unit = per_unit or {
        "Hemtjänst Norr": ["u-anna", "u-bert", "u-nils", "u-nea", "u-nor"],
        "Hemtjänst Söder": ["u-cia", "u-sara", "u-sven"],
        "Boende Ekbacken": ["u-dan", "u-eva"],
    }
    rows = []
    for unit, accounts in per_unit.items():
        for i, account in enumerate(accounts):
            for day in (3 + i, 10 + i, 17 + i, 24 + i):
                rows.append(
                    (
                        f"{month:%Y-%m}-{day:02d} 09:{i:02d}",
                        account,
                        account[2:].title(),
                        unit,
                        CLIENTS[(day + i) % len(CLIENTS)],
                        unit,
                        "Läsa",
                        "Journal",
                    )
                )
    return rows


__all__ = ["CLIENTS", "HEADER", "build_access_world", "log_csv", "make_source", "month_rows"]
