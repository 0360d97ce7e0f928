raise RuntimeError("plain")
