#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The demo's next hop: an aiosmtpd server on 127.0.0.1 that writes each
message it accepts to DIR/NNN.eml. Usage: demo_sink.py PORT DIR"""
import os
import sys
import time

from aiosmtpd.controller import Controller


class Save:
    def __init__(self, out):
        self.out = out
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        path = os.path.join(self.out, f"{self.n:03d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 saved"


ctl = Controller(Save(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]),
                 decode_data=False, enable_SMTPUTF8=True)
ctl.start()
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    ctl.stop()
