"""A workbook as plain data (sheets of cells, names, charts, heatmaps, page breaks), and the A1
references that address it. Nothing here knows about networks or file formats."""
