// Summarizes a V8 CPU profile (server.mjs --cpu-prof FILE, or node --cpu-prof): the share of
// the samples spent in each package (self time) and the functions with the most self and total
// time.
//
//   node profile-summary.mjs FILE [--top N]

import { readFileSync } from "node:fs";
import process from "node:process";

const file = process.argv[2];
if (file == null) {
  console.error("usage: node profile-summary.mjs FILE [--top N]");
  process.exit(2);
}
const topIndex = process.argv.indexOf("--top");
const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 25;
const profile = JSON.parse(readFileSync(file, "utf8"));

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) parent.set(child, node.id);
}
const selfSamples = new Map();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const total = profile.samples.length;
const idle = [...selfSamples]
  .filter(([id]) => nodes.get(id).callFrame.functionName === "(idle)")
  .reduce((sum, [, n]) => sum + n, 0);

function where(frame) {
  const url = frame.url ?? "";
  const match = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (match) return match[1];
  if (url.startsWith("node:")) return "node: (runtime, in JS)";
  if (url === "") return frame.functionName.startsWith("(") ? frame.functionName : "native (V8, C++)";
  return url.split("/").pop();
}

function label(frame) {
  const file = (frame.url ?? "").split("/").slice(-2).join("/");
  return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
}

const byPlace = new Map();
const bySelf = new Map();
const byTotal = new Map();
for (const [id, count] of selfSamples) {
  const frame = nodes.get(id).callFrame;
  byPlace.set(where(frame), (byPlace.get(where(frame)) ?? 0) + count);
  bySelf.set(label(frame), (bySelf.get(label(frame)) ?? 0) + count);
  // Total: every distinct function on the stack once.
  const seen = new Set();
  for (let at = id; at != null; at = parent.get(at)) {
    const name = label(nodes.get(at).callFrame);
    if (seen.has(name)) continue;
    seen.add(name);
    byTotal.set(name, (byTotal.get(name) ?? 0) + count);
  }
}

const percent = (n, of) => `${((100 * n) / of).toFixed(1).padStart(5)} %`;
const busy = total - idle;
console.log(
  `${total} samples, ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s; idle ${percent(idle, total)}; shares below are of the ${busy} busy samples`,
);
console.log("\nself time by package:");
for (const [place, n] of [...byPlace].sort((a, b) => b[1] - a[1])) {
  if (place === "(idle)") continue;
  console.log(`  ${percent(n, busy)}  ${place}`);
}
console.log(`\ntop ${top} functions by self time:`);
for (const [name, n] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${percent(n, busy)}  ${name}`);
}
console.log(`\ntop ${top} functions by total time (self and callees):`);
for (const [name, n] of [...byTotal].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  if (name.startsWith("(root)")) continue;
  console.log(`  ${percent(n, busy)}  ${name}`);
}
