/// The viewer's one page: HTML, CSS and JavaScript with WebGL, written here, loading
/// nothing from anywhere but its own server (it works offline).
///
/// The page draws the mesh through a pinhole camera given as OpenCV intrinsics and a pose
/// (x_cam = R x_world + t, mm) — one of the scene's views, then turned, panned and zoomed
/// by the mouse — so that through a rig camera's view it lands where that camera saw the
/// surface. A click (a press and release that did not move) casts the ray through the
/// pixel clicked to the server, which returns the first surface point on it; that point is
/// the landmark. Pixel convention: OpenCV's, the centre of the top-left pixel at (0, 0);
/// CSS pixel (x, y) is the point (x − ½, y − ½) of the view's image scaled to the canvas.
enum ViewerPage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trinocular viewer</title>
<meta name="referrer" content="no-referrer">
<style>
 html,body{margin:0;height:100%;overflow:hidden;background:#202226;font:13px/1.4 system-ui,sans-serif;color:#e8e8e8}
 canvas{position:absolute;left:0;top:0;width:100%;height:100%;display:block}
 .panel{position:absolute;background:rgba(20,22,26,.86);border-radius:6px;padding:8px 10px;max-width:330px}
 #tools{left:8px;top:8px} #side{right:8px;top:8px;max-height:90%;overflow:auto}
 label{display:block;margin:3px 0} select,input,button{font:inherit}
 table{border-collapse:collapse} td{padding:1px 6px 1px 0;vertical-align:top}
 .x{cursor:pointer;color:#f88} #status{margin-top:6px;color:#9fd} .muted{color:#aaa}
</style></head><body>
<canvas id="gl"></canvas>
<div class="panel" id="tools">
 <label>Colour <select id="colour"></select></label>
 <label>View <select id="view"></select></label>
 <label>Landmark <input id="name" list="names" size="14" placeholder="name"><datalist id="names"></datalist></label>
 <div class="muted">click: place · drag a mark: move it · drag: turn · shift-drag: pan · wheel: zoom</div>
 <button id="save">Save landmarks</button> <span id="status"></span>
</div>
<div class="panel" id="side"><b>Landmarks</b><table id="marks"></table><div id="plan"></div><div id="legend" class="muted"></div></div>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
const params = new URLSearchParams(location.search);
const api = (p) => p + (p.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
const $ = (id) => document.getElementById(id);
const canvas = $("gl");
const gl = canvas.getContext("webgl2", {preserveDrawingBuffer: true, antialias: true}) ||
           canvas.getContext("webgl", {preserveDrawingBuffer: true, antialias: true});
if (typeof WebGL2RenderingContext === "undefined" || !(gl instanceof WebGL2RenderingContext)) gl.getExtension("OES_element_index_uint");
let scene = null, cam = null, meshes = {}, textures = [], marks = [], measured = [], selected = -1;
window.viewerReady = false;

function shader(type, src) {
  const s = gl.createShader(type); gl.shaderSource(s, src); gl.compileShader(s);
  if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
  return s;
}
function program(vs, fs) {
  const p = gl.createProgram();
  gl.attachShader(p, shader(gl.VERTEX_SHADER, vs)); gl.attachShader(p, shader(gl.FRAGMENT_SHADER, fs));
  gl.linkProgram(p); return p;
}
const surface = program(`
attribute vec3 aPos; attribute vec3 aNormal; attribute vec2 aUV; attribute vec4 aColour;
uniform mat4 uView, uProj; varying vec3 vN; varying vec3 vP; varying vec2 vUV; varying vec4 vC;
void main(){ vec4 p = uView * vec4(aPos,1.0); vP = p.xyz; vN = mat3(uView) * aNormal; vUV = aUV; vC = aColour; gl_Position = uProj * p; }`,
`precision mediump float;
uniform int uMode; uniform sampler2D uTex; varying vec3 vN; varying vec3 vP; varying vec2 vUV; varying vec4 vC;
void main(){
  vec3 n = normalize(vN), v = normalize(-vP), key = normalize(vec3(-0.4,-0.6,-0.7));
  float head = abs(dot(n, v)), k = abs(dot(n, key));
  float light = 0.25 + 0.55 * head + 0.2 * k;
  vec3 base = uMode == 0 ? texture2D(uTex, vUV).rgb : (uMode == 1 ? vec3(0.78,0.74,0.70) : vC.rgb);
  gl_FragColor = vec4(uMode == 0 ? base : base * light, 1.0);
}`);
const flat = program(`
attribute vec3 aPos; uniform mat4 uView, uProj; uniform float uSize;
void main(){ gl_Position = uProj * uView * vec4(aPos,1.0); gl_Position.z -= 0.004 * gl_Position.w; gl_PointSize = uSize; }`,
`precision mediump float; uniform vec4 uColour; void main(){ gl_FragColor = uColour; }`);

// The camera: OpenCV intrinsics for a W x H image, scaled to fit the canvas.
function fit() { const cw = canvas.width, ch = canvas.height, s = Math.min(cw / cam.W, ch / cam.H);
  return {s, ox: (cw - s * cam.W) / 2, oy: (ch - s * cam.H) / 2, cw, ch}; }
function viewMatrix() { const R = cam.R, t = cam.t;   // column-major
  return new Float32Array([R[0],R[3],R[6],0, R[1],R[4],R[7],0, R[2],R[5],R[8],0, t[0],t[1],t[2],1]); }
function toCam(p) { const R = cam.R; return [R[0]*p[0]+R[1]*p[1]+R[2]*p[2]+cam.t[0], R[3]*p[0]+R[4]*p[1]+R[5]*p[2]+cam.t[1], R[6]*p[0]+R[7]*p[1]+R[8]*p[2]+cam.t[2]]; }
function projMatrix() {
  const f = fit(), dc = Math.max(toCam(scene.centreMm)[2], 1e-3), r = scene.radiusMm;
  const n = Math.max(dc - 3 * r, dc * 0.01, 0.1), fa = dc + 3 * r;
  const a = 2 * f.s * cam.fx / f.cw, b = 2 * (f.s * (cam.cx + 0.5) + f.ox) / f.cw - 1;
  const c = -2 * f.s * cam.fy / f.ch, d = 1 - 2 * (f.s * (cam.cy + 0.5) + f.oy) / f.ch;
  return new Float32Array([a,0,0,0, 0,c,0,0, b,d,(fa+n)/(fa-n),1, 0,0,-2*fa*n/(fa-n),0]);
}
// The CSS pixel (x, y) as a ray in the world (origin, direction).
function ray(x, y) {
  const f = fit(), dpr = canvas.width / canvas.clientWidth;
  const u = (x * dpr - f.ox) / f.s - 0.5, v = (y * dpr - f.oy) / f.s - 0.5;
  const d = [(u - cam.cx) / cam.fx, (v - cam.cy) / cam.fy, 1], R = cam.R, t = cam.t;
  const o = [-(R[0]*t[0]+R[3]*t[1]+R[6]*t[2]), -(R[1]*t[0]+R[4]*t[1]+R[7]*t[2]), -(R[2]*t[0]+R[5]*t[1]+R[8]*t[2])];
  return {origin: o, direction: [R[0]*d[0]+R[3]*d[1]+R[6]*d[2], R[1]*d[0]+R[4]*d[1]+R[7]*d[2], R[2]*d[0]+R[5]*d[1]+R[8]*d[2]]};
}
function screenOf(p) { const q = toCam(p), f = fit(), dpr = canvas.width / canvas.clientWidth;
  return [((cam.fx * q[0] / q[2] + cam.cx + 0.5) * f.s + f.ox) / dpr, ((cam.fy * q[1] / q[2] + cam.cy + 0.5) * f.s + f.oy) / dpr]; }
// Turning about the scene's centre by Q (camera frame): R' = Q R, t' = Q t - Q cc + cc.
function turn(Q) {
  const cc = toCam(scene.centreMm), mul = (A, B) => [0,1,2].flatMap(i => [0,1,2].map(j => A[3*i]*B[j] + A[3*i+1]*B[3+j] + A[3*i+2]*B[6+j]));
  const app = (A, v) => [0,1,2].map(i => A[3*i]*v[0] + A[3*i+1]*v[1] + A[3*i+2]*v[2]);
  const qt = app(Q, cam.t), qc = app(Q, cc);
  cam.R = mul(Q, cam.R); cam.t = [0,1,2].map(i => qt[i] - qc[i] + cc[i]);
}
function rotation(ax, ay) { const cx = Math.cos(ax), sx = Math.sin(ax), cy = Math.cos(ay), sy = Math.sin(ay);
  return [cy, sx*sy, cx*sy, 0, cx, -sx, -sy, sx*cy, cx*cy]; }

function bind(p, name, buffer, size, type, normalised) {
  const loc = gl.getAttribLocation(p, name); if (loc < 0) return;
  gl.bindBuffer(gl.ARRAY_BUFFER, buffer); gl.enableVertexAttribArray(loc);
  gl.vertexAttribPointer(loc, size, type, normalised, 0, 0);
}
async function loadMesh(entry) {
  const bytes = await (await fetch(api("/api/mesh/" + entry.name))).arrayBuffer(), n = entry.vertexCount;
  const part = (offset, length) => bytes.slice(offset, offset + length);
  const buf = (data, target) => { const b = gl.createBuffer(); gl.bindBuffer(target, b); gl.bufferData(target, data, gl.STATIC_DRAW); return b; };
  const o = {pos: 0, nrm: 12 * n, uv: 24 * n, col: 32 * n, idx: 36 * n};
  meshes[entry.name] = {entry, pos: buf(part(o.pos, 12 * n), gl.ARRAY_BUFFER), nrm: buf(part(o.nrm, 12 * n), gl.ARRAY_BUFFER),
    uv: buf(part(o.uv, 8 * n), gl.ARRAY_BUFFER), col: buf(part(o.col, 4 * n), gl.ARRAY_BUFFER),
    idx: buf(part(o.idx, 4 * entry.indexCount), gl.ELEMENT_ARRAY_BUFFER)};
}
async function loadTexture(i) {
  const blob = await (await fetch(api("/api/texture/" + i))).blob(), img = new Image();
  img.src = URL.createObjectURL(blob); await img.decode();
  const t = gl.createTexture(); gl.bindTexture(gl.TEXTURE_2D, t);
  gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, true);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB, gl.RGB, gl.UNSIGNED_BYTE, img);
  for (const [k, v] of [[gl.TEXTURE_MIN_FILTER, gl.LINEAR], [gl.TEXTURE_MAG_FILTER, gl.LINEAR], [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]]) gl.texParameteri(gl.TEXTURE_2D, k, v);
  textures[i] = t; URL.revokeObjectURL(img.src);
}

function draw() {
  const w = Math.round(canvas.clientWidth * devicePixelRatio), h = Math.round(canvas.clientHeight * devicePixelRatio);
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  gl.viewport(0, 0, w, h); gl.clearColor(32/255, 34/255, 38/255, 1); gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
  gl.enable(gl.DEPTH_TEST);
  const mode = $("colour").value, m = meshes[mode === "distance" || mode === "asymmetry" ? mode : "surface"];
  const V = viewMatrix(), P = projMatrix();
  gl.useProgram(surface);
  gl.uniformMatrix4fv(gl.getUniformLocation(surface, "uView"), false, V);
  gl.uniformMatrix4fv(gl.getUniformLocation(surface, "uProj"), false, P);
  bind(surface, "aPos", m.pos, 3, gl.FLOAT, false); bind(surface, "aNormal", m.nrm, 3, gl.FLOAT, false);
  bind(surface, "aUV", m.uv, 2, gl.FLOAT, false); bind(surface, "aColour", m.col, 4, gl.UNSIGNED_BYTE, true);
  gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, m.idx);
  for (const g of m.entry.groups) {
    const textured = mode === "texture" && g.texture !== null && textures[g.texture];
    gl.uniform1i(gl.getUniformLocation(surface, "uMode"), textured ? 0 : (mode === "shading" || mode === "texture" ? 1 : 2));
    if (textured) { gl.activeTexture(gl.TEXTURE0); gl.bindTexture(gl.TEXTURE_2D, textures[g.texture]); gl.uniform1i(gl.getUniformLocation(surface, "uTex"), 0); }
    gl.drawElements(gl.TRIANGLES, g.count, gl.UNSIGNED_INT, 4 * g.first);
  }
  for (let i = 0; i < 4; i++) { const l = gl.getAttribLocation(surface, ["aPos","aNormal","aUV","aColour"][i]); if (l >= 0) gl.disableVertexAttribArray(l); }
  gl.useProgram(flat);
  gl.uniformMatrix4fv(gl.getUniformLocation(flat, "uView"), false, V);
  gl.uniformMatrix4fv(gl.getUniformLocation(flat, "uProj"), false, P);
  const palette = [[.08,.43,.9,1], [.08,.67,.24,1], [.9,.55,0,1], [.59,.24,.78,1], [0,.67,.67,1]];
  const line = (pts, colour, kind, size) => {
    if (!pts.length) return;
    const b = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, b); gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(pts.flat()), gl.STREAM_DRAW);
    bind(flat, "aPos", b, 3, gl.FLOAT, false); gl.uniform4fv(gl.getUniformLocation(flat, "uColour"), colour);
    gl.uniform1f(gl.getUniformLocation(flat, "uSize"), size); gl.drawArrays(kind, 0, pts.length); gl.deleteBuffer(b);
  };
  measured.forEach((r, k) => line(r.path, palette[k % palette.length], r.closed ? gl.LINE_LOOP : gl.LINE_STRIP, 1));
  line(marks.map(l => l.point), [.86, .12, .12, 1], gl.POINTS, 10 * devicePixelRatio);
  if (selected >= 0 && marks[selected]) line([marks[selected].point], [1, .85, .1, 1], gl.POINTS, 12 * devicePixelRatio);
}
let pending = false;
function redraw() { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; draw(); }); } }

