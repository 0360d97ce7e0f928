print(__file__.endswith("file_name.py"))
raise SystemError(__file__ == __file__)
