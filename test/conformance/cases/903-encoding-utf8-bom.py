# A UTF-8 byte-order mark opens this file.
print("café", len("café"))
