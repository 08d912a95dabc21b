"""Is a workbook telling the truth? LibreOffice recomputes it (recalc), the file is read back (read),
and the results are held against the cached values and the engine (compare, check)."""
