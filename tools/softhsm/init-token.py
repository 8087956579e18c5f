#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Initialises a free token of a PKCS#11 library (SoftHSM2) with PINs read from files, never from the command line.

    tools/softhsm/init-token.py LIBRARY LABEL SO_PIN_FILE USER_PIN_FILE

softhsm2-util takes the PINs only as arguments (which ps shows to every local user) or from a terminal; this calls
the library itself: C_InitToken with the SO PIN, then C_InitPIN with the user PIN. Each PIN file's first line is
the PIN. Prints the slot id the initialised token has (SoftHSM2 moves it to a new slot). Exit 1 with one line on
error, naming the PKCS#11 function and its return value.
"""
import ctypes
import sys

CKF_TOKEN_INITIALIZED = 0x400
CKF_RW_SESSION = 0x2
CKF_SERIAL_SESSION = 0x4
CKU_SO = 0
ULONG = ctypes.c_ulong


def fail(message):
    print("init-token: " + message, file=sys.stderr)
    sys.exit(1)


def first_line(path, what):
    try:
        with open(path, "rb") as f:
            pin = f.readline().rstrip(b"\r\n")
    except OSError as e:
        fail("%s %s cannot be read (%s)" % (what, path, e.strerror))
    if not 4 <= len(pin) <= 255:
        fail("%s in %s must be 4 to 255 characters" % (what, path))
    return pin


def main():
    if len(sys.argv) != 5:
        fail("usage: init-token.py LIBRARY LABEL SO_PIN_FILE USER_PIN_FILE")
    library, label, so_pin_file, user_pin_file = sys.argv[1:]
    so_pin = first_line(so_pin_file, "the SO PIN")
    user_pin = first_line(user_pin_file, "the user PIN")
    encoded_label = label.encode("utf-8")
    if len(encoded_label) > 32:
        fail("the label may have at most 32 bytes")
    p11 = ctypes.CDLL(library)

    def call(name, *args):
        rv = getattr(p11, name)(*args)
        if rv != 0:
            fail("%s returned 0x%x" % (name, rv))

    def slots():
        count = ULONG(0)
        call("C_GetSlotList", ctypes.c_ubyte(1), None, ctypes.byref(count))
        ids = (ULONG * count.value)()
        call("C_GetSlotList", ctypes.c_ubyte(1), ids, ctypes.byref(count))
        return list(ids[:count.value])

    def token_info(slot):
        # CK_TOKEN_INFO: label[32], manufacturerID[32], model[16], serialNumber[16], then flags (CK_ULONG)
        info = ctypes.create_string_buffer(512)
        call("C_GetTokenInfo", ULONG(slot), info)
        flags = ULONG.from_buffer_copy(info.raw[96:96 + ctypes.sizeof(ULONG)]).value
        return info.raw[:32], flags

    call("C_Initialize", None)
    try:
        free = [slot for slot in slots() if not token_info(slot)[1] & CKF_TOKEN_INITIALIZED]
        if not free:
            fail("the library has no free token")
        padded = encoded_label.ljust(32, b" ")
        call("C_InitToken", ULONG(free[0]), ctypes.c_char_p(so_pin), ULONG(len(so_pin)), ctypes.c_char_p(padded))
        # SoftHSM2 gives the initialised token its own slot id when the library is initialised again
        call("C_Finalize", None)
        call("C_Initialize", None)
        mine = [slot for slot in slots() if token_info(slot)[0] == padded and token_info(slot)[1] & CKF_TOKEN_INITIALIZED]
        if len(mine) != 1:
            fail("%d initialised tokens are labelled %r" % (len(mine), label))
        session = ULONG(0)
        call("C_OpenSession", ULONG(mine[0]), ULONG(CKF_SERIAL_SESSION | CKF_RW_SESSION), None, None, ctypes.byref(session))
        call("C_Login", session, ULONG(CKU_SO), ctypes.c_char_p(so_pin), ULONG(len(so_pin)))
        call("C_InitPIN", session, ctypes.c_char_p(user_pin), ULONG(len(user_pin)))
        call("C_Logout", session)
        call("C_CloseSession", session)
        print(mine[0])
    finally:
        p11.C_Finalize(None)


main()
