a = [1, 2, 3]
print(a)                    # expect: [1, 2, 3]
print(missing)              # NameError: the traceback ends the run (exit 1); the trace keeps every event
