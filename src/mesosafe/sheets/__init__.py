"""Printed sheets for patients: the aftercare sheet (A4 PDF, English or Arabic) made with WeasyPrint."""
