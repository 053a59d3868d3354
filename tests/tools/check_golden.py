# Independent check of the golden vectors against whitepaper/encoding.md
# (version 2), written from the spec alone: rebuilds the delegate
# transaction and one vote of the golden evidence and compares them with the
# pinned bytes (Ed25519 signing is deterministic).
# usage: python3 tests/tools/check_golden.py tests/golden_tx_vectors.inc tests/golden_evidence_vector.inc
import hashlib, re, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

def pub(fill):
    k = Ed25519PrivateKey.from_private_bytes(bytes([fill]) * 32)
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw), k

def res_ipv4(first, last):
    return bytes([1]) + first.to_bytes(16, 'big') + last.to_bytes(16, 'big')

vec = dict(re.findall(r'\{"([^"]+)", "([0-9a-f]+)"\}', open(sys.argv[1]).read()))
signer, k1 = pub(1)
to, _ = pub(2)
genesis = hashlib.sha256(b"genesis").digest()
chain = b"golden"
first = (10 << 24) | (1 << 16)
body = res_ipv4(first, first + 0xffff) + to + bytes([3]) + struct.pack(">Q", 1800000000)  # lease until
unsigned = bytes([2]) + struct.pack(">I", len(chain)) + chain + genesis + signer + struct.pack(">Q", 7) + bytes([1]) + body
tag = b"numledger/tx/v2"
signing = bytes([len(tag)]) + tag + unsigned
sig = k1.sign(signing)
expected = unsigned + struct.pack(">I", 1) + signer + sig
got = bytes.fromhex(vec["delegate"])
print("delegate bytes", len(got), "match" if got == expected else "MISMATCH")
print("tx id", hashlib.sha256(signing).hexdigest())
# The vote bytes of the golden evidence: u8 17 || "numledger/vote/v2" || genesis || h || r || type || block.
ev = bytes.fromhex(open(sys.argv[2]).read().strip().strip('"'))
vtag = b"numledger/vote/v2"
_, k6 = pub(6)
block_a = ev[13:45]
vote = bytes([len(vtag)]) + vtag + genesis + struct.pack(">QIB", 41, 2, 2) + block_a
print("vote bytes", len(vote), "evidence sig a", "match" if ev[77:141] == k6.sign(vote) else "MISMATCH")
sys.exit(0 if got == expected and ev[77:141] == k6.sign(vote) else 1)
