def boom():
    raise ValueError("boom")

boom()
