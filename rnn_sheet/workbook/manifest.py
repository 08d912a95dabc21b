"""How an exercise file says what it is, in defined names (Excel and LibreOffice keep them when they
save the file): one name per block the student fills, blank_<kind>_<t> (the quantity's kind and its
time step, as the layout keys it), and `fingerprint`, the About cell holding the fingerprint of the
inputs the exercise was made from (model.fingerprint)."""
BLANK = "blank_"
FINGERPRINT = "fingerprint"


def blank_name(kind, t):
    return f"{BLANK}{kind}_{t}"


def blank_key(name):
    """The (kind, t) a blank's defined name stands for; None for any other name."""
    if not name.startswith(BLANK):
        return None
    kind, _, t = name[len(BLANK):].rpartition("_")
    return (kind, int(t)) if kind and t.isdigit() else None


def block_label(sheet, t, caption):
    """How a blank is named to a person: "Step 2: h_t", or with its step where several steps share
    the sheet (a compact workbook's "Steps 3-100, step 5: h_t")."""
    where = sheet if sheet.rsplit(" ", 1)[-1] == str(t) else f"{sheet}, step {t}"
    return f"{where}: {caption.split(' = ')[0]}"