function setView(name) { const v = scene.views.find(v => v.name === name) || scene.views[0];
  cam = {fx: v.fx, fy: v.fy, cx: v.cx, cy: v.cy, W: v.width, H: v.height, R: v.R.slice(), t: v.t.slice()}; redraw(); }
function nextName() { const placed = new Set(marks.map(l => l.name));
  return scene.landmarkNames.find(n => !placed.has(n)) || "L" + (marks.length + 1); }
function listMarks() {
  $("marks").innerHTML = "";
  marks.forEach((l, i) => { const tr = document.createElement("tr");
    tr.innerHTML = "<td></td><td class=muted></td><td class=x title='remove'>×</td>";
    tr.children[0].textContent = l.name; tr.children[1].textContent = l.point.map(x => x.toFixed(1)).join(", ");
    tr.children[2].onclick = () => { marks.splice(i, 1); selected = -1; changed(); };
    $("marks").appendChild(tr); });
  $("name").value = nextName();
}
async function post(path, body) {
  const r = await fetch(api(path), {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  if (!r.ok) throw new Error(await r.text()); return r.json();
}
async function changed() {
  listMarks(); redraw();
  if (!scene.landmarkNames.length) return;
  try { measured = await post("/api/measure", {landmarks: marks}); } catch (e) { $("status").textContent = e.message; return; }
  const rows = measured.map(r => "<tr><td>" + esc(r.name) + "</td><td>" + (r.value === null || r.value === undefined
    ? "<span class=muted>" + esc(r.problem || "") + "</span>" : r.value.toFixed(1) + " ± " + r.uncertainty.toFixed(1) + " " + esc(r.unit)) + "</td></tr>");
  $("plan").innerHTML = "<b>Measurements</b><table>" + rows.join("") + "</table>"; redraw();
}
function esc(s) { return String(s).replace(/[&<>"']/g, c => "&#" + c.charCodeAt(0) + ";"); }
async function place(x, y, index) {
  const hit = await post("/api/pick", ray(x, y));
  if (!hit.hit) { $("status").textContent = "no surface there"; return; }
  if (index === undefined) {
    const name = ($("name").value || nextName()).trim(), at = marks.findIndex(l => l.name === name);
    if (at >= 0) marks[at].point = hit.point; else marks.push({name, point: hit.point});
    selected = at >= 0 ? at : marks.length - 1;
  } else { marks[index].point = hit.point; }
  $("status").textContent = ""; await changed();
}

let drag = null;
canvas.addEventListener("mousedown", (e) => {
  const near = marks.findIndex(l => { const s = screenOf(l.point); return Math.hypot(s[0] - e.offsetX, s[1] - e.offsetY) < 8; });
  drag = {x: e.offsetX, y: e.offsetY, moved: false, mark: near, shift: e.shiftKey, busy: false};
  if (near >= 0) { selected = near; redraw(); }
});
canvas.addEventListener("mousemove", async (e) => {
  if (!drag) return;
  const dx = e.offsetX - drag.x, dy = e.offsetY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 3) return;
  drag.moved = true;
  if (drag.mark >= 0) { if (!drag.busy) { drag.busy = true; await place(e.offsetX, e.offsetY, drag.mark); if (drag) drag.busy = false; } return; }
  if (drag.shift) { const z = toCam(scene.centreMm)[2], f = fit();
    cam.t = [cam.t[0] + dx * z / cam.fx / f.s * devicePixelRatio, cam.t[1] + dy * z / cam.fy / f.s * devicePixelRatio, cam.t[2]];
  } else turn(rotation(-dy * 0.008, dx * 0.008));
  drag.x = e.offsetX; drag.y = e.offsetY; redraw();
});
window.addEventListener("mouseup", async (e) => {
  const d = drag; drag = null;
  if (d && !d.moved && e.target === canvas) await place(e.offsetX, e.offsetY);
});
canvas.addEventListener("wheel", (e) => { e.preventDefault();
  const z = toCam(scene.centreMm)[2], step = Math.sign(e.deltaY) * 0.1 * z;
  if (z - step > 0.2 * scene.radiusMm) { cam.t = [cam.t[0], cam.t[1], cam.t[2] - step]; redraw(); } }, {passive: false});
$("colour").onchange = () => { redraw(); legend(); };
$("view").onchange = () => setView($("view").value);
$("save").onclick = async () => {
  try { const r = await post("/api/landmarks", {landmarks: marks}); $("status").textContent = "saved " + r.count + " to " + r.file; }
  catch (e) { $("status").textContent = "not saved: " + e.message; }
};
function legend() { const m = scene.meshes.find(m => m.name === $("colour").value);
  $("legend").textContent = m && m.rangeMm ? "blue −" + m.rangeMm + " mm · white 0 · red +" + m.rangeMm + " mm" : ""; }
window.addEventListener("resize", redraw);

(async () => {
  scene = await (await fetch(api("/api/scene"))).json();
  await Promise.all(scene.meshes.map(loadMesh));
  await Promise.all(scene.textures.map((_, i) => loadTexture(i)));
  const modes = (scene.textures.length ? ["texture"] : []).concat(["shading", "colour"], scene.meshes.slice(1).map(m => m.name));
  for (const m of modes) $("colour").add(new Option(m, m));
  for (const v of scene.views) $("view").add(new Option(v.name, v.name));
  if (params.get("colour") && modes.includes(params.get("colour"))) $("colour").value = params.get("colour");
  $("view").value = scene.views.some(v => v.name === params.get("view")) ? params.get("view") : scene.views[0].name;
  for (const n of scene.landmarkNames) $("names").appendChild(new Option(n));
  marks = scene.landmarks; setView($("view").value); legend(); await changed();
  draw(); window.viewerReady = true;
})().catch(e => { $("status").textContent = "cannot load: " + e.message; });
</script></body></html>
"""#
}
