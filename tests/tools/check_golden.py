# Independent check of the golden vectors against whitepaper/encoding.md
# (version 2), written from the spec alone: rebuilds the delegate
# transaction and one vote of the golden evidence and compares them with the
# pinned bytes (Ed25519 signing is deterministic); recomputes every pinned
# id and hash (transaction ids, block hash, evidence id, and the genesis and
# validator-set hashes of tests/golden_genesis.json, encoded from its JSON).
# usage: python3 tests/tools/check_golden.py tests/golden_tx_vectors.inc tests/golden_evidence_vector.inc \
#          [tests/golden_header_vector.inc tests/golden_genesis.json tests/golden_ids.inc]
import base64, hashlib, json, re, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

def pub(fill):
    k = Ed25519PrivateKey.from_private_bytes(bytes([fill]) * 32)
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw), k

def tagged(tag, data):
    return hashlib.sha256(bytes([len(tag)]) + tag + data).digest()

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
ok = got == expected
print("delegate bytes", len(got), "match" if ok else "MISMATCH")
print("tx id", hashlib.sha256(signing).hexdigest())
# The vote bytes of the golden evidence: u8 17 || "numledger/vote/v2" || genesis || h || r || type || block.
ev = bytes.fromhex(open(sys.argv[2]).read().strip().strip('"'))
vtag = b"numledger/vote/v2"
_, k6 = pub(6)
block_a = ev[13:45]
vote = bytes([len(vtag)]) + vtag + genesis + struct.pack(">QIB", 41, 2, 2) + block_a
vote_ok = ev[77:141] == k6.sign(vote)
print("vote bytes", len(vote), "evidence sig a", "match" if vote_ok else "MISMATCH")
ok = ok and vote_ok
if len(sys.argv) < 6:
    sys.exit(0 if ok else 1)

# --- ids and hashes ---------------------------------------------------------

def unsigned_part(tx):
    """The Unsigned prefix of a Signed transaction, by the layout of encoding.md."""
    p = 1
    n = struct.unpack(">I", tx[p:p + 4])[0]
    p += 4 + n + 32 + 32 + 8
    kind = tx[p]
    p += 1
    res = 33
    sizes = {1: res + 32 + 1 + 8, 2: res + 32, 3: res, 4: res, 5: res + 8, 6: res + 1 + 4, 7: res + 1 + 4, 9: 32,
             12: 32 + 32, 13: 0}
    if kind in sizes:
        p += sizes[kind]
    elif kind == 8:  # set-metadata: Resource || 5 x str
        p += res
        for _ in range(5):
            p += 4 + struct.unpack(">I", tx[p:p + 4])[0]
    elif kind == 10:  # validator-update: u32 n || n x (key || u64 power)
        p += 4 + 40 * struct.unpack(">I", tx[p:p + 4])[0]
    elif kind == 11:  # set-recovery: u8 threshold || u32 n || n x account || u64 delay
        p += 1
        p += 4 + 32 * struct.unpack(">I", tx[p:p + 4])[0] + 8
    sigs = struct.unpack(">I", tx[p:p + 4])[0]
    assert len(tx) == p + 4 + 96 * sigs, "signatures do not end the transaction"
    return tx[:p]

B32 = "abcdefghijklmnopqrstuvwxyz234567"

def account_key(text):
    assert len(text) == 60 and text.startswith("nl") and all(c in B32 for c in text[2:])
    raw = base64.b32decode(text[2:].upper() + "======")
    assert len(raw) == 36 and raw[32:] == tagged(b"numledger/account/v1", raw[:32])[:4], "checksum"
    return raw[:32]

def resource(text):
    if text.startswith("AS"):
        a, _, b = text.partition("-")
        lo, hi = int(a[2:]), int((b or a)[2:])
        return bytes([3]) + lo.to_bytes(16, 'big') + hi.to_bytes(16, 'big')
    addr, length = text.split("/")
    v = 0
    for o in addr.split("."):
        v = v << 8 | int(o)
    host = (1 << (32 - int(length))) - 1
    return res_ipv4(v, v | host)

def string(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b

META = ["name", "country", "source_registry", "source_handle", "abuse_contact"]

def metadata(o):
    return b"".join(string(o.get(k, "")) for k in META)

def holding(o):
    kind = {"allocation": 1, "assignment": 2}[o.get("kind", "allocation")]
    out = resource(o["resource"]) + account_key(o["holder"]) + bytes([kind]) + metadata(o) + string(o.get("registered", ""))
    children = o.get("children", [])
    return out + struct.pack(">I", len(children)) + b"".join(holding(c) for c in children)

g = json.load(open(sys.argv[4]))
validators = sorted((account_key(v["account"]), v.get("power", 1)) for v in g["validators"])
vset = struct.pack(">I", len(validators)) + b"".join(k + struct.pack(">Q", p) for k, p in validators)
imports = bool(g.get("holdings")) or bool(g.get("authorizations"))
enc = bytes([2 if imports else 1]) + string(g["chain_id"]) + struct.pack(">Q", g["genesis_time"]) + vset
enc += struct.pack(">I", len(g["roots"])) + b"".join(
    resource(r["resource"]) + account_key(r["holder"]) + metadata(r) for r in g["roots"])
if imports:
    hs, auths = g.get("holdings", []), g.get("authorizations", [])
    enc += struct.pack(">I", len(hs)) + b"".join(holding(h) for h in hs)
    enc += struct.pack(">I", len(auths)) + b"".join(
        resource(a["prefix"]) + bytes([a["max_length"]]) + struct.pack(">I", a["asn"]) + account_key(a["issuer"])
        for a in auths)

ids = {"tx/" + name: tagged(tag, unsigned_part(bytes.fromhex(hexs))).hex() for name, hexs in vec.items()}
ids["block"] = tagged(b"numledger/block-header/v1", bytes.fromhex(open(sys.argv[3]).read().strip().strip('"'))).hex()
ids["evidence"] = tagged(b"numledger/evidence/v1", ev).hex()
ids["genesis"] = tagged(b"numledger/genesis/v1", enc).hex()
ids["validator-set"] = tagged(b"numledger/validator-set/v1", vset).hex()
pinned = dict(re.findall(r'\{"([^"]+)", "([0-9a-f]+)"\}', open(sys.argv[5]).read()))
for name in sorted(set(ids) | set(pinned)):
    same = ids.get(name) == pinned.get(name)
    ok = ok and same
    print(name, ids.get(name), "match" if same else "MISMATCH (pinned %s)" % pinned.get(name))
sys.exit(0 if ok else 1)
