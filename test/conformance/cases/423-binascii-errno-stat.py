# binascii, errno and _stat: values as CPython gives them.
import binascii, errno, stat
print(binascii.hexlify(b"\x00\xffab"), binascii.unhexlify("00ff6162"), binascii.crc32(b"hello"))
print(binascii.b2a_base64(b"pymemsim"), binascii.a2b_base64(b"cHltZW1zaW0=\n"), binascii.crc_hqx(b"abc", 0))
print(errno.ENOENT, errno.errorcode[errno.EACCES], errno.EPIPE, errno.ENOSPC)
print(stat.S_ISDIR(0o40755), stat.S_ISREG(0o100644), stat.filemode(0o100644), stat.S_IMODE(0o100755), stat.S_IFMT(0o40000))
try:
    binascii.unhexlify("abc")
except binascii.Error as e:
    print("binascii.Error:", e)
