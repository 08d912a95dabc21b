def add_sheets(L, sc, letters):
    pass
