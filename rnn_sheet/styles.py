"""Cell styles by role, shared by the writers (XlsxWriter format properties)."""
NUMBER = "0.000000"

STYLES = {
    "title": {"bold": True, "font_size": 14},
    "band": {"bold": True, "font_size": 11, "font_color": "#1F3864"},
    "note": {"italic": True, "font_color": "#595959"},
    "caption": {"bold": True, "align": "center", "bottom": 1},
    "collabel": {"italic": True, "align": "center", "font_color": "#595959"},
    "rowlabel": {"italic": True, "align": "right", "font_color": "#595959"},
    "label": {},
    "op": {"bold": True, "align": "center", "font_size": 12},
    "input": {"num_format": NUMBER, "bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000"},
    "input_text": {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000", "align": "center"},
    "const": {"num_format": "0", "font_color": "#7F7F7F", "align": "center"},
    "calc": {"num_format": NUMBER, "bg_color": "#DDEBF7"},
    "calc_int": {"num_format": "0", "bg_color": "#DDEBF7", "align": "center"},
    "calc_text": {"bg_color": "#DDEBF7", "align": "center", "bold": True},
}


def column_width(sheet, col):
    if col in sheet.widths:
        return sheet.widths[col]
    return 3 if col == 0 else 11
