#!/usr/bin/env python3
"""An independent implementation of Stele's on-disk format v2, written from
DESIGN.md ("On disk") alone, for the interoperability tests: it shares no
code with the engine (CRC32C from RFC 3720's definition, BLAKE3 from the
official `b3sum`).

    journal_v2.py write DIR   writes a journal of mixed records in two or more
                              segments (the newest followed by zeros, as if
                              preallocated) and prints each record read-shaped
                              (one JSON object per line), then {"end": N}
    journal_v2.py read DIR    verifies every segment header, file name and
                              record (length, CRC32C over the global offset,
                              BLAKE3) and prints the records and the end the
                              same way; exits 1 naming what is wrong

A read-shaped record is {"offset": n, "blake3": "hex", "payload": <json>} for
a JSON record and {"offset": n, "blake3": "hex", "payload_base64": "..."} for
a binary one.
"""
import base64
import json
import os
import random
import struct
import subprocess
import sys

MAGIC = b"STELEWAL"
VERSION = 2
HEADER_SIZE = 32
RECORD_OVERHEAD = 40
JSON_FLAG = 0x8000_0000


def _crc_table():
    table = []
    for byte in range(256):
        r = byte
        for _ in range(8):
            r = (r >> 1) ^ 0x82F63B78 if r & 1 else r >> 1
        table.append(r)
    return table


CRC_TABLE = _crc_table()


def crc32c(data, crc=0):
    """CRC32C (Castagnoli, RFC 3720 B.4), continuing from an earlier result."""
    r = crc ^ 0xFFFFFFFF
    for byte in data:
        r = (r >> 8) ^ CRC_TABLE[(r ^ byte) & 0xFF]
    return r ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283, "CRC32C check value"


def blake3(data):
    out = subprocess.run(["b3sum", "--no-names", "--raw"], input=data, capture_output=True, check=True).stdout
    assert len(out) == 32
    return out


def segment_header(base):
    head = MAGIC + struct.pack("<IIQI", VERSION, HEADER_SIZE, base, 0)
    return head + struct.pack("<I", crc32c(head))


def record_bytes(offset, payload, is_json):
    digest = blake3(payload)
    length_word = len(payload) | (JSON_FLAG if is_json else 0)
    crc = crc32c(struct.pack("<QI", offset, length_word) + digest + payload)
    return struct.pack("<II", length_word, crc) + digest + payload, digest


def read_shaped(offset, digest, payload, is_json):
    shaped = {"offset": offset, "blake3": digest.hex()}
    if is_json:
        shaped["payload"] = json.loads(payload.decode("utf-8"))
    else:
        shaped["payload_base64"] = base64.b64encode(payload).decode("ascii")
    return shaped


def sample_records(seed=20261205, count=48):
    rng = random.Random(seed)
    records = []
    for index in range(count):
        if index % 3 == 0:
            payload = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
            records.append((payload, False))
        else:
            value = {"i": index, "text": "h\u00e9llo \u2603 " * rng.randrange(1, 20), "list": [index, None, True, 1.5]}
            records.append((json.dumps(value, ensure_ascii=False).encode("utf-8"), True))
    return records


def write(directory, segment_max_bytes=2048, trailing_zeros=8192):
    for name in ("segments", "cursors", "quarantine"):
        os.makedirs(os.path.join(directory, name), exist_ok=True)
    segments = []  # (base, bytearray)
    offset = 0
    lines = []
    for payload, is_json in sample_records():
        size = RECORD_OVERHEAD + len(payload)
        if not segments or (offset - segments[-1][0] > 0 and offset - segments[-1][0] + size > segment_max_bytes):
            segments.append((offset, bytearray(segment_header(offset))))
        data, digest = record_bytes(offset, payload, is_json)
        segments[-1][1].extend(data)
        lines.append(read_shaped(offset, digest, payload, is_json))
        offset += size
    assert len(segments) >= 2, "the sample must span segments"
    segments[-1][1].extend(bytes(trailing_zeros))
    for base, content in segments:
        with open(os.path.join(directory, "segments", "%016x.wal" % base), "wb") as file:
            file.write(content)
    for line in lines:
        print(json.dumps(line, ensure_ascii=False))
    print(json.dumps({"end": offset}))


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def read(directory):
    folder = os.path.join(directory, "segments")
    names = sorted(name for name in os.listdir(folder) if name.endswith(".wal"))
    expected_base = None
    lines = []
    for position, name in enumerate(names):
        with open(os.path.join(folder, name), "rb") as file:
            content = file.read()
        if len(content) < HEADER_SIZE:
            fail("%s: shorter than its header" % name)
        magic, version, header_size, base, reserved, crc = struct.unpack("<8sIIQII", content[:HEADER_SIZE])
        if magic != MAGIC or version != VERSION or header_size != HEADER_SIZE or reserved != 0:
            fail("%s: bad header fields" % name)
        if crc != crc32c(content[:28]):
            fail("%s: header CRC32C mismatch" % name)
        if name != "%016x.wal" % base:
            fail("%s: header base %d does not match the name" % (name, base))
        if expected_base is not None and base != expected_base:
            fail("%s: starts at %d, the previous segment ends at %d" % (name, base, expected_base))
        newest = position == len(names) - 1
        at = HEADER_SIZE
        while at < len(content):
            if len(content) - at < RECORD_OVERHEAD or content[at:at + 4] == b"\0\0\0\0":
                if newest and not any(content[at:]):
                    break
                fail("%s: bad record at file position %d" % (name, at))
            length_word, crc = struct.unpack("<II", content[at:at + 8])
            length = length_word & ~JSON_FLAG
            digest = content[at + 8:at + 40]
            payload = content[at + 40:at + 40 + length]
            offset = base + at - HEADER_SIZE
            if length == 0 or len(payload) != length:
                fail("%s: record at %d runs past the file" % (name, offset))
            if crc != crc32c(struct.pack("<QI", offset, length_word) + digest + payload):
                fail("%s: CRC32C mismatch at offset %d" % (name, offset))
            if digest != blake3(payload):
                fail("%s: BLAKE3 mismatch at offset %d" % (name, offset))
            lines.append(read_shaped(offset, digest, payload, bool(length_word & JSON_FLAG)))
            at += RECORD_OVERHEAD + length
        expected_base = base + at - HEADER_SIZE
    for line in lines:
        print(json.dumps(line, ensure_ascii=False))
    print(json.dumps({"end": expected_base or 0}))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "read"):
        fail(__doc__)
    (write if sys.argv[1] == "write" else read)(sys.argv[2])
