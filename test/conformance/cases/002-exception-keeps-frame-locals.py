# category: finalizers
# tier: core
# checks: a caught exception's traceback keeps the failing frame's locals alive until the handler ends
class Tracer:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("del", self.name)


def fail():
    t = Tracer("local of fail")
    raise ValueError("boom")


try:
    fail()
except ValueError as e:
    print("caught:", e)
print("after the handler")
