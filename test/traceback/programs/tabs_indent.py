def f():
	x = {}
	return x["t"]
f()
