# category: io
# tier: core
# checks: print(..., file=obj) writes each piece through obj.write; sep and end are checked; flush calls obj.flush
class Sink:
    def __init__(self):
        self.parts = []

    def write(self, s):
        self.parts.append(s)
        return len(s)

    def flush(self):
        self.parts.append("<flush>")


sink = Sink()
print("a", 1, [2], file=sink)
print("x", "y", sep="-", end="!", file=sink, flush=True)
print(file=sink)
print(sink.parts)
print("to stdout", file=None)
for kwargs in [{"sep": 1}, {"end": 2}, {"file": 3}, {"foo": 4}]:
    try:
        print("z", **kwargs)
    except (TypeError, AttributeError) as e:
        print(type(e).__name__, e)
