try:
    raise TypeError("first")
except TypeError as e:
    e.add_note("note on first")
    err = ValueError("second")
    err.add_note("note on second")
    raise err
