def parse(s):
    try:
        return int(s)
    except ValueError as e:
        raise LookupError("cannot parse " + s) from e
def main():
    return parse("abc")
main()
