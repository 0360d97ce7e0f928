class Proxy:
    def __getattr__(self, name):
        raise AttributeError(f"no {name} here")
p = Proxy()
p.valu
