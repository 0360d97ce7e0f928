def inner():
    return {}["missing"]
try:
    inner()
except KeyError as e:
    raise RuntimeError("wrapped") from e
