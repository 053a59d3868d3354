// numledger explorer: one page, hash routes, the node's own /api/v1 only.
"use strict";
const main = document.getElementById("main");
let timer = null;

function esc(s) {
  return String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c]));
}
async function api(path) {
  const r = await fetch("/api/v1/" + path, {headers: {"Accept": "application/json"}});
  const body = await r.json().catch(() => ({error: "answer is not JSON"}));
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}
// Values that name something get a link to its page.
function link(key, v) {
  if (typeof v === "string" && /^nl[a-z2-7]{58}$/.test(v)) return "<a href=\"#/account/" + v + "\">" + v + "</a>";
  if (typeof v === "string" && /^[0-9a-f]{64}$/.test(v) && /^(id|tx|tx_id)$/.test(key)) return "<a href=\"#/tx/" + v + "\">" + v + "</a>";
  if (typeof v === "number" && /height$/.test(key)) return "<a href=\"#/block/" + v + "\">" + v + "</a>";
  if (typeof v === "string" && /^(range|resource|prefix|holding_range)$/.test(key))
    return "<a href=\"#/resource/" + esc(encodeURIComponent(v).replace(/%2F/g, "/")) + "\">" + esc(v) + "</a>";
  return null;
}
function render(v, key = "") {
  if (v === null || v === undefined) return "<span class=\"muted\">none</span>";
  if (Array.isArray(v)) {
    if (v.length === 0) return "<span class=\"muted\">none</span>";
    return v.map(x => render(x, key)).join(typeof v[0] === "object" ? "" : ", ");
  }
  if (typeof v === "object") {
    let rows = "";
    for (const [k, x] of Object.entries(v)) rows += "<tr><th>" + esc(k) + "</th><td>" + render(x, k) + "</td></tr>";
    return "<table>" + rows + "</table>";
  }
  return link(key, v) || esc(v);
}
// A page's HTML; route() shows it if the user is still on that page.
function page(title, sections) {
  return "<h1>" + esc(title) + "</h1>" +
    sections.map(([h, v]) => (h ? "<h2>" + esc(h) + "</h2>" : "") + (typeof v === "string" ? v : render(v))).join("");
}

async function status() {
  const s = await api("status");
  const blocks = [];
  for (let h = s.height; h >= 1 && h > s.height - 10; --h) {
    const b = await api("block/" + h);
    blocks.push({height: h, time: new Date(b.header.time * 1000).toISOString(), txs: b.txs.length,
                 proposer: b.header.proposer.slice(0, 16), hash: b.header.hash});
  }
  return page("chain " + s.chain_id, [["", {height: s.height, time: s.time_rfc3339, tip_hash: s.tip_hash,
                                     state_root: s.state_root, holdings: s.holdings, validators: s.validators,
                                     peers: s.peers, mempool: s.mempool}],
                                ["latest blocks", blocks]]);
}
async function block(h) {
  const b = await api("block/" + h);
  return page("block " + h, [["header", b.header],
                      ["transactions", b.txs.map(t => ({id: t.id, kind: t.kind, signer: t.signer,
                                                       signatures: (t.signatures || []).length}))],
                      ["evidence", b.evidence], ["commit", b.commit || null]]);
}
async function tx(id) {
  const t = await api("tx/" + id);
  return page("transaction " + id.slice(0, 16) + "…", [["", t]]);
}
async function resource(r) {
  const [res, hist] = await Promise.all([api("resource/" + r), api("history/" + r).catch(e => ({error: e.message}))]);
  const proof = "<p><a id=\"proof\" href=\"/api/v1/proof/" + esc(encodeURIComponent(r).replace(/%2F/g, "/")) + "\">proof of control (JSON with the proof's hex; numledger proof verify)</a></p>";
  return page(r, [["holder", res.holder ? render(res.holder, "holder") : render(res.segments)],
           ["holding", res.holding || null], ["chain of holdings", res.chain],
           ["custody history (newest first)", hist.entries ? hist.entries.map(t => ({height: t.height, time: t.time, id: t.id,
                                                                           kind: t.kind, signer: t.signer})) : hist], ["", proof],
           ["route origin authorizations", res.authorizations]]);
}
async function account(a) {
  const acc = await api("account/" + a);
  return page("account " + a, [["", acc]]);
}
async function validators() {
  const [v, p] = await Promise.all([api("validators"), api("peers")]);
  return page("validators", [["", v], ["peers", p.peers]]);
}
async function roas() {
  const a = await api("authorizations");
  return page("route origin authorizations", [["", a]]);
}

function search(q) {
  q = q.trim();
  if (/^[0-9]+$/.test(q)) return "#/block/" + q;
  if (/^[0-9a-f]{64}$/i.test(q)) return "#/tx/" + q.toLowerCase();
  if (/^nl[a-z2-7]{58}$/.test(q)) return "#/account/" + q;
  return "#/resource/" + q;  // a prefix, an address, a range or an AS number
}
document.getElementById("search").addEventListener("submit", e => {
  e.preventDefault();
  location.hash = search(document.getElementById("q").value);
});

let shown = 0;  // a page that loads after the user moved on is not shown
async function route() {
  clearTimeout(timer);
  const mine = ++shown;
  let what = "status", html;
  try {
    const parts = decodeURIComponent(location.hash.replace(/^#\/?/, "")).split("/");
    what = parts[0];
    const arg = parts.slice(1).join("/");
    // #/search/Q: what the search box does with Q, as a link can say it.
    if (what === "search") return location.replace(search(arg));
    if (what === "block") html = await block(arg);
    else if (what === "tx") html = await tx(arg);
    else if (what === "resource") html = await resource(arg);
    else if (what === "account") html = await account(arg);
    else if (what === "validators") html = await validators();
    else if (what === "roas") html = await roas();
    else html = await status();
  } catch (e) {
    html = "<h1>" + esc(what || "status") + "</h1><p class=\"error\">" + esc(e.message) + "</p>";
  }
  if (mine !== shown) return;
  main.innerHTML = html;
  if (!["block", "tx", "resource", "account", "validators", "roas"].includes(what)) timer = setTimeout(route, 2000);  // live
}
window.addEventListener("hashchange", route);
route();
