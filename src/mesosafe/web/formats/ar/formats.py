"""Arabic number formats for every page (FORMAT_MODULE_PATH): '.' as the decimal mark and no thousands
grouping, as on the English pages, so "1.5" is never shown as "1,5" (read as 15 by many staff). Dates keep
Django's Arabic formats. The staff pages' whole rule is lib/staff_format.py; the patient pages turn digits
into Arabic-Indic ones afterwards (portal/templatetags/digits.py), which turns '.' into '٫'."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ""
NUMBER_GROUPING = 0
