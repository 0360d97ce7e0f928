# _struct: packed bytes and the Struct objects, with their sizes.
import struct, sys, gc
s = struct.Struct("<iHd")
b = s.pack(-1, 65535, 1.5)
print(b, s.size, s.format, s.unpack(b), gc.is_tracked(s), sys.getsizeof(b))
print(struct.pack(">I", 1), struct.unpack("<h", b"\xff\x7f"), struct.calcsize("@iq"), struct.calcsize("=iq"))
print(struct.pack("3s?x", b"ab", True), list(struct.iter_unpack("<H", b"\x01\x00\x02\x00")))
buf = bytearray(8)
struct.pack_into("<Q", buf, 0, 2**63)
print(buf, struct.unpack_from("<I", buf, 4))
try:
    struct.pack("<b", 200)
except struct.error as e:
    print("struct.error:", e)
