class A:
    def run(self, v):
        return self.helper(v)
    def helper(self, v):
        return int(v)
A().run("nope")
