# The interface's date formats (see forvalta/formats/__init__.py).
DATE_FORMAT = "j N Y"
SHORT_DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y H:i"
SHORT_DATETIME_FORMAT = "j N Y H:i"
