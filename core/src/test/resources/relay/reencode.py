# Copyright 2026 the james-smime authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""Re-encode MIME bodies as Python's email package does (RelaySimulator's *_PYTHON transformations).

One JSON object a line on stdin: {"encoding": "base64" | "quoted-printable", "data": <base64 of the decoded bytes>}.
For each, one line on stdout, in the same order: the base64 of the encoded text exactly as the encoder returns it
(lines end with "\\n"; the caller turns them into CRLF). Python 3 standard library only.
"""

import base64
import email.base64mime
import email.quoprimime
import json
import sys


def encode(encoding, data):
    if encoding == "base64":
        return email.base64mime.body_encode(data)
    if encoding == "quoted-printable":
        # the email package's QP body encoder works on str; latin-1 maps every byte to one character
        return email.quoprimime.body_encode(data.decode("latin-1"))
    raise ValueError("unknown encoding: " + encoding)


def main():
    out = sys.stdout.buffer
    for number, line in enumerate(sys.stdin.buffer, 1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            text = encode(request["encoding"], base64.b64decode(request["data"], validate=True))
        except Exception as e:  # one line, with the request's number, for the Java side's exception
            sys.stderr.write("reencode.py: request %d: %s\n" % (number, e))
            return 1
        out.write(base64.b64encode(text.encode("ascii")))
        out.write(b"\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
