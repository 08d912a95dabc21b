"""File formats: a workbook.Book written as .xlsx or .ods, and nothing else."""
