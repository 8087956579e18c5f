# SPDX-License-Identifier: Apache-2.0
"""Verifies the DKIM signature of a message with dkimpy (Debian's python3-dkim), an implementation independent of
James's jdkim. The public key is given on the command line instead of being looked up in DNS.

usage: python3 dkim_verify.py MESSAGE.eml PUBLIC_KEY_BASE64
exit 0 when the signature verifies, 1 otherwise; prints what dkimpy says.
"""
import sys

import dkim


def main():
    message = open(sys.argv[1], "rb").read()
    record = b"v=DKIM1; k=rsa; p=" + sys.argv[2].encode("ascii")

    def dns(name, timeout=5):
        return record

    verifier = dkim.DKIM(message)
    try:
        ok = verifier.verify(dnsfunc=dns)
    except dkim.DKIMException as error:
        print("dkim error:", error)
        return 1
    print("dkim:", "pass" if ok else "fail", verifier.domain.decode() if verifier.domain else "")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
