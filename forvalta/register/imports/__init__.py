"""Import of register data from Excel (.xlsx) and CSV files, all or nothing per file.

An own engine (openpyxl and the csv module) rather than django-import-export: every
row must be validated by the UI's form (the user's scope, narrowed choice lists) and
checked by the UI's rules (`rules` predicates, `clean()`), with the audit events the
services record, the whole file in one transaction, and a preview that runs the very
same validation without writing anything. django-import-export saves through its own
resources and diff, which would bypass those rules; bending it to call them leaves
little of it in use.

    table = read_table(kind, filename, data)        # or FileRejected; parse once
    report = run_import(actor=user, kind=kind, table=table, commit=False)
"""

from forvalta.register.imports.engine import (
    CREATE,
    ERROR,
    SKIPPED,
    UNCHANGED,
    UPDATE,
    ImportReport,
    RowResult,
    run_import,
)
from forvalta.register.imports.kinds import KINDS, kinds_for
from forvalta.register.imports.reading import FileRejected, Table, read_table

__all__ = [
    "CREATE",
    "ERROR",
    "KINDS",
    "SKIPPED",
    "UNCHANGED",
    "UPDATE",
    "FileRejected",
    "ImportReport",
    "RowResult",
    "Table",
    "kinds_for",
    "read_table",
    "run_import",
]
