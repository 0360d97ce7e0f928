try:
    int("x")
except ValueError:
    raise TypeError("suppressed") from None
