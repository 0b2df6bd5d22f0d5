"""One date format in the interface, in both languages: "16 jan. 2027" (Swedish) and
"16 Jan. 2027" (English); times as "16 jan. 2027 14:30". Forms take and show ISO dates
(<input type="date">), and exports write ISO dates (django-tables2's DateColumn.value).

Django's "N" is the month's short name as the catalogue has it ("jan.", "mars", "maj").
Read through FORMAT_MODULE_PATH (forvalta/settings.py).
"""
