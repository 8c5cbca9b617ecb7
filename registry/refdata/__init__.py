"""Reference data (regions, authorities, catalogues, institutions, filings) from CSV, XLSX or JSON."""

from registry.refdata.load import LoadReport, load_reference_file

__all__ = ["LoadReport", "load_reference_file"]
