// A layered (Sugiyama-style) layout for directed graphs, with no library: cycles broken by a
// depth-first search (back edges are laid out as if reversed), layers by longest path from
// the sources, the order inside each layer by barycentres (sweeps down and up, edges that
// span several layers count through their end points), then coordinates on a grid with each
// layer centred. Used by the jobs task DAG and the lineage graph. O(V + E) per sweep.
//
// layout(nodes, edges, opts) -> {pos: Map(id -> {x, y, layer, index}), width, height, layers}
// nodes: [{id}], edges: [{source, target}] (edges naming unknown nodes are ignored).
// opts: {nodeWidth, nodeHeight, gapX, gapY, sweeps, margin}

export function layout(nodes, edges, opts = {}) {
  const W = opts.nodeWidth || 180;
  const H = opts.nodeHeight || 36;
  const GX = opts.gapX || 70;
  const GY = opts.gapY || 14;
  const M = opts.margin === undefined ? 10 : opts.margin;
  const sweeps = opts.sweeps || 4;
  const n = nodes.length;
  const idx = new Map();
  nodes.forEach((nd, i) => idx.set(nd.id, i));
  const out = Array.from({ length: n }, () => []);
  const inn = Array.from({ length: n }, () => []);
  const seenEdge = new Set();
  for (const e of edges) {
    const s = idx.get(e.source);
    const t = idx.get(e.target);
    if (s === undefined || t === undefined || s === t) continue;
    const k = s * n + t;
    if (seenEdge.has(k)) continue;
    seenEdge.add(k);
    out[s].push(t);
    inn[t].push(s);
  }

  // 1. Break cycles: an iterative DFS marks back edges; the DAG keeps the others.
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const dagOut = Array.from({ length: n }, () => []);
  const dagIn = Array.from({ length: n }, () => []);
  for (let r = 0; r < n; r++) {
    if (state[r]) continue;
    const stack = [[r, 0]];
    state[r] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, i] = top;
      if (i < out[v].length) {
        top[1]++;
        const w = out[v][i];
        if (state[w] === 1) {
          dagOut[w].push(v); // a back edge: reversed
          dagIn[v].push(w);
        } else {
          dagOut[v].push(w);
          dagIn[w].push(v);
          if (state[w] === 0) {
            state[w] = 1;
            stack.push([w, 0]);
          }
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }

  // 2. Longest-path layering (Kahn's order).
  const layer = new Int32Array(n);
  const indeg = new Int32Array(n);
  for (let v = 0; v < n; v++) indeg[v] = dagIn[v].length;
  const queue = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) queue.push(v);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const w of dagOut[v]) {
      if (layer[v] + 1 > layer[w]) layer[w] = layer[v] + 1;
      if (--indeg[w] === 0) queue.push(w);
    }
  }
  let nLayers = 0;
  for (let v = 0; v < n; v++) if (layer[v] + 1 > nLayers) nLayers = layer[v] + 1;
  const layers = Array.from({ length: nLayers }, () => []);
  // first order: the topological order (neighbours start near each other)
  for (const v of queue) layers[layer[v]].push(v);

  // 3. Barycentre ordering: position of a node = its index / size of its layer (0..1).
  const rel = new Float64Array(n);
  const setRel = (L) => L.forEach((v, i) => (rel[v] = L.length > 1 ? i / (L.length - 1) : 0.5));
  layers.forEach(setRel);
  const bary = new Float64Array(n);
  const sweep = (from, to, step, nbrs) => {
    for (let l = from; l !== to; l += step) {
      const L = layers[l];
      for (const v of L) {
        const ns = nbrs[v];
        if (ns.length === 0) {
          bary[v] = rel[v];
          continue;
        }
        let s = 0;
        for (const w of ns) s += rel[w];
        bary[v] = s / ns.length;
      }
      L.sort((a, b) => bary[a] - bary[b] || rel[a] - rel[b]);
      setRel(L);
    }
  };
  for (let s = 0; s < sweeps; s++) {
    if (s % 2 === 0) sweep(1, nLayers, 1, dagIn);
    else sweep(nLayers - 2, -1, -1, dagOut);
  }

  // 4. Coordinates: layers left to right, each centred vertically.
  let maxRows = 0;
  for (const L of layers) if (L.length > maxRows) maxRows = L.length;
  const height = M * 2 + Math.max(1, maxRows) * (H + GY) - GY;
  const width = M * 2 + Math.max(1, nLayers) * (W + GX) - GX;
  const pos = new Map();
  layers.forEach((L, l) => {
    const off = ((maxRows - L.length) * (H + GY)) / 2;
    L.forEach((v, i) => pos.set(nodes[v].id, { x: M + l * (W + GX), y: M + off + i * (H + GY), layer: l, index: i }));
  });
  return { pos, width, height, layers: nLayers, nodeWidth: W, nodeHeight: H };
}

// The SVG path of an edge from the right side of `a` to the left side of `b` (a curve); an
// edge going back (a cycle, or to an earlier layer) bends around.
export function edgePath(a, b, W, H) {
  const x1 = a.x + W;
  const y1 = a.y + H / 2;
  const x2 = b.x;
  const y2 = b.y + H / 2;
  const dx = Math.max(30, Math.abs(x2 - x1) / 2);
  return `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
}
